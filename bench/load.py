"""gRPC load figures: the transport ceiling, intake capacity and latency, freshness of the
utilisation figures, and decision latency (docs/performance.md; the targets are issue 11's).

Callers are municipal systems: one grpc.aio channel per caller identity, the largest Gemeinde of
each of the 44 Kreise, each with its own client certificate of the stack's CA and the per-call
credential the services check. Every call builds its request from a complete SubmitAntragRequest
(tests/antraege.submission()) with a fresh request_id; the echo gets exactly the same requests.

Two drivers:
- closed loop: N calls in flight for D seconds; calls/s and latency per call;
- open loop: calls sent on a fixed schedule of R per second whatever the replies; latency counts
  from the scheduled send, so a service (or client) that falls behind shows as latency, not as a
  lower offered load. A send that starts more than LATE_SEND_S after its schedule counts as late:
  then the client, not the service, could not keep up.

The phases use separate programmes and Förderjahre so that none changes another's path:
intake Integrationsmanagement 2017, freshness Spracherwerb 2018, decisions Integrationsmanagement
2018 with small amounts (every Planungsrahmen of these Gemeinden has room for all of them).
Before each measurement it waits (bounded) until reporting has applied everything on the topics,
so that one phase's backlog does not slow the next.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.echo import echo_server, echo_stub  # noqa: E402
from bench.figures import BenchContext, Figure  # noqa: E402
from pakt.antrag.v1 import antrag_pb2 as pb  # noqa: E402
from pakt.antrag.v1.antrag_pb2_grpc import AntragServiceStub  # noqa: E402
from pakt.common.v1.programm_pb2 import Programm  # noqa: E402
from pakt.platform.tls import TlsFiles, channel_credentials  # noqa: E402
from pakt.referenzdaten import gebiete  # noqa: E402
from pakt.reporting.v1 import reporting_pb2  # noqa: E402
from pakt.reporting.v1.reporting_pb2_grpc import ReportingServiceStub  # noqa: E402
from tests.antraege import submission  # noqa: E402

# Figure names, as the table, the JSON and docs/performance.md show them.
TRANSPORT = "transport ceiling, 50 in flight"
INTAKE = "intake capacity, {n} in flight"
INTAKE_LATENCY = "intake latency p99, 200/s offered"
FRESHNESS = "freshness p99, 100/s offered"
DECISION = "decision latency p99, 50/s"
CEILING_REFERENCE = "transport ceiling (echo, same TLS, credential, payload), 50 in flight"

CEILING_IN_FLIGHT = 50
INTAKE_IN_FLIGHT = (50, 8, 1)
INTAKE_RATE = 200.0
FRESHNESS_RATE = 100.0
DECISION_RATE = 50.0

# Long enough that an overloaded service answers late rather than not at all: percentiles are of
# answered calls, and every failure is counted beside them.
CALL_TIMEOUT_S = 120.0
LATE_SEND_S = 0.010
# GetUtilisation is asked again this long after the previous answer arrived: with its round trip,
# the resolution of the freshness figure (details: polls).
UTILISATION_POLL_S = 0.010
# GetAntrag for a pending decision: the first poll this soon, then every POLL_GROWTH of the time
# waited so far (at most DECISION_POLL_MAX_S): resolution within 20 % without hammering antrag.
DECISION_POLL_MIN_S = 0.010
DECISION_POLL_GROWTH = 0.2
DECISION_POLL_MAX_S = 0.200

INTAKE_PROGRAMM, INTAKE_JAHR = Programm.PROGRAMM_INTEGRATIONSMANAGEMENT, 2017
FRESHNESS_PROGRAMM, FRESHNESS_JAHR = Programm.PROGRAMM_SPRACHERWERB, 2018
DECISION_PROGRAMM, DECISION_JAHR = Programm.PROGRAMM_INTEGRATIONSMANAGEMENT, 2018
FRESHNESS_BETRAG_CENT = 10_000_00
DECISION_BETRAG_CENT = 1_000_00
DECIDED = {
    pb.ANTRAG_STATUS_BEWILLIGT: "bewilligt",
    pb.ANTRAG_STATUS_TEILWEISE_BEWILLIGT: "teilweise bewilligt",
    pb.ANTRAG_STATUS_ABGELEHNT: "abgelehnt",
}
RP = "rp"


@dataclass(frozen=True)
class Durations:
    """Seconds per measurement; smoke runs prove the drivers work and measure nothing."""

    ceiling: float
    intake: float
    latency: float
    freshness: float
    decision: float
    warmup: float
    settle_timeout: float
    visible_timeout: float

    @classmethod
    def of(cls, smoke: bool, seconds: float | None = None) -> Durations:
        """Issue 11's durations; smoke: one second each, with short bounded waits between phases
        (the phases do not depend on them); seconds: every measurement that long instead."""
        if seconds is not None:
            return cls(*[seconds] * 5, warmup=min(3.0, seconds / 3), settle_timeout=60, visible_timeout=30)
        if smoke:
            return cls(1, 1, 1, 1, 1, warmup=0.3, settle_timeout=3, visible_timeout=15)
        return cls(30, 30, 30, 60, 30, warmup=3, settle_timeout=180, visible_timeout=60)


# -- statistics ----------------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (as bench/allocation_distribution.py)."""
    rank = max(1, math.ceil(len(sorted_values) * p / 100))
    return sorted_values[rank - 1]


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    values = sorted(seconds)
    if not values:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50) * 1000, 3),
        "p99_ms": round(percentile(values, 99) * 1000, 3),
        "max_ms": round(values[-1] * 1000, 3),
    }


