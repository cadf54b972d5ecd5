"""Crash test: 1,000 Anträge in a burst, the allocation worker killed with SIGKILL in the middle of
it and restarted (and killed once more while it works off its backlog). Afterwards every Antrag is
decided exactly once, no Planungsrahmen is over-committed, every Planungsrahmen's Bindung traces to its
Bescheide, and antrag applied each Bescheid once. On SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

import grpc
from google.protobuf.json_format import ParseDict
from sqlalchemy import create_engine, select

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.platform.settings import ServiceSettings
from pakt.platform.tls import channel_credentials
from pakt.referenzdaten import gebiete, programme
from services.allocation.tables import bescheid, bindung, planungsrahmen
from tests.e2e.conftest import RP, full_request, service_channel

ANTRAEGE = 1000
IN_FLIGHT = 32
KILL_AFTER = 300  # completed Prüfungen before the kill
DOWN_S = 3  # how long allocation stays dead while the burst goes on
CATCH_UP = 50  # Anträge the restarted allocation decides before it is killed again
DECIDED_TIMEOUT_S = 180
RAHMEN = [
    (programm, jahr)
    for programm in ("PROGRAMM_INTEGRATIONSMANAGEMENT", "PROGRAMM_JUNGE_FLUECHTLINGE", "PROGRAMM_SPRACHERWERB", "PROGRAMM_EHRENAMT")
    for jahr in (2017, 2018)
]
# Kreise whose Gemeinden other end-to-end tests on the same stack use: their Planungsrahmen, Übertragungen,
# Kooperationen and report rows must not move under them.
RESERVED_KREISE = {"08111", "08116", "08121", "08125", "08126", "08425"}
S = pb.AntragStatus
DECIDED = {S.ANTRAG_STATUS_BEWILLIGT, S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT, S.ANTRAG_STATUS_ABGELEHNT}
STATUS_OF = {
    "ENTSCHEIDUNG_BEWILLIGT": S.ANTRAG_STATUS_BEWILLIGT,
    "ENTSCHEIDUNG_TEILWEISE_BEWILLIGT": S.ANTRAG_STATUS_TEILWEISE_BEWILLIGT,
    "ENTSCHEIDUNG_ABGELEHNT": S.ANTRAG_STATUS_ABGELEHNT,
}
RETRYABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}


@dataclass
class Crash:
    completed_at_kill: int = 0  # Prüfungen completed when allocation was killed mid-burst
    decided_at_kill: int = 0  # Anträge it had decided by then
    completed_at_restart: int = 0
    decided_at_second_kill: int = 0  # killed again while working off the backlog


def test_allocation_killed_mid_burst_decides_every_antrag_exactly_once(any_stack):
    stack = any_stack
    db = create_engine(ServiceSettings.from_env("allocation", stack.env()).db_url)
    try:
        requests = _plan(_free_cent(db))
        started = time.monotonic()
        ids, crash = _burst_with_crash(stack, db, requests)
        sent = time.monotonic()
        undecided = _wait_until_decided(stack, ids)
        assert not undecided, (
            f"{len(undecided)} of {ANTRAEGE} Anträge still undecided after {DECIDED_TIMEOUT_S} s, e.g. "
            f"{sorted(undecided)[:3]}; allocation log:\n{stack.log_tail('allocation', 40)}"
        )
        print(f"\n{crash}; sent in {sent - started:.1f} s, all decided {time.monotonic() - sent:.1f} s later")
        # The kill fell into the burst: allocation had decided some Anträge, not yet all.
        assert crash.completed_at_kill < ANTRAEGE and 0 < crash.decided_at_kill < ANTRAEGE, crash
        _assert_decided_once_within_planungsrahmen(stack, db, ids)
    finally:
        db.dispose()


def _free_cent(db) -> dict[tuple[str, str, int], int]:
    """What is left of every Planungsrahmen: (ags, programm, jahr) -> rahmen - gebunden."""
    f = planungsrahmen.c
    with db.connect() as conn:
        rows = conn.execute(select(f.kommune_ags, f.programm, f.foerderjahr, f.rahmen_cent, f.gebunden_cent)).all()
    assert rows, "allocation has no Planungsrahmen"
    return {(r.kommune_ags, r.programm, r.foerderjahr): r.rahmen_cent - r.gebunden_cent for r in rows}


def _plan(free: dict[tuple[str, str, int], int]) -> list[pb.SubmitAntragRequest]:
    """1,000 valid Anträge, shuffled: 30 Planungsrahmen contested by 8 Anträge of 30 % each (3 approved, 1
    partially, 4 rejected as exhausted), 20 far above their Planungsrahmen, the rest small and spread over
    300 Gemeinden (small Gemeinden applying for Integrationsmanagement are below the Schwellenwert)."""
    rng = random.Random(2017)
    g = gebiete()
    eligible = sorted((a for a, gem in g.gemeinden.items() if gem.kreis_ags not in RESERVED_KREISE))
    largest = sorted(eligible, key=lambda a: -g.gemeinden[a].population)[:30]
    spread = rng.sample(eligible, 300)
    plan = []
    for i, ags in enumerate(largest):
        programm, jahr = RAHMEN[i % len(RAHMEN)]
        plan += [(ags, programm, jahr, free[ags, programm, jahr] * 3 // 10 + 1)] * 8
    for ags in rng.sample(eligible, 20):
        programm, jahr = rng.choice(RAHMEN)
        betrag = min(2 * free[ags, programm, jahr] + 1, programme()[programm].hoechstbetrag_cent)
        plan.append((ags, programm, jahr, betrag))
    while len(plan) < ANTRAEGE:
        ags, (programm, jahr) = rng.choice(spread), rng.choice(RAHMEN)
        plan.append((ags, programm, jahr, max(1_00, free[ags, programm, jahr] // 5)))
    rng.shuffle(plan)
    return [
        ParseDict(full_request(ags, jahr, betrag, programm=programm, begruendung="Lastprobe."), pb.SubmitAntragRequest())
        for ags, programm, jahr, betrag in plan
    ]


def _burst_with_crash(stack, db, requests: list[pb.SubmitAntragRequest]) -> tuple[list[str], Crash]:
    """Send the burst from a process of its own. Meanwhile kill allocation once KILL_AFTER Prüfungen
    are complete and it has decided some, restart it DOWN_S later while the burst goes on, and kill
    and restart it again once it has decided CATCH_UP more: working off its backlog, it has applied
    events whose offsets are not committed yet, so the restarted consumer receives them again.

    Why another process: Stack starts children with a preexec_fn, i.e. a plain fork, and forking
    while this process has gRPC calls in flight can crash the child or block the fork for a minute
    (gRPC's fork handlers)."""
    ctx = multiprocessing.get_context("spawn")
    completed = ctx.RawValue("i", 0)
    crash = Crash()
    before = _decided(db)
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=_count_into, initargs=(completed,)) as pool:
        target = f"127.0.0.1:{stack.config.grpc_ports['antrag']}"
        burst = pool.submit(_send_all, target, stack.pki, [r.SerializeToString() for r in requests])
        _until(lambda: burst.done() or (completed.value >= KILL_AFTER and _decided(db) - before), "first decisions", burst)
        crash.completed_at_kill = completed.value
        stack.kill("allocation")
        # Dead, it decides nothing more: what its database holds now was decided before the kill.
        decided_at_kill = _decided(db) - before
        time.sleep(DOWN_S)
        crash.completed_at_restart = completed.value
        stack.restart("allocation")
        stack.wait_serving("allocation")
        again = min(len(decided_at_kill) + CATCH_UP, ANTRAEGE)
        _until(lambda: len(_decided(db) - before) >= again, "decisions of the restarted allocation", burst)
        stack.kill("allocation")
        decided_at_second_kill = _decided(db) - before
        stack.restart("allocation")
        stack.wait_serving("allocation")
        ids = burst.result(timeout=300)
    crash.decided_at_kill = len(decided_at_kill & set(ids))
    crash.decided_at_second_kill = len(decided_at_second_kill & set(ids))
    return ids, crash


