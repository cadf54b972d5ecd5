"""Benchmark: rebuilding reporting's read model from the events on the broker, against a raw
aiokafka consumer reading the same topics on the same broker in the same run (issue 11: replay
≥ 0.25× raw consume).

1. N events go onto the stack's broker as the services publish them: Envelopes of Anträge of many
   Kommunen through their lives (AntragEingereicht, AntragFortgeschrieben, AntragBeschieden, each
   with the whole Antrag at an increasing version) and allocation's Verteilungen, on the real
   topics, keyed by aggregate like the outbox relay, in record batches per partition. Not timed.
2. Reference: a new consumer group (pakt.platform.kafka.make_consumer, the services' settings)
   reads the topics from the beginning to the end and does nothing with the records.
3. Figure: an empty, migrated reporting database and the aggregation's own consumer (EventConsumer
   with aggregator.handlers) in a new group, in this process, until the read model has processed
   every event on the topics.

The stack's services consume these topics too. So that they do not act on Anträge that do not
exist, the events leave out the steps allocation acts on (Prüfung completed, Verwendungsnachweis)
and allocation's Bescheide (antrag would apply them). The stack's own aggregation is stopped while
the benchmark runs (two aggregations of the same events on two cores would measure the machine),
and moved past the replayed events before it starts again, so the stack's figures stay its own.
Both measurements start once the stack's consumers have read the new events.

Rates are taken from the moment each consumer's group has assigned it the partitions. The rebuild
fails with a clear message when it stalls for STALL_S or exceeds TIME_LIMIT_S; `events` (the
runner's --replay-events) measures fewer than REPLAY_EVENTS, and the details say how many.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.partitioner import DefaultPartitioner
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import func, select

from bench.figures import BenchContext, Figure
from pakt.allocation.v1.events_pb2 import KommunenRahmen, VerteilungFestgelegt
from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht, AntragFortgeschrieben
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.events import ALLOCATION_EVENTS, ANTRAG_EVENTS, wrap
from pakt.platform.db import make_engine, migrate
from pakt.platform.kafka import EventConsumer, make_consumer, stop_quietly
from pakt.platform.readiness import Readiness
from pakt.platform.settings import KafkaSettings
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.referenzdaten import gebiete
from services.allocation.domain import largest_remainder
from services.reporting.aggregator import GROUP_ID as STACK_AGGREGATION_GROUP
from services.reporting.aggregator import TOPICS, handlers
from services.reporting.main import MIGRATIONS
from services.reporting.repository import ReportingRepository
from services.reporting.tables import antrag_stand

REPLAY_EVENTS = 1_000_000
SMOKE_EVENTS = 2_000
TARGET_RATIO = 0.25

# The stack's other consumers of these topics (their groups in services/*/main.py): the
# measurements wait until they have read the replayed events, so as not to share the cores.
STACK_CONSUMERS = {"allocation": (ANTRAG_EVENTS,), "antrag": (ALLOCATION_EVENTS,)}
AGGREGATOR = "reporting-aggregator"

# The rebuild fails when the read model processes nothing for STALL_S, or is not done in TIME_LIMIT_S.
STALL_S = 60.0
TIME_LIMIT_S = 45 * 60.0
# How long the stack's consumers may make no progress before the benchmark stops waiting for them.
CATCH_UP_STALL_S = 30.0
# How long joining the stack aggregation's group may take (its stopped member expires first).
GROUP_JOIN_S = 60.0
# How often the rebuild's progress is read from the read model.
WATCH_INTERVAL_S = 0.05

SEED = Path(__file__).resolve().parents[1] / "services" / "allocation" / "parameter_seed.json"
_PARTITIONER = DefaultPartitioner()  # murmur2 of the key, as the outbox relay partitions


class ReplayFailed(RuntimeError):
    pass


def replay(ctx: BenchContext, events: int | None = None) -> list[Figure]:
    n = events or getattr(ctx, "replay_events", None) or (SMOKE_EVENTS if ctx.smoke else REPLAY_EVENTS)
    stack = ctx.stack
    settings = KafkaSettings.from_env(stack.env())
    details: dict = {"events_requested": n, "db": ctx.db}

    # The stack's aggregation stops once it has caught up; its place is noted to move it past the
    # replay. (Stack.kill/restart are called from this thread: the child lives as long as it.)
    stack_groups = {STACK_AGGREGATION_GROUP: TOPICS, **STACK_CONSUMERS}
    details["stack_caught_up_before"] = asyncio.run(_wait_caught_up(settings, stack_groups))
    stack.kill(AGGREGATOR, signal.SIGTERM)
    produced: Produced | None = None
    try:
        aggregation_place = asyncio.run(_group_place(settings, STACK_AGGREGATION_GROUP, TOPICS))
        produced = Produced()
        started = time.perf_counter()
        asyncio.run(_produce(settings, _event_stream(n), produced))
        details["produce_s"] = round(time.perf_counter() - started, 3)
        details["events_produced"] = produced.count
        details["events_by_type"] = dict(sorted(produced.types.items()))
        details["antraege"] = produced.antraege
        details["bytes_produced"] = produced.bytes

        started = time.perf_counter()
        details["stack_consumers_caught_up"] = asyncio.run(_wait_caught_up(settings, STACK_CONSUMERS))
        details["stack_consumers_wait_s"] = round(time.perf_counter() - started, 3)
        # After the wait, not during it: on the local broker the other groups took 18 s instead of
        # 1 s to catch up while this joined the aggregation's group.
        details["stack_aggregation_moved_past_replay"] = _moved_past(settings, aggregation_place, produced)

        on_topics = asyncio.run(_records_on(settings, TOPICS))
        details["events_on_topics"] = on_topics
        raw = asyncio.run(_raw_consume(settings, on_topics))
        with _reporting_database(ctx) as db_url:
            rebuilt = asyncio.run(_rebuild(settings, db_url, on_topics))
    finally:
        try:
            if produced is not None and "stack_aggregation_moved_past_replay" not in details:
                details["stack_aggregation_moved_past_replay"] = _moved_past(settings, aggregation_place, produced)
        finally:
            stack.restart(AGGREGATOR)

    details.update(
        events_measured=on_topics,
        raw_consume_s=round(raw.seconds, 3), raw_consume_events=raw.events, raw_consume_bytes=raw.bytes,
        raw_group_joined_s=round(raw.joined_s, 3),
        rebuild_s=round(rebuilt.seconds, 3), rebuild_events_processed=rebuilt.events,
        rebuild_group_joined_s=round(rebuilt.joined_s, 3),
        rebuild_events_applied=rebuilt.applied, rebuild_antraege=rebuilt.antraege,
        rates="events / (seconds to the last event - seconds to join the group), for both",
    )
    reference_rate, rate = raw.rate, rebuilt.rate
    return [
        Figure(
            name="replay: read model rebuilt from the topics",
            value=rate,
            unit="events/s",
            reference="raw aiokafka consumer, same topics and broker, new group",
            reference_value=reference_rate,
            target=f"≥ {TARGET_RATIO}× raw consume",
            met=rate / reference_rate >= TARGET_RATIO,
            details=details,
        )
    ]


# -- the events ------------------------------------------------------------------------------------


@dataclass
class Produced:
    count: int = 0
    bytes: int = 0
    antraege: int = 0
    types: Counter = field(default_factory=Counter)
    # Per topic partition, the acknowledged batches: (base offset, records).
    batches: dict[TopicPartition, list[tuple[int, int]]] = field(default_factory=dict)


@dataclass
class _Leben:
    """One Antrag on its way: its state as the antrag service publishes it, and what comes next."""

    antrag: pb.Antrag
    steps: list[str]


# Share of the Anträge per programme and how each life ends.
_PROGRAMME = [
    (Programm.PROGRAMM_INTEGRATIONSMANAGEMENT, 0.55),
    (Programm.PROGRAMM_SPRACHERWERB, 0.2),
    (Programm.PROGRAMM_JUNGE_FLUECHTLINGE, 0.15),
    (Programm.PROGRAMM_EHRENAMT, 0.1),
]
_LEBENSLAEUFE = [
    (["eingereicht"], 0.1),
    (["eingereicht", "pruefung"], 0.1),
    (["eingereicht", "zurueckgezogen"], 0.05),
    (["eingereicht", "pruefung", "beschieden"], 0.2),
    (["eingereicht", "pruefung", "beschieden", "abruf"], 0.15),
    (["eingereicht", "pruefung", "beschieden", "abruf", "auszahlung"], 0.4),
]
# Anträge on their way at once (at most): the topics interleave many lives, as on a Stichtag.
_IN_FLIGHT = 5_000
# Allocation publishes every Verteilung again (a new version, as after an Erhebung) this often.
_VERTEILUNG_EVERY = 100_000


def _event_stream(n: int, seed: int = 11) -> Iterator[tuple[str, str, bytes, str]]:
    """n events as (topic, key, value, type): the Verteilungen first, then Anträge of all
    Gemeinden through their lives, interleaved."""
    rng = random.Random(seed)
    gemeinden = sorted(gebiete().gemeinden.values(), key=lambda g: g.ags)
    verteilungen = _verteilungen(gemeinden)
    programme, programm_weights = zip(*_PROGRAMME, strict=True)
    laeufe, lauf_weights = zip(*_LEBENSLAEUFE, strict=True)
    clock = datetime(2017, 7, 1, 8, tzinfo=UTC)
    active: list[_Leben] = []
    in_flight = min(_IN_FLIGHT, max(10, n // 20))  # a small run still carries every step
    emitted = 0
    round_ = 0
    while emitted < n:
        if emitted >= round_ * _VERTEILUNG_EVERY:
            for v in verteilungen:
                if emitted >= n:
                    return
                version = int(v["gueltig_ab"].timestamp() * 1000) + round_
                yield _verteilung_event(v, version, rng)
                emitted += 1
            round_ += 1
            continue
        clock += timedelta(milliseconds=rng.randrange(50, 2_000))
        if len(active) < in_flight:
            g = rng.choice(gemeinden)
            programm = rng.choices(programme, programm_weights)[0]
            active.append(_Leben(_neuer_antrag(rng, g, programm, clock), list(rng.choices(laeufe, lauf_weights)[0])))
            i = len(active) - 1
        else:
            i = rng.randrange(len(active))
        leben = active[i]
        yield _schritt(leben, leben.steps.pop(0), clock, rng)
        emitted += 1
        if not leben.steps:  # its life is over: the last one takes its place
            active[i] = active[-1]
            active.pop()


def _verteilungen(gemeinden) -> list[dict]:
    """The seeded budgets' Planungsrahmen over all Gemeinden by population, as allocation publishes them."""
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    weights = {g.ags: g.population for g in gemeinden}
    kreise = {g.ags: g.kreis_ags for g in gemeinden}
    result = []
    for b in seed["budgets"]:
        result.append(
            {
                "programm": b["programm"],
                "foerderjahr": b["foerderjahr"],
                "budget_cent": b["betrag_cent"],
                "gueltig_ab": datetime.combine(date.fromisoformat(b["gueltig_ab"]), datetime.min.time(), UTC),
                "rahmen": [
                    KommunenRahmen(kommune_ags=ags, kreis_ags=kreise[ags], rahmen_cent=cent)
                    for ags, cent in sorted(largest_remainder(b["betrag_cent"], weights).items())
                ],
            }
        )
    return result