def _error_name(exc: BaseException) -> str:
    if isinstance(exc, grpc.aio.AioRpcError):
        return exc.code().name
    return type(exc).__name__


# -- drivers -------------------------------------------------------------------------------------

Call = Callable[[int], Awaitable[Any]]


@dataclass
class ClosedLoopResult:
    in_flight: int
    seconds: float
    latencies: list[float]
    errors: Counter = field(default_factory=Counter)

    @property
    def calls_per_s(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds > 0 else 0.0

    def details(self) -> dict[str, Any]:
        return {
            "in_flight": self.in_flight,
            "seconds": round(self.seconds, 3),
            "calls": len(self.latencies),
            "calls_per_s": round(self.calls_per_s, 1),
            "latency": latency_summary(self.latencies),
            "errors": dict(self.errors),
        }


async def closed_loop(call: Call, in_flight: int, duration_s: float, first: int = 0) -> ClosedLoopResult:
    """in_flight callers, each sending its next call when the previous one is answered, until
    duration_s has passed; calls/s counts successful calls over the time until the last answer."""
    numbers = itertools.count(first)
    result = ClosedLoopResult(in_flight, 0.0, [])
    start = time.perf_counter()
    deadline = start + duration_s

    async def caller() -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                await call(next(numbers))
            except (grpc.aio.AioRpcError, TimeoutError) as exc:
                result.errors[_error_name(exc)] += 1
                continue
            result.latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(caller() for _ in range(in_flight)))
    result.seconds = time.perf_counter() - start
    return result


@dataclass
class OpenLoopResult:
    rate: float
    seconds: float
    sent: int
    latencies: list[float]  # from the scheduled send to the answer
    send_lags: list[float]
    errors: Counter = field(default_factory=Counter)

    @property
    def late(self) -> int:
        return sum(1 for lag in self.send_lags if lag > LATE_SEND_S)

    def details(self) -> dict[str, Any]:
        return {
            "offered_per_s": self.rate,
            "seconds": round(self.seconds, 3),
            "sent": self.sent,
            "answered": len(self.latencies),
            "failed": sum(self.errors.values()),
            "errors": dict(self.errors),
            "late_sends": self.late,
            "late_send_threshold_ms": LATE_SEND_S * 1000,
            "max_send_lag_ms": round(max(self.send_lags, default=0.0) * 1000, 3),
            "latency_from_schedule": latency_summary(self.latencies),
        }