def _until(condition, what: str, burst: Future, timeout_s: float = 120) -> None:
    """Poll condition; a failed burst fails the test at once, with its own traceback."""
    deadline = time.monotonic() + timeout_s
    while True:
        if burst.done() and burst.exception():
            burst.result()
        if condition():
            return
        assert time.monotonic() < deadline, f"{what}: not within {timeout_s} s"
        time.sleep(0.1)


_completed = None  # the burst process's counter of completed Prüfungen, shared with the test


def _count_into(counter) -> None:
    global _completed
    _completed = counter


def _send_all(target: str, pki, payloads: list[bytes]) -> list[str]:
    """In the burst process: submit, begin and complete the Prüfung of every Antrag, IN_FLIGHT at a
    time, each Kommune on a channel of its own; returns the Antrag ids."""
    requests = [pb.SubmitAntragRequest.FromString(p) for p in payloads]
    return asyncio.run(_send(target, pki, requests))


async def _send(target: str, pki, requests: list[pb.SubmitAntragRequest]) -> list[str]:
    channels = {
        identity: grpc.aio.secure_channel(target, channel_credentials(pki.ca_cert, pki.client(identity)))
        for identity in {RP, *(r.antragsteller_ags for r in requests)}
    }
    rp = antrag_pb2_grpc.AntragServiceStub(channels[RP])
    ids: list[str] = []
    queue = iter(requests)

    async def worker() -> None:
        for request in queue:
            kommune = antrag_pb2_grpc.AntragServiceStub(channels[request.antragsteller_ags])
            antrag = (await _call(kommune.SubmitAntrag, request)).antrag
            await _call(rp.BeginPruefung, pb.BeginPruefungRequest(request_id=str(uuid.uuid4()), antrag_id=antrag.id))
            done = await _call(
                rp.CompletePruefung, pb.CompletePruefungRequest(request_id=str(uuid.uuid4()), antrag_id=antrag.id)
            )
            assert done.antrag.status == S.ANTRAG_STATUS_ENTSCHEIDUNGSREIF, done.antrag
            ids.append(antrag.id)
            _completed.value = len(ids)

    try:
        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))
    finally:
        await asyncio.gather(*(c.close() for c in channels.values()))
    return ids