def _verteilung_event(v: dict, version: int, rng: random.Random) -> tuple[str, str, bytes, str]:
    payload = VerteilungFestgelegt(
        verteilung_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        programm=Programm.Value(v["programm"]),
        foerderjahr=v["foerderjahr"],
        budget_cent=v["budget_cent"],
        rahmen=v["rahmen"],
    )
    key = f"{v['programm']}/{v['foerderjahr']}"
    envelope = wrap(
        payload, aggregate_type="verteilung", aggregate_key=key, aggregate_version=version, producer="allocation"
    )
    return ALLOCATION_EVENTS, key, envelope.SerializeToString(), "VerteilungFestgelegt"


def _neuer_antrag(rng: random.Random, g, programm: int, now: datetime) -> pb.Antrag:
    jahr = rng.choice((2017, 2018))
    a = pb.Antrag(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        status=pb.ANTRAG_STATUS_EINGEGANGEN,
        antragsteller_ags=g.ags,
        kreis_ags=g.kreis_ags,
        programm=programm,
        foerderjahr=jahr,
        beginn=f"{jahr}-{rng.choice(('01', '04', '07'))}-01",
        ende=f"{jahr}-12-31",
        eingegangen_at=_ts(now),
        geaendert_at=_ts(now),
        version=1,
    )
    if programm == Programm.PROGRAMM_INTEGRATIONSMANAGEMENT:
        a.betrag_cent = rng.randrange(51_000, 400_000) * 100
        for _ in range(rng.choice((1, 1, 2, 3))):
            a.stellen.add(
                vzae_hundertstel=rng.choice((50, 75, 100)),
                qualifikation=rng.choice(
                    (pb.QUALIFIKATION_HOCHSCHULABSCHLUSS_SOZIALWESEN, pb.QUALIFIKATION_BERUFSAUSBILDUNG_MIT_ERFAHRUNGSWISSEN)
                ),
            )
    else:
        a.betrag_cent = rng.randrange(5_000, 80_000) * 100
    if rng.random() < 0.4:
        a.traegerschaft = pb.TRAEGERSCHAFT_DRITTE
        a.traeger_name = rng.choice(
            ("Caritasverband e.V.", "Diakonisches Werk e.V.", "Arbeiterwohlfahrt Kreisverband e.V.", "DRK-Kreisverband e.V.")
        )
    else:
        a.traegerschaft = pb.TRAEGERSCHAFT_EIGENREGIE
    return a


