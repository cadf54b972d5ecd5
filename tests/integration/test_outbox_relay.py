"""The outbox relay against a real broker (Tansu) and real databases (SQLite and PostgreSQL): events
outlast a broker outage in the outbox and then reach Kafka once each, in order per aggregate; a
failing send holds back only its own partition; on PostgreSQL one replica's relay publishes; and
Anträge submitted and checked while the broker is down reach it, every step in order."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import replace
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from contextlib import asynccontextmanager

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import Engine, MetaData, Table, func, select, text

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.antrag.v1.events_pb2 import AntragEingereicht
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.platform.db import make_engine
from pakt.platform.events import ANTRAG_EVENTS, unwrap, wrap
from pakt.platform.kafka import ensure_topics, make_producer
from pakt.platform.outbox import OutboxRelay, enqueue, outbox_table, relay_state_table
from pakt.platform.outbox import log as outbox_log
from pakt.platform.readiness import Readiness
from services.antrag.main import MIGRATIONS as ANTRAG_MIGRATIONS
from tests.antraege import Antraege
from services.antrag.tables import outbox as antrag_outbox
from services.antrag.tables import outbox_relay_state as antrag_relay_state
from tests.antraege import ALTBACH, ESSLINGEN, RP, STUTTGART, kommune, rid, submission
from tests.databases import migrated_engine

TOPIC = "pakt.test.antraege"
PARTITIONS = 4
TIMEOUT_S = 60
# Short, so that sends fail within seconds while the broker is away (aiokafka retries until then).
REQUEST_TIMEOUT_MS = 3000
# Records of about 550 bytes: the outage backlog of a busy partition spans several record batches.
PADDING = "Begründung " * 30


def _event(key: str, version: int) -> Envelope:
    antrag = Antrag(id=key, version=version, bescheid_begruendung=PADDING)
    return wrap(
        AntragEingereicht(antrag=antrag),
        aggregate_type="antrag",
        aggregate_key=key,
        aggregate_version=version,
        producer="test",
    )


def _events(keys: int, versions: Iterable[int]) -> list[Envelope]:
    """Versions of several aggregates, interleaved as concurrent use cases would commit them."""
    return [_event(f"antrag-{k:02d}", v) for v in versions for k in range(keys)]


def _outbox_database(url: str) -> tuple[Engine, Table, Table]:
    metadata = MetaData()
    outbox = outbox_table(metadata)
    state = relay_state_table(metadata)
    engine = make_engine(url)
    metadata.create_all(engine)
    return engine, outbox, state


def _relay(engine: Engine, outbox: Table, state: Table, settings, **options) -> OutboxRelay:
    """A relay with its own producer, which it starts and stops itself."""
    producer = make_producer(settings, request_timeout_ms=REQUEST_TIMEOUT_MS)
    return OutboxRelay(engine, outbox, state, producer, settings, **options)


def _enqueue(engine: Engine, outbox: Table, envelopes: list[Envelope], topic: str = TOPIC) -> None:
    with engine.begin() as conn:
        for envelope in envelopes:
            enqueue(conn, outbox, topic, envelope)


def _pending(engine: Engine, outbox: Table, topic: str | None = None) -> int:
    query = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
    if topic is not None:
        query = query.where(outbox.c.topic == topic)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


async def _eventually(check: Callable[[], object], what: str, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not await asyncio.to_thread(check):
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def _running(relay: OutboxRelay, **options):
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(stop, **options))
    try:
        yield
    finally:
        stop.set()
        await task


async def _read_topic(bootstrap: str, topic: str = TOPIC) -> list[ConsumerRecord]:
    """Every record of the topic, partition by partition in offset order (no consumer group)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        records: dict[TopicPartition, list[ConsumerRecord]] = {tp: [] for tp in partitions}
        deadline = time.monotonic() + TIMEOUT_S
        for tp in partitions:
            while await consumer.position(tp) < end[tp]:
                assert time.monotonic() < deadline, f"could not read {topic} up to {end}"
                for fetched_tp, batch in (await consumer.getmany(tp, timeout_ms=500)).items():
                    records[fetched_tp].extend(batch)
    finally:
        await consumer.stop()
    return [record for tp in partitions for record in records[tp]]


