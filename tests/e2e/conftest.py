"""The whole stack as `pakt up` starts it, on free ports, in a temporary data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import grpc
import pytest

from pakt.cli.stack import Stack, StackConfig
from pakt.platform.settings import SERVICES
from pakt.platform.tls import channel_credentials
from tests.conftest import _postgres_database

PAKT = [sys.executable, "-m", "pakt.cli.main"]
RP = "rp:pruefer"


def _started(data: Path, **config) -> Iterator[Stack]:
    s = Stack(StackConfig.on_free_ports(data, demo=False, **config))
    try:
        s.start()
        s.wait_ready(timeout_s=120)
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """The stack on its embedded defaults: SQLite."""
    yield from _started(tmp_path_factory.mktemp("stack"))


@pytest.fixture(scope="session")
def postgres_stack(tmp_path_factory):
    """The stack with every service on a database of its own on the PostgreSQL server."""
    with ExitStack() as databases:
        env = {
            f"PAKT_{service.upper()}_DB_URL": databases.enter_context(contextmanager(_postgres_database)())
            for service in SERVICES
        }
        yield from _started(tmp_path_factory.mktemp("postgres-stack"), extra_env=env)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_stack(request) -> Stack:
    """Each of the two: for tests whose subject is what the services store."""
    return request.getfixturevalue("stack" if request.param == "sqlite" else "postgres_stack")


def service_channel(stack, service: str, identity: str | None = "rp") -> grpc.Channel:
    """A channel to one service of the stack, acting as identity (None: without a credential)."""
    client = stack.pki.client(identity) if identity else None
    return grpc.secure_channel(
        f"127.0.0.1:{stack.config.grpc_ports[service]}", channel_credentials(stack.pki.ca_cert, client)
    )


class Cli:
    """Runs `pakt` as a user would, against the test stack."""

    def __init__(self, stack: Stack) -> None:
        self.env = {**os.environ, **{k: v for k, v in stack.env().items() if k.startswith("PAKT_")}}

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([*PAKT, *args], env=self.env, capture_output=True, text=True, timeout=60)
        if check and result.returncode != 0:
            raise AssertionError(f"pakt {' '.join(args)} failed ({result.returncode}): {result.stderr}")
        return result

    def json(self, *args: str):
        return json.loads(self.run(*args, "--json").stdout)

    def submit(self, tmp_path: Path, request: dict) -> dict:
        path = tmp_path / f"{request.get('requestId', request.get('request_id', 'antrag'))}.json"
        path.write_text(json.dumps(request), encoding="utf-8")
        return self.json("antrag", "submit", str(path))


@pytest.fixture(scope="session")
def cli(stack) -> Cli:
    return Cli(stack)


def eventually(check, timeout_s: float = 30, interval_s: float = 0.3):
    """Poll check() until it returns a truthy value; fail with its last result."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s; last result: {last!r}")


def full_request(ags: str, jahr: int, betrag_cent: int, **extra) -> dict:
    """A complete SubmitAntragRequest as JSON; Integrationsmanagement unless extra says otherwise."""
    request = {
        "request_id": str(uuid.uuid4()),
        "antragsteller_ags": ags,
        "programm": "PROGRAMM_INTEGRATIONSMANAGEMENT",
        "foerderjahr": jahr,
        "betrag_cent": betrag_cent,
        "beginn": f"{jahr}-01-01",
        "ende": f"{jahr}-12-31",
        "stellen": [{"vzae_hundertstel": 100, "qualifikation": "QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN"}],
        "traegerschaft": "TRAEGERSCHAFT_EIGENREGIE",
        "ansprechperson": {"name": "Erika Muster", "email": "integration@kommune.example"},
        "begruendung": "Integrationsmanagement in der Anschlussunterbringung.",
        **extra,
    }
    if request["programm"] != "PROGRAMM_INTEGRATIONSMANAGEMENT":
        request.pop("stellen")  # positions only for Integrationsmanagement
    return request


def decide(cli, antrag_id: str) -> dict:
    """The Bewilligungsstelle's Prüfung, then wait for allocation's Bescheid."""
    cli.json("--as", RP, "antrag", "pruefen", antrag_id)
    assert cli.json("--as", RP, "antrag", "freigeben", antrag_id)["status"] == "ANTRAG_STATUS_ENTSCHEIDUNGSREIF"
    return eventually(
        lambda: (a := cli.json("--as", RP, "antrag", "get", antrag_id))["status"] != "ANTRAG_STATUS_ENTSCHEIDUNGSREIF" and a
    )