async def open_loop(call: Callable[[int, float], Awaitable[Any]], rate: float, duration_s: float) -> OpenLoopResult:
    """rate calls per second for duration_s, each sent at its scheduled time whether or not the
    earlier ones are answered; call(i, scheduled) gets the perf_counter time it was due."""
    count = max(1, round(rate * duration_s))
    result = OpenLoopResult(rate, 0.0, 0, [], [])
    start = time.perf_counter() + 0.05

    async def one(i: int, due: float) -> None:
        try:
            await call(i, due)
        except (grpc.aio.AioRpcError, TimeoutError) as exc:
            result.errors[_error_name(exc)] += 1
            return
        result.latencies.append(time.perf_counter() - due)

    tasks = []
    for i in range(count):
        due = start + i / rate
        if (wait := due - time.perf_counter()) > 0:
            await asyncio.sleep(wait)
        result.send_lags.append(time.perf_counter() - due)
        tasks.append(asyncio.create_task(one(i, due)))
    result.sent = count
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - start
    return result


# -- callers -------------------------------------------------------------------------------------


def gemeinden_one_per_kreis() -> list[str]:
    """The largest Gemeinde of every Kreis: 44 callers, each Kreis's figures moved by one of them."""
    g = gebiete()
    largest: dict[str, str] = {}
    for ags, gemeinde in g.gemeinden.items():
        current = largest.get(gemeinde.kreis_ags)
        if current is None or gemeinde.population > g.gemeinden[current].population:
            largest[gemeinde.kreis_ags] = ags
    return sorted(largest.values())


def antrag_template(ags: str, programm: int, jahr: int, betrag_cent: int | None = None) -> pb.SubmitAntragRequest:
    """A complete Antrag of one Gemeinde, valid for it, the programme and the year."""
    overrides: dict[str, Any] = dict(
        antragsteller_ags=ags, programm=programm, foerderjahr=jahr, beginn=f"{jahr}-07-01", ende=f"{jahr}-12-31"
    )
    if betrag_cent is not None:
        overrides["betrag_cent"] = betrag_cent
    return submission(**overrides)


def fresh(template: pb.SubmitAntragRequest) -> pb.SubmitAntragRequest:
    request = pb.SubmitAntragRequest()
    request.CopyFrom(template)
    request.request_id = str(uuid.uuid4())
    return request


class Channels:
    """One grpc.aio channel per caller identity to one target, as many systems would hold them."""

    def __init__(self, ca_cert: Path, clients: dict[str, TlsFiles], target: str) -> None:
        # A subchannel pool of its own per channel: one connection per caller, not one shared.
        options = [("grpc.use_local_subchannel_pool", 1)]
        self.identities = list(clients)
        self.channels = {
            identity: grpc.aio.secure_channel(target, channel_credentials(ca_cert, files), options=options)
            for identity, files in clients.items()
        }

    async def ready(self, timeout_s: float = 30) -> None:
        await asyncio.wait_for(asyncio.gather(*(c.channel_ready() for c in self.channels.values())), timeout_s)

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.channels.values()))


# -- the benchmark -------------------------------------------------------------------------------