def _schritt(leben: _Leben, step: str, now: datetime, rng: random.Random) -> tuple[str, str, bytes, str]:
    """The Antrag after one step, as the antrag service publishes it."""
    a = leben.antrag
    if step != "eingereicht":
        a.version += 1
    a.geaendert_at.CopyFrom(_ts(now))
    if step == "eingereicht":
        payload = AntragEingereicht(antrag=a)
    elif step == "pruefung":
        a.status = pb.ANTRAG_STATUS_IN_PRUEFUNG
        payload = AntragFortgeschrieben(antrag=a, schritt=pb.SCHRITT_PRUEFUNG_BEGONNEN)
    elif step == "zurueckgezogen":
        a.status = pb.ANTRAG_STATUS_ZURUECKGEZOGEN
        payload = AntragFortgeschrieben(antrag=a, schritt=pb.SCHRITT_ZURUECKGEZOGEN)
    elif step == "beschieden":
        # The completed Prüfung (a version of its own) is not on the broker: allocation would decide it.
        a.version += 1
        roll = rng.random()
        if roll < 0.7:
            a.status, a.bewilligt_cent = pb.ANTRAG_STATUS_BEWILLIGT, a.betrag_cent
        elif roll < 0.9:
            a.status, a.bewilligt_cent = pb.ANTRAG_STATUS_TEILWEISE_BEWILLIGT, a.betrag_cent * rng.randrange(60, 95) // 100
        else:
            a.status, a.bewilligt_cent = pb.ANTRAG_STATUS_ABGELEHNT, 0
        a.bescheid_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        a.bescheid_begruendung = (
            f"Beantragt {a.betrag_cent / 100:,.2f} €; im Planungsrahmen des Antragstellers für {a.foerderjahr} "
            f"standen bei Entscheidung ausreichend Mittel zur Verfügung. Bewilligt: {a.bewilligt_cent / 100:,.2f} €."
        )
        if a.bewilligt_cent == 0:
            leben.steps.clear()
        payload = AntragBeschieden(antrag=a, bescheid_id=a.bescheid_id)
    elif step == "abruf":
        betrag = a.bewilligt_cent // 2
        a.abgerufen_cent = betrag
        a.mittelabrufe.add(
            id=str(uuid.UUID(int=rng.getrandbits(128), version=4)), betrag_cent=betrag,
            status=pb.MITTELABRUF_STATUS_ANGEFORDERT, angefordert_at=_ts(now),
        )
        payload = AntragFortgeschrieben(antrag=a, schritt=pb.SCHRITT_MITTELABRUF_EINGEGANGEN)
    elif step == "auszahlung":
        abruf = a.mittelabrufe[-1]
        abruf.status = pb.MITTELABRUF_STATUS_AUSGEZAHLT
        abruf.ausgezahlt_at.CopyFrom(_ts(now))
        a.ausgezahlt_cent += abruf.betrag_cent
        payload = AntragFortgeschrieben(antrag=a, schritt=pb.SCHRITT_AUSZAHLUNG_ANGEWIESEN)
    else:
        raise ValueError(step)
    envelope = wrap(
        payload, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=a.version, producer="antrag"
    )
    kind = type(payload).__name__
    if step not in ("eingereicht", "beschieden"):
        kind += f"/{pb.Schritt.Name(payload.schritt).removeprefix('SCHRITT_')}"
    return ANTRAG_EVENTS, a.id, envelope.SerializeToString(), kind


