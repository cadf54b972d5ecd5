"""The whole stack as `pakt up` starts it, on free ports, in a temporary data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pakt.cli.stack import Stack, StackConfig

PAKT = [sys.executable, "-m", "pakt.cli.main"]


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    data = tmp_path_factory.mktemp("stack")
    s = Stack(StackConfig.on_free_ports(data, demo=False))
    try:
        s.start()
        s.wait_ready(timeout_s=120)
        yield s
    finally:
        s.stop()


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