class LoadBench:
    """The gRPC load figures against a running stack; the echo server runs while this is open."""

    def __init__(self, ctx: BenchContext, seconds: float | None = None) -> None:
        self.ctx = ctx
        self.stack = ctx.stack
        self.durations = Durations.of(ctx.smoke, seconds)
        self.gemeinden = gemeinden_one_per_kreis()
        pki = self.stack.pki
        self.clients = {ags: pki.client(ags) for ags in self.gemeinden}
        self.rp_client = {RP: pki.client(RP)}
        self.kreis_of = {ags: gebiete().gemeinden[ags].kreis_ags for ags in self.gemeinden}
        self.intake_templates = [antrag_template(ags, INTAKE_PROGRAMM, INTAKE_JAHR) for ags in self.gemeinden]
        self.ceiling: ClosedLoopResult | None = None
        self._resources = ExitStack()
        self._echo_target: str | None = None

    def close(self) -> None:
        self._resources.close()

    def __enter__(self) -> LoadBench:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, group: str) -> list[Figure]:
        return asyncio.run(getattr(self, f"_{group}")())

    # targets and channels

    def _target(self, service: str) -> str:
        return f"127.0.0.1:{self.stack.config.grpc_ports[service]}"

    def _echo(self) -> str:
        if self._echo_target is None:
            server = self.stack.pki.server
            tls = TlsFiles(self.stack.pki.ca_cert, server.cert, server.key)
            self._echo_target = self._resources.enter_context(echo_server(tls, self.ctx.work_dir / "echo.log"))
        return self._echo_target

    async def _channels(self, target: str, clients: dict[str, TlsFiles]) -> Channels:
        channels = Channels(self.stack.pki.ca_cert, clients, target)
        await channels.ready()
        return channels

    def _submit_call(self, channels: Channels, stub_of: Callable[[grpc.aio.Channel], Callable]) -> Call:
        """Call i: the i-th caller (round robin) sends a fresh copy of its intake Antrag."""
        stubs = [stub_of(channels.channels[ags]) for ags in self.gemeinden]
        templates = self.intake_templates

        async def call(i: int) -> Any:
            k = i % len(stubs)
            return await stubs[k](fresh(templates[k]), timeout=CALL_TIMEOUT_S)

        return call

    async def _echo_call(self) -> tuple[Channels, Call]:
        channels = await self._channels(self._echo(), self.clients)
        return channels, self._submit_call(channels, echo_stub)

    async def _intake_call(self) -> tuple[Channels, Call]:
        channels = await self._channels(self._target("antrag"), self.clients)
        return channels, self._submit_call(channels, lambda ch: AntragServiceStub(ch).SubmitAntrag)

    async def _warm_up(self, call: Call) -> None:
        """Connections, tokens and caches in place before anything is timed; not counted."""
        await closed_loop(call, CEILING_IN_FLIGHT, self.durations.warmup)

    async def settle(self) -> dict[str, Any]:
        """Wait (bounded) until reporting has applied all the events on the topics and its count
        stays put, so the next phase does not share the machine with the last one's backlog."""
        started = time.perf_counter()
        deadline = started + self.durations.settle_timeout
        channels = await self._channels(self._target("reporting"), self.rp_client)
        stub = ReportingServiceStub(channels.channels[RP])
        quiet_since, last_applied, settled = None, None, False
        try:
            while time.perf_counter() < deadline:
                a = await stub.GetAktualitaet(reporting_pb2.GetAktualitaetRequest(), timeout=CALL_TIMEOUT_S)
                now = time.perf_counter()
                if a.broker_erreichbar and a.rueckstand_ereignisse == 0 and a.events_applied == last_applied:
                    quiet_since = quiet_since or now
                    if now - quiet_since >= 0.5:
                        settled = True
                        break
                else:
                    quiet_since = None
                last_applied = a.events_applied
                await asyncio.sleep(0.1)
        finally:
            await channels.close()
        return {"settled": settled, "settle_s": round(time.perf_counter() - started, 2)}

    # transport ceiling

    async def _measure_ceiling(self) -> ClosedLoopResult:
        channels, call = await self._echo_call()
        try:
            await self._warm_up(call)
            self.ceiling = await closed_loop(call, CEILING_IN_FLIGHT, self.durations.ceiling)
        finally:
            await channels.close()
        return self.ceiling

    def _ceiling_figure(self) -> Figure:
        c = self.ceiling
        return Figure(
            name=TRANSPORT,
            value=c.calls_per_s,
            unit="calls/s",
            details={
                **c.details(),
                "callers": len(self.gemeinden),
                "payload_bytes": self.intake_templates[0].ByteSize(),
                "server": "bench/echo.py: pakt.platform.grpc_server.GrpcServer, the services' TLS and interceptor",
            },
        )

    async def _transport(self) -> list[Figure]:
        await self._measure_ceiling()
        return [self._ceiling_figure()]

    # intake capacity

    async def _intake(self) -> list[Figure]:
        figures = []
        if self.ceiling is None:
            # The ratio needs its reference from this run.
            await self._measure_ceiling()
            figures.append(self._ceiling_figure())
        channels, call = await self._intake_call()
        try:
            await self._warm_up(call)
            for in_flight in INTAKE_IN_FLIGHT:
                settle = await self.settle()
                result = await closed_loop(call, in_flight, self.durations.intake)
                at_50 = in_flight == CEILING_IN_FLIGHT
                ratio = result.calls_per_s / self.ceiling.calls_per_s if self.ceiling.calls_per_s else None
                figures.append(
                    Figure(
                        name=INTAKE.format(n=in_flight),
                        value=result.calls_per_s,
                        unit="calls/s",
                        reference=CEILING_REFERENCE,
                        reference_value=self.ceiling.calls_per_s,
                        target="≥ 0.5× ceiling" if at_50 else None,
                        met=(ratio is not None and ratio >= 0.5 and not result.errors) if at_50 else None,
                        details={**result.details(), "callers": len(self.gemeinden), **settle},
                    )
                )
        finally:
            await channels.close()
        return figures

    # intake latency

    async def _latency(self) -> list[Figure]:
        d = self.durations
        channels, echo = await self._echo_call()
        try:
            await self._warm_up(echo)
            reference = await open_loop(lambda i, due: echo(i), INTAKE_RATE, d.latency)
        finally:
            await channels.close()
        channels, submit = await self._intake_call()
        try:
            await self._warm_up(submit)
            settle = await self.settle()
            result = await open_loop(lambda i, due: submit(i), INTAKE_RATE, d.latency)
        finally:
            await channels.close()
        p99 = latency_summary(result.latencies)["p99_ms"]
        reference_p99 = latency_summary(reference.latencies)["p99_ms"]
        return [
            Figure(
                name=INTAKE_LATENCY,
                value=p99 if p99 is not None else math.nan,
                unit="ms",
                reference="echo p99 at the same offered load (transport floor)",
                reference_value=reference_p99,
                target="p99 ≤ 50 ms",
                met=p99 is not None and p99 <= 50 and not result.errors and not result.late,
                details={
                    **result.details(),
                    "reference": reference.details(),
                    "callers": len(self.gemeinden),
                    **settle,
                },
            )
        ]

    # freshness

    async def _freshness(self) -> list[Figure]:
        d = self.durations
        settle = await self.settle()
        templates = [
            antrag_template(ags, FRESHNESS_PROGRAMM, FRESHNESS_JAHR, FRESHNESS_BETRAG_CENT) for ags in self.gemeinden
        ]
        antrag = await self._channels(self._target("antrag"), self.clients)
        reporting = await self._channels(self._target("reporting"), self.rp_client)
        stubs = [AntragServiceStub(antrag.channels[ags]).SubmitAntrag for ags in self.gemeinden]
        poller = UtilisationPoller(ReportingServiceStub(reporting.channels[RP]), FRESHNESS_JAHR)
        acks: dict[str, list[float]] = {self.kreis_of[ags]: [] for ags in self.gemeinden}

        async def submit(i: int, due: float) -> None:
            k = i % len(stubs)
            await stubs[k](fresh(templates[k]), timeout=CALL_TIMEOUT_S)
            acks[self.kreis_of[self.gemeinden[k]]].append(time.perf_counter())

        try:
            await poller.start()
            result = await open_loop(submit, FRESHNESS_RATE, d.freshness)
            all_visible = await poller.until_visible(acks, FRESHNESS_BETRAG_CENT, d.visible_timeout)
        finally:
            await poller.stop()
            await antrag.close()
            await reporting.close()
        latencies, before_ack, never = poller.visibility(acks, FRESHNESS_BETRAG_CENT)
        summary = latency_summary(latencies)
        p99 = summary["p99_ms"]
        return [
            Figure(
                name=FRESHNESS,
                value=p99 if p99 is not None else math.nan,
                unit="ms",
                target="p99 ≤ 250 ms",
                met=p99 is not None and p99 <= 250 and all_visible and not result.errors,
                details={
                    "ack_to_visible": summary,
                    "visible_before_ack": before_ack,
                    "never_visible": never,
                    "intake": result.details(),
                    "polls": poller.details(),
                    "attribution": "per Kreis (one caller per Kreis): a submit is visible once its Kreis's "
                    "beantragt_cent in GetUtilisation(LANDKREIS, year) has grown by the sum of the acked "
                    "submits up to it",
                    **settle,
                },
            )
        ]

    # decision latency

    async def _decision(self) -> list[Figure]:
        d = self.durations
        count = max(1, round(DECISION_RATE * d.decision))
        antrag = await self._channels(self._target("antrag"), self.clients)
        rp = await self._channels(self._target("antrag"), self.rp_client)
        rp_stub = AntragServiceStub(rp.channels[RP])
        try:
            prepared = await self._prepare_pruefungen(antrag, rp_stub, count)
            settle = await self.settle()
            acked: list[float] = []
            polls: list[int] = []
            outcomes: Counter = Counter()

            async def decide(i: int, due: float) -> None:
                antrag_id = prepared[i]
                await rp_stub.CompletePruefung(
                    pb.CompletePruefungRequest(request_id=str(uuid.uuid4()), antrag_id=antrag_id), timeout=CALL_TIMEOUT_S
                )
                acked.append(time.perf_counter() - due)
                n = 0
                while True:
                    waited = time.perf_counter() - due
                    if waited > CALL_TIMEOUT_S:
                        raise TimeoutError
                    await asyncio.sleep(min(DECISION_POLL_MAX_S, max(DECISION_POLL_MIN_S, DECISION_POLL_GROWTH * waited)))
                    n += 1
                    got = await rp_stub.GetAntrag(pb.GetAntragRequest(id=antrag_id), timeout=CALL_TIMEOUT_S)
                    if got.antrag.status in DECIDED:
                        outcomes[DECIDED[got.antrag.status]] += 1
                        polls.append(n)
                        return

            result = await open_loop(decide, DECISION_RATE, d.decision)
        finally:
            await antrag.close()
            await rp.close()
        summary = latency_summary(result.latencies)
        p99 = summary["p99_ms"]
        details = result.details()
        details["complete_to_visible"] = details.pop("latency_from_schedule")
        return [
            Figure(
                name=DECISION,
                value=p99 if p99 is not None else math.nan,
                unit="ms",
                details={
                    **details,
                    "complete_pruefung_ack": latency_summary(acked),
                    "outcomes": dict(outcomes),
                    "get_antrag_polls_per_decision": round(sum(polls) / len(polls), 1) if polls else None,
                    "poll": f"first after {DECISION_POLL_MIN_S * 1000:.0f} ms, then every "
                    f"{DECISION_POLL_GROWTH:.0%} of the time waited, at most {DECISION_POLL_MAX_S * 1000:.0f} ms",
                    "prepared_in_pruefung": len(prepared),
                    **settle,
                },
            )
        ]

    async def _prepare_pruefungen(self, antrag: Channels, rp_stub: AntragServiceStub, count: int) -> list[str]:
        """count Anträge submitted and in Prüfung, spread over the callers; not timed."""
        templates = [
            antrag_template(ags, DECISION_PROGRAMM, DECISION_JAHR, DECISION_BETRAG_CENT) for ags in self.gemeinden
        ]
        stubs = [AntragServiceStub(antrag.channels[ags]).SubmitAntrag for ags in self.gemeinden]
        ids: list[str | None] = [None] * count
        limit = asyncio.Semaphore(16)

        async def prepare(i: int) -> None:
            async with limit:
                k = i % len(stubs)
                submitted = await stubs[k](fresh(templates[k]), timeout=CALL_TIMEOUT_S)
                await rp_stub.BeginPruefung(
                    pb.BeginPruefungRequest(request_id=str(uuid.uuid4()), antrag_id=submitted.antrag.id),
                    timeout=CALL_TIMEOUT_S,
                )
                ids[i] = submitted.antrag.id

        await asyncio.gather(*(prepare(i) for i in range(count)))
        return [i for i in ids if i is not None]