def _ts(moment: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(moment)
    return ts


# -- the broker ------------------------------------------------------------------------------------


async def _produce(settings: KafkaSettings, stream, produced: Produced) -> None:
    """One producer, one record batch per partition at a time (so each key's events stay in
    order), the partitions in parallel."""
    producer = AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        security_protocol=settings.security_protocol,
        acks="all",
        # Well below the consumers' fetch size per partition (1 MiB), so every fetch takes whole batches.
        max_batch_size=256 << 10,
        request_timeout_ms=60_000,
    )
    await producer.start()
    try:
        partitions = {t: sorted(await producer.partitions_for(t)) for t in (ANTRAG_EVENTS, ALLOCATION_EVENTS)}
        open_batches: dict[TopicPartition, list] = {}  # tp -> [batch, records in it]
        in_flight: dict[TopicPartition, tuple[asyncio.Future, int]] = {}

        async def send(tp: TopicPartition) -> None:
            batch, records = open_batches.pop(tp)
            batch.close()
            await acknowledged(tp)
            in_flight[tp] = (await producer.send_batch(batch, tp.topic, partition=tp.partition), records)

        async def acknowledged(tp: TopicPartition) -> None:
            if tp in in_flight:
                future, records = in_flight.pop(tp)
                meta = await future
                produced.batches.setdefault(tp, []).append((meta.offset, records))

        for topic, key, value, kind in stream:
            key_bytes = key.encode()
            ps = partitions[topic]
            tp = TopicPartition(topic, _PARTITIONER(key_bytes, ps, ps))
            entry = open_batches.get(tp)
            if entry is None or entry[0].append(key=key_bytes, value=value, timestamp=None) is None:
                if entry is not None:
                    await send(tp)
                entry = open_batches[tp] = [producer.create_batch(), 0]
                if entry[0].append(key=key_bytes, value=value, timestamp=None) is None:
                    raise ReplayFailed(f"an event of {len(value)} bytes does not fit a record batch")
            entry[1] += 1
            produced.count += 1
            produced.bytes += len(value)
            produced.types[kind] += 1
            produced.antraege += kind == "AntragEingereicht"
        for tp in list(open_batches):
            await send(tp)
        for tp in list(in_flight):
            await acknowledged(tp)
    finally:
        await producer.stop()