def _assert_once_each_in_order(records: list[ConsumerRecord], expected: list[Envelope]) -> None:
    received = [(record, unwrap(record.value).envelope) for record in records]
    counts = Counter(envelope.event_id for _, envelope in received)
    assert [event_id for event_id, n in counts.items() if n > 1] == [], "events published more than once"
    assert set(counts) == {e.event_id for e in expected}
    by_key: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for record, envelope in received:
        assert record.key == envelope.aggregate_key.encode()
        by_key[envelope.aggregate_key].append((record.partition, envelope.aggregate_version))
    for key, seen in by_key.items():
        assert len({partition for partition, _ in seen}) == 1, f"{key} is spread over partitions"
        versions = [version for _, version in seen]
        assert versions == sorted(e.aggregate_version for e in expected if e.aggregate_key == key), key


def test_events_outlast_a_broker_outage_and_arrive_once_each_in_order(db_url, tansu, caplog):
    asyncio.run(_broker_outage(db_url, tansu, caplog))


async def _broker_outage(db_url, tansu, caplog) -> None:
    engine, outbox, state = _outbox_database(db_url)
    settings = tansu.settings(topic_partitions=PARTITIONS)
    await ensure_topics(settings, [TOPIC])
    relay = _relay(engine, outbox, state, settings)
    try:
        async with _running(relay):
            before = _events(20, [1])
            _enqueue(engine, outbox, before)
            relay.wake()
            await _eventually(lambda: _pending(engine, outbox) == 0, "events published")
            _assert_once_each_in_order(await _read_topic(tansu.bootstrap), before)

            caplog.clear()
            tansu.stop()
            during = _events(20, range(2, 10))
            for i in range(0, len(during), 16):
                _enqueue(engine, outbox, during[i : i + 16])
                relay.wake()
            await _eventually(
                lambda: any(r.name == outbox_log.name and r.levelno >= logging.WARNING for r in caplog.records),
                "the relay reports a failed attempt while the broker is down",
            )
            assert _pending(engine, outbox) == len(during)

            # Same address, empty: what it had acknowledged before is gone, and is published again.
            tansu.restart(topics={TOPIC: PARTITIONS})
            await _eventually(lambda: _pending(engine, outbox) == 0, "backlog published after the outage")
            await _eventually(lambda: relay.republished == len(before), "the lost events queued again")
        _assert_once_each_in_order(await _read_topic(tansu.bootstrap), before + during)
    finally:
        engine.dispose()


def test_acknowledged_events_are_marked_while_another_topic_fails(db_url, tansu):
    asyncio.run(_failing_topic(db_url, tansu))


async def _failing_topic(db_url, tansu) -> None:
    # Production: topics are declared by the platform team, and the services create none.
    refused = "pakt.test.not.declared"
    engine, outbox, state = _outbox_database(db_url)
    settings = replace(tansu.settings(topic_partitions=PARTITIONS), create_topics=False)
    await ensure_topics(tansu.settings(topic_partitions=PARTITIONS), [TOPIC])
    readiness = Readiness()
    relay = _relay(engine, outbox, state, settings, readiness=readiness)
    try:
        first, stuck = _events(6, range(1, 6)), _events(6, range(1, 6))
        for good, bad in zip(first, stuck, strict=True):
            _enqueue(engine, outbox, [good])
            _enqueue(engine, outbox, [bad], topic=refused)
        async with _running(relay):
            await _eventually(lambda: _pending(engine, outbox, TOPIC) == 0, "events of the good topic published")
            # The relay keeps going: later events of the good topic still go out.
            later = _events(6, range(6, 9))
            _enqueue(engine, outbox, later)
            relay.wake()
            await _eventually(lambda: _pending(engine, outbox, TOPIC) == 0, "later events published")
        assert _pending(engine, outbox, refused) == len(stuck)
        # The process says why it is not ready, and the relay waits for the topic.
        assert readiness.problems()["outbox-relay:topics"].reason == "topic_missing"
        assert refused in readiness.problems()["outbox-relay:topics"].text
        _assert_once_each_in_order(await _read_topic(tansu.bootstrap), first + later)
    finally:
        engine.dispose()