class UtilisationPoller:
    """Asks GetUtilisation by Kreis for one year, again UTILISATION_POLL_S after each answer, and
    keeps when each answer arrived with every Kreis's beantragt_cent."""

    def __init__(self, stub: ReportingServiceStub, jahr: int) -> None:
        self.stub = stub
        self.request = reporting_pb2.GetUtilisationRequest(by=reporting_pb2.GLIEDERUNG_LANDKREIS, foerderjahr=jahr)
        self.polls: list[tuple[float, dict[str, int]]] = []
        self.round_trips: list[float] = []
        self.baseline: dict[str, int] = {}
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()

    async def _ask(self) -> dict[str, int]:
        sent = time.perf_counter()
        reply = await self.stub.GetUtilisation(self.request, timeout=CALL_TIMEOUT_S)
        arrived = time.perf_counter()
        self.round_trips.append(arrived - sent)
        rows = {row.key: row.beantragt_cent for row in reply.rows}
        self.polls.append((arrived, rows))
        return rows

    async def start(self) -> None:
        self.baseline = await self._ask()
        self.polls.clear()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while not self._stop.is_set():
            await self._ask()
            try:
                await asyncio.wait_for(self._stop.wait(), UTILISATION_POLL_S)
            except TimeoutError:
                pass

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    def _grown(self, rows: dict[str, int], kreis: str, betrag_cent: int) -> int:
        return (rows.get(kreis, 0) - self.baseline.get(kreis, 0)) // betrag_cent

    async def until_visible(self, acks: dict[str, list[float]], betrag_cent: int, timeout_s: float) -> bool:
        """Keep polling until every acked submit is visible; False if timeout_s passed first."""
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            if self.polls:
                rows = self.polls[-1][1]
                if all(self._grown(rows, kreis, betrag_cent) >= len(times) for kreis, times in acks.items()):
                    return True
            await asyncio.sleep(UTILISATION_POLL_S)
        return False

    def visibility(self, acks: dict[str, list[float]], betrag_cent: int) -> tuple[list[float], int, int]:
        """Per acked submit the time from its ack to the first answer showing its Kreis grown by
        the submits acked up to it (all of one amount); how many showed before their ack arrived
        (counted as 0), and how many never showed."""
        latencies: list[float] = []
        before_ack = never = 0
        for kreis, ack_times in acks.items():
            ordered = sorted(ack_times)
            shown = 0
            for arrived, rows in self.polls:
                visible = min(len(ordered), self._grown(rows, kreis, betrag_cent))
                while shown < visible:
                    waited = arrived - ordered[shown]
                    if waited < 0:
                        before_ack += 1
                    latencies.append(max(0.0, waited))
                    shown += 1
            never += len(ordered) - shown
        return latencies, before_ack, never

    def details(self) -> dict[str, Any]:
        return {
            "polls": len(self.polls),
            "interval_after_answer_ms": UTILISATION_POLL_S * 1000,
            "round_trip": latency_summary(self.round_trips),
        }