async def _call(method, request):
    """One RPC, repeated with the same request_id if the transport failed: the service answers a
    repeat with the first result."""
    for attempt in range(5):
        try:
            return await method(request, timeout=60)
        except grpc.aio.AioRpcError as exc:
            if exc.code() not in RETRYABLE or attempt == 4:
                raise
            await asyncio.sleep(1)


def _decided(db) -> set[str]:
    """The Anträge allocation has decided (committed Bescheide)."""
    with db.connect() as conn:
        return set(conn.execute(select(bescheid.c.antrag_id)).scalars())


def _wait_until_decided(stack, ids: list[str]) -> set[str]:
    """Poll until none of the Anträge awaits its Bescheid; returns those that still do."""
    deadline = time.monotonic() + DECIDED_TIMEOUT_S
    with service_channel(stack, "antrag", RP) as channel:
        api = antrag_pb2_grpc.AntragServiceStub(channel)
        while True:
            waiting = set(ids) & {a.id for a in _list(api, status=S.ANTRAG_STATUS_ENTSCHEIDUNGSREIF)}
            if not waiting or time.monotonic() > deadline:
                return waiting
            time.sleep(1)


def _list(api, **filters) -> list[pb.Antrag]:
    antraege, token = [], ""
    while True:
        page = api.ListAntraege(pb.ListAntraegeRequest(page_size=500, page_token=token, **filters), timeout=60)
        antraege += page.antraege
        if not (token := page.next_page_token):
            return antraege