async def _true_ends(consumer: AIOKafkaConsumer, tps: list[TopicPartition]) -> dict[TopicPartition, tuple[int, int]]:
    """(first offset, offset after the last record) per partition. The local broker reports a
    partition's end as its last record batch's offset + 1, so the last batch is read to find it."""
    begins = await consumer.beginning_offsets(tps)
    ends = await consumer.end_offsets(tps)
    result = {tp: (begins[tp], ends[tp]) for tp in tps}
    pending = {tp for tp in tps if ends[tp] > begins[tp]}
    if not pending:
        return result
    consumer.assign(tps)
    for tp in pending:
        consumer.seek(tp, ends[tp] - 1)
    deadline = time.monotonic() + 15
    while pending:
        if time.monotonic() > deadline:
            raise ReplayFailed(f"last records of {sorted(map(str, pending))} not readable")
        for tp, records in (await consumer.getmany(*pending, timeout_ms=200)).items():
            if records:
                result[tp] = (begins[tp], max(result[tp][1], records[-1].offset + 1))
                # The last batch arrives whole; anything after it came in since.
                pending.discard(tp)
    return result


@contextlib.asynccontextmanager
async def _plain_consumer(settings: KafkaSettings, group_id: str | None = None):
    """A consumer that never joins a group (no subscription): reads offsets, commits by hand."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        security_protocol=settings.security_protocol,
        group_id=group_id,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await stop_quietly(consumer)


async def _partitions(consumer: AIOKafkaConsumer, topics) -> list[TopicPartition]:
    await consumer._client.force_metadata_update()
    return [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]


async def _records_on(settings: KafkaSettings, topics) -> int:
    async with _plain_consumer(settings) as consumer:
        spans = await _true_ends(consumer, await _partitions(consumer, topics))
    return sum(end - begin for begin, end in spans.values())


async def _group_place(settings: KafkaSettings, group: str, topics) -> dict[TopicPartition, tuple[int, int]]:
    """Per partition: where the group stands (its committed offset) and where the partition ends."""
    async with _plain_consumer(settings) as reader, _plain_consumer(settings, group) as member:
        tps = await _partitions(reader, topics)
        spans = await _true_ends(reader, tps)
        return {tp: ((await member.committed(tp)) or spans[tp][0], spans[tp][1]) for tp in tps}


async def _wait_caught_up(settings: KafkaSettings, groups: dict[str, tuple[str, ...]]) -> bool:
    """Until every group has committed the end of its topics, as long as they make progress
    (CATCH_UP_STALL_S); whether they did."""
    progress, last_progress = -1, time.monotonic()
    while True:
        places = [await _group_place(settings, g, topics) for g, topics in groups.items()]
        if all(committed >= end for place in places for committed, end in place.values()):
            return True
        committed_now = sum(committed for place in places for committed, _ in place.values())
        if committed_now != progress:
            progress, last_progress = committed_now, time.monotonic()
        elif time.monotonic() - last_progress > CATCH_UP_STALL_S:
            return False
        await asyncio.sleep(1.0)


def _moved_past(settings: KafkaSettings, place: dict[TopicPartition, tuple[int, int]], produced: Produced) -> bool | str:
    """_move_past, for the details: whether it moved past all, or why not."""
    try:
        return asyncio.run(_move_past(settings, place, produced))
    except Exception as exc:  # noqa: BLE001  the stack's aggregation then reads the replayed events too
        return f"no: {exc!r}"


async def _move_past(settings: KafkaSettings, place: dict[TopicPartition, tuple[int, int]], produced: Produced) -> bool:
    """Commit the stack aggregation's offsets past the replayed events where it had read
    everything before them and nothing else came in between; elsewhere it reads them (nothing
    of others is skipped). Whether it was moved past all of them."""
    moves = {}
    all_moved = True
    for tp, batches in produced.batches.items():
        committed, end = place.get(tp, (0, 0))
        offset = committed
        if committed >= end:  # it had read everything before the replay
            for base, records in sorted(batches):
                if base != offset:
                    break  # someone else's event in between: from here on it reads
                offset += records
        if offset > committed:
            moves[tp] = offset
        all_moved = all_moved and offset == committed + sum(records for _, records in batches)
    if moves:
        await _commit_as_member(settings, STACK_AGGREGATION_GROUP, TOPICS, moves)
    return all_moved


async def _commit_as_member(settings: KafkaSettings, group: str, topics, offsets: dict[TopicPartition, int]) -> None:
    """Commit offsets for a group whose consumer is stopped. The local broker refuses commits
    from outside a group that has had members, so this joins it, alone, for the commit."""
    consumer = make_consumer(settings, group)
    await consumer.start()
    try:
        consumer.subscribe(list(topics))
        deadline = time.monotonic() + GROUP_JOIN_S
        while not set(offsets) <= consumer.assignment():
            if time.monotonic() > deadline:
                raise ReplayFailed(f"could not join group {group} within {GROUP_JOIN_S:.0f} s to move it past the replay")
            await consumer.getmany(timeout_ms=200, max_records=1)
        await consumer.commit(offsets)
    finally:
        await stop_quietly(consumer)


# -- the two measurements --------------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float  # from the consumer's start to the last event
    joined_s: float  # from the start until the group had assigned it the partitions
    events: int
    bytes: int = 0
    applied: int = 0
    antraege: int = 0

    @property
    def rate(self) -> float:
        """Events per second from the group's assignment on: joining a new group costs both
        consumers the same fixed seconds (about five on the local broker), which would flatter
        the ratio of all but the longest runs. Nothing is fetched before the assignment."""
        return self.events / (self.seconds - self.joined_s)


class _Joined(ConsumerRebalanceListener):
    def __init__(self, started: float) -> None:
        self.started = started
        self.joined_s: float | None = None

    async def on_partitions_revoked(self, revoked) -> None:
        pass

    async def on_partitions_assigned(self, assigned) -> None:
        if self.joined_s is None:
            self.joined_s = time.perf_counter() - self.started


class _WatchedEventConsumer(EventConsumer):
    """The aggregation's consumer, unchanged, with its Kafka consumer in view: the benchmark
    sees when the group has assigned it the partitions."""

    kafka_consumer: AIOKafkaConsumer | None = None

    async def _consume(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        self.kafka_consumer = consumer
        await super()._consume(consumer, stop)


async def _raw_consume(settings: KafkaSettings, expected: int) -> Measured:
    """A new group reads the topics from the beginning until it has every record, as the
    services' consumer fetches (same settings, same batch sizes), without looking at them."""
    consumer = make_consumer(settings, f"bench-raw-{uuid.uuid4().hex[:8]}")
    started = time.perf_counter()
    count = size = 0
    joined = _Joined(started)
    try:
        await consumer.start()
        consumer.subscribe(list(TOPICS), listener=joined)
        last_progress = time.monotonic()
        while count < expected:
            batches = await consumer.getmany(timeout_ms=500, max_records=1000)
            for records in batches.values():
                count += len(records)
                size += sum(len(r.value) for r in records)
            now = time.monotonic()
            if batches:
                last_progress = now
            elif now - last_progress > STALL_S:
                raise ReplayFailed(f"raw consumer: {count:,} of {expected:,} records, nothing new for {STALL_S:.0f} s")
        seconds = time.perf_counter() - started
    finally:
        await stop_quietly(consumer)
    return Measured(seconds=seconds, joined_s=joined.joined_s or 0.0, events=count, bytes=size)