def _lock_holders(engine: Engine) -> list[int]:
    """Backends holding an advisory lock in this (test-only) database."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            ).scalars()
        )


@pytest.mark.postgres
def test_one_replica_publishes_and_another_takes_over(postgres_url, tansu):
    asyncio.run(_replicas(postgres_url, tansu))


async def _replicas(postgres_url, tansu) -> None:
    """Replicas are relays with their own engine and producer on one database."""
    engine, outbox, state = _outbox_database(postgres_url)
    engines = [make_engine(postgres_url) for _ in range(2)]
    settings = tansu.settings(topic_partitions=PARTITIONS)
    await ensure_topics(settings, [TOPIC])
    first, second = (_relay(e, outbox, state, settings) for e in engines)
    third = _relay(engines[0], outbox, state, settings)  # the first replica, restarted
    published: list[Envelope] = []

    async def publish(envelopes: list[Envelope], *relays: OutboxRelay) -> None:
        # Small commits, each waking every replica: without the lock they would publish rows twice.
        for i in range(0, len(envelopes), 10):
            _enqueue(engine, outbox, envelopes[i : i + 10])
            for relay in relays:
                relay.wake()
        await _eventually(lambda: _pending(engine, outbox) == 0, "events published")
        published.extend(envelopes)

    try:
        async with _running(second, standby_interval_s=0.2):
            async with _running(first, standby_interval_s=0.2):
                await _eventually(lambda: len(_lock_holders(engine)) == 1, "a replica holds the lock")
                await publish(_events(10, range(1, 5)), first, second)
                assert len(_lock_holders(engine)) == 1
            # The holder stopped: the replica on standby takes over.
            await publish(_events(10, range(5, 9)), second)

            # The holder's lock connection dies: it must stop publishing, someone else takes over.
            async with _running(third, standby_interval_s=0.2):
                [holder] = _lock_holders(engine)
                with engine.connect() as conn:
                    conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder})
                await _eventually(
                    lambda: (holders := _lock_holders(engine)) and holders != [holder], "the lock is taken again"
                )
                await publish(_events(10, range(9, 13)), second, third)
        _assert_once_each_in_order(await _read_topic(tansu.bootstrap), published)
    finally:
        for e in (engine, *engines):
            e.dispose()


def test_antraege_submitted_while_the_broker_is_down_reach_it_in_order(db_url, tansu, caplog):
    asyncio.run(_antraege_during_outage(db_url, tansu, caplog))


async def _antraege_during_outage(db_url, tansu, caplog) -> None:
    """The antrag service as it runs: its use cases write the outbox, its relay publishes it."""
    settings = tansu.settings(topic_partitions=PARTITIONS)
    await ensure_topics(settings, [ANTRAG_EVENTS])
    with migrated_engine(db_url, ANTRAG_MIGRATIONS) as engine:
        relay = _relay(engine, antrag_outbox, antrag_relay_state, settings)
        service = Antraege(engine, on_events=relay.wake)
        async with _running(relay):
            caplog.clear()
            tansu.stop()
            for who in (STUTTGART, ESSLINGEN, ALTBACH, STUTTGART):
                a = await asyncio.to_thread(service.submit, kommune(who), submission(antragsteller_ags=who))
                for step, request in (
                    (service.begin_pruefung, pb.BeginPruefungRequest(request_id=rid(), antrag_id=a.antrag.id)),
                    (service.complete_pruefung, pb.CompletePruefungRequest(request_id=rid(), antrag_id=a.antrag.id)),
                ):
                    await asyncio.to_thread(step, RP, request)
            await _eventually(
                lambda: any(r.name == outbox_log.name and r.levelno >= logging.WARNING for r in caplog.records),
                "the relay reports a failed attempt while the broker is down",
            )
            assert _pending(engine, antrag_outbox) == 12
            tansu.restart(topics={ANTRAG_EVENTS: PARTITIONS})
            await _eventually(lambda: _pending(engine, antrag_outbox) == 0, "backlog published after the outage")
        with engine.connect() as conn:
            written = [unwrap(p).envelope for p in conn.execute(select(antrag_outbox.c.payload)).scalars()]
        _assert_once_each_in_order(await _read_topic(tansu.bootstrap, ANTRAG_EVENTS), written)
        assert sorted({e.aggregate_version for e in written}) == [1, 2, 3]


def test_a_broker_restarted_empty_is_refilled_from_the_outbox_while_idle(db_url, tansu):
    asyncio.run(_refilled_while_idle(db_url, tansu))


async def _refilled_while_idle(db_url, tansu) -> None:
    """Nothing new is written: the relay notices by itself that the broker forgot, re-creates the
    topic with the configured partitions and publishes the whole history again, in order."""
    engine, outbox, state = _outbox_database(db_url)
    settings = tansu.settings(topic_partitions=PARTITIONS)
    relay = _relay(engine, outbox, state, settings)
    history = _events(12, range(1, 4))
    try:
        async with _running(relay):
            _enqueue(engine, outbox, history)
            relay.wake()
            await _eventually(lambda: _pending(engine, outbox) == 0, "history published")
            tansu.restart()  # empty, no topics, another cluster id
            await _eventually(lambda: relay.republished == len(history), "the forgotten history queued again")
            await _eventually(lambda: _pending(engine, outbox) == 0, "and published again")
        records = await _read_topic(tansu.bootstrap)
        assert {r.partition for r in records} <= set(range(PARTITIONS))
        _assert_once_each_in_order(records, history)
    finally:
        engine.dispose()


def test_a_partition_that_ends_below_what_it_acknowledged_is_published_again(db_url, tansu):
    asyncio.run(_lower_end_offsets(db_url, tansu))


async def _lower_end_offsets(db_url, tansu) -> None:
    """Same cluster id, same topic, fewer records (a topic restored from an older backup): the end
    offsets give it away."""
    engine, outbox, state = _outbox_database(db_url)
    settings = tansu.settings(topic_partitions=PARTITIONS)
    tansu.restart(topics={TOPIC: PARTITIONS}, cluster_id="pakt-test-fixed")
    relay = _relay(engine, outbox, state, settings)
    history = _events(8, range(1, 3))
    try:
        async with _running(relay):
            _enqueue(engine, outbox, history)
            relay.wake()
            await _eventually(lambda: _pending(engine, outbox) == 0, "history published")
            tansu.restart(topics={TOPIC: PARTITIONS}, cluster_id="pakt-test-fixed")
            await _eventually(lambda: relay.republished == len(history), "the lost records noticed")
            await _eventually(lambda: _pending(engine, outbox) == 0, "and published again")
        _assert_once_each_in_order(await _read_topic(tansu.bootstrap), history)
    finally:
        engine.dispose()


def test_where_topics_are_not_created_the_relay_waits_for_them_and_then_refills(db_url, tansu):
    asyncio.run(_waits_for_declared_topic(db_url, tansu))


async def _waits_for_declared_topic(db_url, tansu) -> None:
    engine, outbox, state = _outbox_database(db_url)
    settings = replace(tansu.settings(topic_partitions=PARTITIONS), create_topics=False)
    tansu.restart(topics={TOPIC: PARTITIONS})
    readiness = Readiness()
    relay = _relay(engine, outbox, state, settings, readiness=readiness)
    history = _events(6, range(1, 3))
    try:
        async with _running(relay):
            _enqueue(engine, outbox, history)
            relay.wake()
            await _eventually(lambda: _pending(engine, outbox) == 0, "history published")
            tansu.restart()  # the topic is gone, and this relay may not create it
            await _eventually(lambda: "outbox-relay:topics" in readiness.problems(), "not ready: topic missing")
            assert readiness.problems()["outbox-relay:topics"].reason == "topic_missing"
            await asyncio.sleep(1)
            assert _pending(engine, outbox) == len(history)  # queued again, waiting for the topic
            tansu.create_topic(TOPIC, PARTITIONS)  # the platform team declares it again
            await _eventually(lambda: _pending(engine, outbox) == 0, "published once the topic is back")
            await _eventually(lambda: readiness.ready, "ready again")
        _assert_once_each_in_order(await _read_topic(tansu.bootstrap), history)
    finally:
        engine.dispose()
