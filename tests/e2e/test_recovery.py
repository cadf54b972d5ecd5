"""Nothing stranded: the whole stack under `pakt up` (as `make run` starts it) survives SIGKILLs of
allocation and of the reporting aggregation in the middle of a burst of Prüfungen, and a broker
that dies and comes back empty while the services keep running. Afterwards, within 60 s and with
no manual command, every Antrag whose Prüfung was completed is decided exactly once, and antrag,
allocation and reporting agree to the cent per Kommune and programme. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import grpc
import pytest
from google.protobuf.json_format import ParseDict
from sqlalchemy import Engine, create_engine, func, select

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.cli.stack import Stack, StackConfig
from pakt.platform.settings import SERVICES, ServiceSettings
from pakt.referenzdaten import gebiete
from services.allocation.tables import bescheid
from services.antrag.tables import antrag as antrag_table
from services.reporting.tables import antrag_stand
from tests.broker import Tansu
from tests.conftest import _postgres_database
from tests.e2e.conftest import RP, full_request, service_channel

AGREE_WITHIN_S = 60
S = pb.AntragStatus
DECIDED = {S.ANTRAG_STATUS_BEWILLIGT, S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT, S.ANTRAG_STATUS_ABGELEHNT}
PROGRAMME = ("PROGRAMM_INTEGRATIONSMANAGEMENT", "PROGRAMM_SPRACHERWERB", "PROGRAMM_EHRENAMT")


class PaktUp:
    """`pakt up --no-demo` as a child process on free ports; the Stack object only describes it."""

    def __init__(self, data: Path, extra_env: dict[str, str]) -> None:
        self.stack = Stack(StackConfig.on_free_ports(data, demo=False, extra_env=extra_env))
        c = self.stack.config
        self.env = {
            **self.stack.env(),
            "PAKT_BROKER_PORT": str(c.broker_port),
            "PAKT_DASHBOARD_PORT": str(c.dashboard_port),
        }
        self.output = data / "pakt-up.out"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.stack.config.data_dir.mkdir(parents=True, exist_ok=True)
        self.output.unlink(missing_ok=True)
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pakt.cli.main", "up", "--no-demo"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.wait_for_line("Bereit.", timeout_s=150)

    def said(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_line(self, text: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while text not in self.said():
            assert self.process.poll() is None, f"pakt up ended:\n{self.said()}"
            assert time.monotonic() < deadline, f"{text!r} not said within {timeout_s} s:\n{self.said()}"
            time.sleep(0.2)

    def kill(self, child: str) -> None:
        """SIGKILL one child of `pakt up`, as the OOM killer would."""
        pid = int((self.stack.config.data_dir / "run" / f"{child}.pid").read_text())
        os.kill(pid, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(90)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def engine(self, service: str) -> Engine:
        return create_engine(ServiceSettings.from_env(service, self.env).db_url)


@contextmanager
def _pakt_up(tmp_path: Path, backend: str) -> Iterator[PaktUp]:
    with ExitStack() as resources:
        env = {}
        if backend == "postgres":
            env = {
                f"PAKT_{s.upper()}_DB_URL": resources.enter_context(contextmanager(_postgres_database)())
                for s in SERVICES
            }
        up = PaktUp(tmp_path / "data", env)
        try:
            up.start()
            yield up
        finally:
            up.stop()


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_crashes_and_an_empty_broker_strand_nothing(tmp_path, backend):
    with _pakt_up(tmp_path, backend) as up:
        engines = {s: up.engine(s) for s in ("antrag", "allocation", "reporting")}
        calls = Calls(up.stack)
        try:
            # 1. A burst of completed Prüfungen; allocation and the aggregation are killed in it.
            first = calls.submit_and_begin(_requests(150, seed=1))
            calls.complete_all(first, at={50: lambda: up.kill("allocation"), 100: lambda: up.kill("reporting-aggregator")})
            up.wait_for_line("allocation neu gestartet", 30)
            up.wait_for_line("reporting-aggregator neu gestartet", 30)
            _eventually_consistent(engines, first, "after the kills")
            calls.pay_out(first[:30], engines["antrag"])

            # 2. The broker dies and comes back empty while the services keep running.
            second = calls.submit_and_begin(_requests(90, seed=2))
            calls.complete_all(second, at={30: lambda: up.kill("broker")})
            up.wait_for_line("broker neu gestartet", 30)
            _eventually_consistent(engines, first + second, "after the broker came back empty")
            assert "gebe auf" not in up.said()

            # 3. `make run` stopped right after a burst and started again: a new, empty broker.
            third = calls.submit_and_begin(_requests(60, seed=5))
            calls.complete_all(third, at={})
            up.stop()
            up.start()
            _eventually_consistent(engines, first + second + third, "after the stack was stopped and started")
            _abgleich_finds_nothing(up.env)
        finally:
            calls.close()
            for engine in engines.values():
                engine.dispose()


def _requests(count: int, seed: int) -> list[dict]:
    """Anträge of 40 Gemeinden of three Kreise, over three programmes, some above their Planungsrahmen."""
    rng = random.Random(seed)
    g = gebiete()
    gemeinden = sorted(a for a, gem in g.gemeinden.items() if gem.kreis_ags in {"08115", "08117", "08119"})[:40]
    requests = []
    for i in range(count):
        programm = PROGRAMME[i % len(PROGRAMME)]
        betrag = rng.choice([60_000_00, 120_000_00, 400_000_00]) if programm == PROGRAMME[0] else rng.choice([5_000_00, 20_000_00])
        requests.append(full_request(rng.choice(gemeinden), 2018, betrag, programm=programm))
    return requests


class Calls:
    """Municipal systems and the Bewilligungsstelle, each over its own gRPC channel."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._channels: dict[str, grpc.Channel] = {}
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(16)

    def stub(self, identity: str) -> antrag_pb2_grpc.AntragServiceStub:
        with self._lock:
            if identity not in self._channels:
                self._channels[identity] = service_channel(self.stack, "antrag", identity)
            return antrag_pb2_grpc.AntragServiceStub(self._channels[identity])

    def call(self, identity: str, method: str, request):
        for attempt in range(20):
            try:
                return getattr(self.stub(identity), method)(request, timeout=30)
            except grpc.RpcError as exc:  # a restarting service: same request_id, same answer
                if exc.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) or attempt == 19:
                    raise
                time.sleep(0.5)

    def submit_and_begin(self, requests: list[dict]) -> list[str]:
        def one(request: dict) -> str:
            reply = self.call(request["antragsteller_ags"], "SubmitAntrag", ParseDict(request, pb.SubmitAntragRequest()))
            self.call(RP, "BeginPruefung", pb.BeginPruefungRequest(request_id=_rid(), antrag_id=reply.antrag.id))
            return reply.antrag.id

        return list(self.pool.map(one, requests))

    def complete_all(self, ids: list[str], at: dict[int, Callable[[], None]]) -> None:
        """Complete every Prüfung; at[n]() runs once n of them are completed."""
        done = 0
        requests = [pb.CompletePruefungRequest(request_id=_rid(), antrag_id=i) for i in ids]
        for _ in self.pool.map(lambda r: self.call(RP, "CompletePruefung", r), requests):
            done += 1
            if done in at:
                at[done]()

    def pay_out(self, ids: list[str], antrag_db: Engine) -> None:
        """Half of what was approved, drawn down and paid out."""
        with antrag_db.connect() as conn:
            approved = conn.execute(
                select(antrag_table.c.id, antrag_table.c.antragsteller_ags, antrag_table.c.bewilligt_cent).where(
                    antrag_table.c.id.in_(ids), antrag_table.c.bewilligt_cent > 0
                )
            ).all()
        assert approved, "nothing approved to pay out"
        for row in approved:
            abruf = self.call(
                row.antragsteller_ags,
                "RequestMittelabruf",
                pb.RequestMittelabrufRequest(request_id=_rid(), antrag_id=row.id, betrag_cent=row.bewilligt_cent // 2),
            )
            self.call(
                RP,
                "ConfirmAuszahlung",
                pb.ConfirmAuszahlungRequest(request_id=_rid(), antrag_id=row.id, mittelabruf_id=abruf.mittelabruf.id),
            )

    def close(self) -> None:
        self.pool.shutdown()
        for channel in self._channels.values():
            channel.close()


def _rid() -> str:
    return str(uuid.uuid4())


def _eventually_consistent(engines: dict[str, Engine], ids: list[str], when: str) -> None:
    """Within AGREE_WITHIN_S: every Antrag decided once; the three services agree to the cent."""
    deadline = time.monotonic() + AGREE_WITHIN_S
    while True:
        problems = _disagreements(engines, ids)
        if not problems:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{when}, not consistent within {AGREE_WITHIN_S} s: {problems[:10]}")
        time.sleep(1)


def _disagreements(engines: dict[str, Engine], ids: list[str]) -> list[str]:
    a, b, r = antrag_table.c, bescheid.c, antrag_stand.c
    with engines["antrag"].connect() as conn:
        antraege = conn.execute(
            select(a.id, a.status, a.antragsteller_ags, a.programm, a.bewilligt_cent, a.ausgezahlt_cent, a.bescheid_id)
        ).all()
    with engines["allocation"].connect() as conn:
        bescheide = conn.execute(select(b.antrag_id, b.id, b.kommune_ags, b.programm, b.bewilligt_cent)).all()
        per_antrag = dict(conn.execute(select(b.antrag_id, func.count()).group_by(b.antrag_id)).all())
    with engines["reporting"].connect() as conn:
        reported = conn.execute(
            select(r.antrag_id, r.antragsteller_ags, r.programm, r.bewilligt_cent, r.ausgezahlt_cent)
        ).all()
    problems = []
    status = {row.id: row.status for row in antraege}
    for antrag_id in ids:
        if status.get(antrag_id) not in {S.Name(s) for s in DECIDED}:
            problems.append(f"{antrag_id} is {status.get(antrag_id)}")
        if per_antrag.get(antrag_id) != 1:
            problems.append(f"{antrag_id} has {per_antrag.get(antrag_id, 0)} Bescheide")
    sums: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in antraege:
        key = (row.antragsteller_ags, row.programm)
        sums[key]["antrag bewilligt"] += row.bewilligt_cent
        sums[key]["antrag ausgezahlt"] += row.ausgezahlt_cent
    for row in bescheide:
        sums[(row.kommune_ags, row.programm)]["allocation bewilligt"] += row.bewilligt_cent
    for row in reported:
        key = (row.antragsteller_ags, row.programm)
        sums[key]["reporting bewilligt"] += row.bewilligt_cent
        sums[key]["reporting ausgezahlt"] += row.ausgezahlt_cent
    for key, s in sorted(sums.items()):
        if not s["antrag bewilligt"] == s["allocation bewilligt"] == s["reporting bewilligt"]:
            problems.append(f"{key} bewilligt: {dict(s)}")
        if s["antrag ausgezahlt"] != s["reporting ausgezahlt"]:
            problems.append(f"{key} ausgezahlt: {dict(s)}")
    if len(reported) != len(antraege):
        problems.append(f"reporting has {len(reported)} of {len(antraege)} Anträge")
    return problems


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_services_say_the_broker_is_away_quietly_and_recover_when_it_is_back_empty(tmp_path, backend):
    """A broker on its own port stops while the services keep running, and comes back empty."""
    broker = Tansu(tmp_path / "tansu.log")
    broker.start()
    with ExitStack() as resources:
        resources.callback(broker.stop)
        env = {}
        if backend == "postgres":
            env = {
                f"PAKT_{s.upper()}_DB_URL": resources.enter_context(contextmanager(_postgres_database)())
                for s in SERVICES
            }
        stack = Stack(
            StackConfig.on_free_ports(tmp_path / "data", demo=False, kafka_bootstrap=broker.bootstrap, extra_env=env)
        )
        resources.callback(stack.stop)
        stack.start()
        stack.wait_ready(timeout_s=120)
        engines = {s: create_engine(ServiceSettings.from_env(s, stack.env()).db_url) for s in ("antrag", "allocation", "reporting")}
        for engine in engines.values():
            resources.callback(engine.dispose)
        calls = Calls(stack)
        resources.callback(calls.close)

        decided_before = calls.submit_and_begin(_requests(20, seed=3))
        calls.complete_all(decided_before, at={})
        _eventually_consistent(engines, decided_before, "before the outage")
        waiting = calls.submit_and_begin(_requests(30, seed=4))

        broker.stop()
        calls.complete_all(waiting, at={})  # antrag takes them: the outbox holds the events
        for service in ("antrag", "allocation"):
            _eventually(lambda s=service: not _serving(stack, s), f"{service} NOT_SERVING while the broker is away")
            assert 'reason="broker_unreachable"' in _metrics(stack, service) or 'reason="publish_failing"' in _metrics(
                stack, service
            )
        # The backlog waits in antrag's outbox, and the metrics say how much and how old.
        _eventually(lambda: _gauge(stack, "antrag", "pakt_outbox_pending_events") >= len(waiting), "backlog metric")
        assert _gauge(stack, "antrag", "pakt_outbox_oldest_pending_age_seconds") > 0
        lines_before = _log_lines(stack, "antrag") + _log_lines(stack, "allocation")
        time.sleep(OUTAGE_WINDOW_S)
        logged = _log_lines(stack, "antrag") + _log_lines(stack, "allocation") - lines_before
        assert logged <= 2 * (MAX_LINES_PER_S * OUTAGE_WINDOW_S + 10), f"{logged} log lines in {OUTAGE_WINDOW_S} s"

        broker.start()  # empty, another cluster id: no topics, no groups, no offsets
        for service in SERVICES:
            _eventually(lambda s=service: _serving(stack, s), f"{service} SERVING again")
        _eventually_consistent(engines, decided_before + waiting, "after the broker came back empty")
        _eventually(lambda: _gauge(stack, "antrag", "pakt_outbox_pending_events") == 0, "backlog published")
        assert _gauge(stack, "antrag", "pakt_outbox_oldest_pending_age_seconds") == 0
        lag = 'pakt_consumer_lag_events{group="allocation",topic="pakt.antrag.v1.events"}'
        _eventually(lambda: _gauge(stack, "allocation", lag) == 0, "allocation's lag exported and worked off")
        _abgleich_finds_nothing(stack.env())


OUTAGE_WINDOW_S = 10
MAX_LINES_PER_S = 3  # per service, while the broker is away


def _abgleich_finds_nothing(env: dict[str, str]) -> None:
    """The operator's check agrees with the tests' own: nothing to repair, within AGREE_WITHIN_S.

    The tests' own check compares money; the operator's also compares versions, and an event that
    changes no sum (a rejection applied in antrag) may still be on its way to reporting."""
    deadline = time.monotonic() + AGREE_WITHIN_S
    while True:
        result = subprocess.run(
            [sys.executable, "-m", "pakt.cli.main", "abgleich", "--nur-pruefen"],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode == 0 or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nichts zu reparieren" in result.stdout


def _serving(stack: Stack, service: str) -> bool:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with service_channel(stack, service, None) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=3)
        except grpc.RpcError:
            return False
    return reply.status == health_pb2.HealthCheckResponse.SERVING


def _metrics(stack: Stack, service: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{stack.config.metrics_ports[service]}/metrics", timeout=5) as r:
        return r.read().decode()


def _gauge(stack: Stack, service: str, series: str) -> float:
    """The value of one series of a service's metrics (-1 when it is not exported)."""
    for line in _metrics(stack, service).splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return -1.0


def _log_lines(stack: Stack, name: str) -> int:
    return len((stack.log_dir / f"{name}.log").read_text(errors="replace").splitlines())


def _eventually(check: Callable[[], bool], what: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout_s} s: {what}"
        time.sleep(0.3)