def _assert_decided_once_within_planungsrahmen(stack, db, ids: list[str]) -> None:
    f = planungsrahmen.c
    with db.connect() as conn:
        bescheide = conn.execute(
            select(bescheid.c.id, bescheid.c.antrag_id, bescheid.c.entscheidung, bescheid.c.bewilligt_cent)
        ).all()
        bindungen = conn.execute(select(bindung)).all()
        rahmen = conn.execute(select(f.kommune_ags, f.programm, f.foerderjahr, f.rahmen_cent, f.gebunden_cent)).all()

    # Exactly one Bescheid per Antrag.
    per_antrag = Counter(b.antrag_id for b in bescheide)
    assert not [a for a, n in per_antrag.items() if n > 1], "an Antrag has more than one Bescheid"
    missing = [a for a in ids if a not in per_antrag]
    assert not missing, f"{len(missing)} Anträge without a Bescheid, e.g. {missing[:3]}"

    # Every Planungsrahmen within its limit, and bound exactly by the Bescheide that bind it.
    bound: dict[tuple, int] = defaultdict(int)
    by_bescheid: dict[str, int] = defaultdict(int)
    for b in bindungen:
        bound[b.kommune_ags, b.programm, b.foerderjahr] += b.gebunden_cent - b.freigegeben_cent
        by_bescheid[b.bescheid_id] += b.gebunden_cent
    over = [r for r in rahmen if not 0 <= r.gebunden_cent <= r.rahmen_cent]
    assert not over, f"Planungsrahmen over-committed: {over[:3]}"
    gebunden = {(r.kommune_ags, r.programm, r.foerderjahr): r.gebunden_cent for r in rahmen}
    untraced = {k: (v, bound[k]) for k, v in gebunden.items() if v != bound[k]}
    assert not untraced, f"{len(untraced)} frames whose gebunden_cent is not the sum of their Bindungen: {untraced}"
    assert set(bound) <= set(gebunden), f"Bindungen without a frame: {set(bound) - set(gebunden)}"
    mismatched = [b for b in bescheide if by_bescheid[b.id] != b.bewilligt_cent]
    assert not mismatched, f"Bescheide whose Bindungen do not add up to bewilligt_cent: {mismatched[:3]}"

    # antrag applied each Bescheid once, as allocation decided it.
    wanted = set(ids)
    mine = {b.antrag_id: b for b in bescheide if b.antrag_id in wanted}
    with service_channel(stack, "antrag", RP) as channel:
        api = antrag_pb2_grpc.AntragServiceStub(channel)
        antraege = {a.id: a for a in _list(api) if a.id in mine}
        assert len(antraege) == len(ids)
        wrong = [
            (a.id, S.Name(a.status), a.bewilligt_cent, a.bescheid_id, mine[a.id])
            for a in antraege.values()
            if (a.status, a.bewilligt_cent, a.bescheid_id)
            != (STATUS_OF[mine[a.id].entscheidung], mine[a.id].bewilligt_cent, mine[a.id].id)
        ]
        assert not wrong, f"{len(wrong)} Anträge differ from their Bescheid: {wrong[:3]}"
        beschieden = {
            antrag_id: sum(
                e.schritt == pb.SCHRITT_BESCHIEDEN
                for e in api.GetAntragHistory(pb.GetAntragHistoryRequest(antrag_id=antrag_id), timeout=60).eintraege
            )
            for antrag_id in ids
        }
    assert set(beschieden.values()) == {1}, {a: n for a, n in beschieden.items() if n != 1}
    # The burst exhausted Planungsrahmen: full, partial and rejected Entscheidungen all occurred.
    outcomes = Counter(S.Name(a.status) for a in antraege.values())
    print(f"outcomes: {dict(outcomes)}")
    assert set(outcomes) == {S.Name(s) for s in DECIDED}, outcomes