async def _rebuild(settings: KafkaSettings, db_url: str, expected: int) -> Measured:
    """The aggregation's consumer path on an empty read model, until it has processed every event."""
    engine = make_engine(db_url)
    try:
        await asyncio.to_thread(migrate, engine, MIGRATIONS)
        units = UnitsOfWork(engine, ReportingRepository)
        consumer = _WatchedEventConsumer(
            settings, f"bench-replay-{uuid.uuid4().hex[:8]}", TOPICS, handlers(units), Readiness()
        )

        def processed() -> int:
            with units.read() as repo:
                return sum(repo.events_processed().values())

        stop = asyncio.Event()
        started = time.perf_counter()
        task = asyncio.create_task(consumer.run(stop))
        joined_s: float | None = None
        stopped_cleanly = False
        try:
            done, last, last_progress = 0, -1, time.monotonic()
            while done < expected:
                if task.done():
                    task.result()  # its exception, if it failed
                    raise ReplayFailed(f"the consumer stopped after {done:,} of {expected:,} events")
                await asyncio.sleep(WATCH_INTERVAL_S)
                if joined_s is None and consumer.kafka_consumer is not None and consumer.kafka_consumer.assignment():
                    joined_s = time.perf_counter() - started
                done = await asyncio.to_thread(processed)
                now = time.monotonic()
                if done != last:
                    last, last_progress = done, now
                elif now - last_progress > STALL_S:
                    raise ReplayFailed(f"rebuild: {done:,} of {expected:,} events processed, none for {STALL_S:.0f} s")
                if time.perf_counter() - started > TIME_LIMIT_S:
                    raise ReplayFailed(
                        f"rebuild: {done:,} of {expected:,} events processed in {TIME_LIMIT_S:.0f} s "
                        f"({done / TIME_LIMIT_S:,.0f} events/s); a smaller run: --replay-events N"
                    )
            seconds = time.perf_counter() - started
        finally:
            stop.set()
            try:
                await asyncio.wait_for(task, 60)  # it finishes the batch in hand and stops
                stopped_cleanly = True
            except TimeoutError:
                pass  # wait_for cancelled it
        if not stopped_cleanly:
            raise ReplayFailed("the rebuild's consumer did not stop within 60 s of being asked")
        with units.read() as repo:
            applied = repo.events_applied()
        with engine.connect() as conn:
            antraege = conn.execute(select(func.count()).select_from(antrag_stand)).scalar_one()
        return Measured(
            seconds=seconds, joined_s=joined_s or 0.0, events=done, applied=applied, antraege=antraege
        )
    finally:
        engine.dispose()


@contextmanager
def _reporting_database(ctx: BenchContext) -> Iterator[str]:
    """An empty database for the rebuilt read model: SQLite in the scratch folder, or a new
    database on the stack's PostgreSQL server (dropped afterwards)."""
    if ctx.db == "postgres":
        from bench.run import POSTGRES_ADMIN_URL, postgres_database

        # Whoever may create the stack's databases may create this one.
        with postgres_database(ctx.stack.config.extra_env.get("PAKT_REPORTING_DB_URL", POSTGRES_ADMIN_URL)) as url:
            yield url
        return
    path = ctx.work_dir / f"replay-{uuid.uuid4().hex[:8]}.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
