"""Transactional outbox: events are written in the business transaction, then relayed to Kafka.

Kafka is transport; the service database is the system of record. Delivery is at-least-once, in
outbox order per aggregate, and consumers drop duplicates by event id.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Row,
    String,
    Table,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, OperationalError

from pakt.common.v1.envelope_pb2 import Envelope
from pakt.platform.db import AUTO_ID, upsert
from pakt.platform.kafka import PROBE_TIMEOUT_S, Backoff, ensure_topics, probe
from pakt.platform.metrics import (
    EVENTS_PUBLISHED,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PENDING,
    OUTBOX_REPUBLISHED,
)
from pakt.platform.readiness import Readiness
from pakt.platform.settings import KafkaSettings
from pakt.platform.times import utc

log = logging.getLogger(__name__)

# Broker and database faults: the relay backs off and tries again; events wait in the outbox.
_TRANSIENT = (KafkaError, OperationalError, TimeoutError, OSError)

# How often the outbox backlog (count and oldest age) is exported as metrics.
BACKLOG_INTERVAL_S = 2.0

# Murmur2 of the key like the Java client, so a key lands where any Kafka producer would put it.
_PARTITIONER = DefaultPartitioner()


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", AUTO_ID, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("topic", String(200), nullable=False),
        Column("aggregate_type", String(50), nullable=False),
        # Indexed: an operator's repair republishes the events of named aggregates.
        Column("aggregate_key", String(100), nullable=False, index=True),
        Column("event_type", String(200), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
    )


def enqueue(conn: Connection, outbox: Table, topic: str, envelope: Envelope) -> None:
    """Add an event to the outbox, inside the caller's transaction."""
    conn.execute(
        outbox.insert().values(
            event_id=envelope.event_id,
            topic=topic,
            aggregate_type=envelope.aggregate_type,
            aggregate_key=envelope.aggregate_key,
            event_type=envelope.event_type,
            payload=envelope.SerializeToString(),
            created_at=datetime.now(UTC),
        )
    )


def relay_state_table(metadata: MetaData) -> Table:
    """What the broker acknowledged, per topic partition: the cluster that took it, the offset of
    the last acknowledged record batch and the offset after it. A broker that later has less has
    lost events. (The end check asks only for the batch's first record: batches are stored whole,
    and the local broker reports the end of a partition as its last batch's offset + 1.)"""
    return Table(
        "outbox_relay_state",
        metadata,
        Column("topic", String(200), primary_key=True),
        Column("kafka_partition", Integer, primary_key=True),
        Column("cluster_id", String(200), nullable=False),
        Column("last_batch_offset", BigInteger, nullable=False),
        Column("next_offset", BigInteger, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


def republish(
    conn: Connection, outbox: Table, aggregate_keys: Iterable[str] | None = None, topic: str | None = None
) -> int:
    """Queue rows that were published already to be published again, from the record: those of
    the given aggregates, or of one topic, or every row. The relay sends them in outbox order, so
    order per key holds; consumers are idempotent, so a copy the broker still had changes nothing.
    Returns the number of rows queued."""
    t = outbox
    stmt = update(t).where(t.c.published_at.is_not(None))
    if aggregate_keys is not None:
        keys = list(aggregate_keys)
        if not keys:
            return 0
        stmt = stmt.where(t.c.aggregate_key.in_(keys))
    if topic is not None:
        stmt = stmt.where(t.c.topic == topic)
    return conn.execute(stmt.values(published_at=None)).rowcount


class BrokerLostEvents(Exception):
    """The broker answered with less than it had acknowledged for the topic."""

    def __init__(self, topic: str, why: str) -> None:
        super().__init__(f"{topic}: {why}")
        self.topic, self.why = topic, why


class OutboxRelay:
    """Publishes unpublished outbox rows, keyed by aggregate, and marks them published.

    A round takes the oldest pending rows and groups them by topic partition, computed from the
    aggregate key as the producer's default partitioner would. Each partition's rows go out as
    record batches, one at a time: a batch is a single produce request the broker appends whole or
    not at all, and its rows are marked published as soon as it is acknowledged. Only then is the
    next batch of that partition sent. (Handing all rows to producer.send() at once would not do:
    aiokafka may expire an earlier batch of a partition and still deliver a later one.) So a failure
    leaves exactly the tail of that partition pending, in order, for the next round; and other
    partitions and topics carry on.

    The rows stay in the outbox after publishing: they are the record the broker can be refilled
    from. With each acknowledged batch the relay notes the broker's cluster id and the offset after
    the batch (relay_state_table). Before its first round and every VERIFY_S it compares that with
    what the broker holds now; a different cluster, a missing topic or an end offset below the
    noted one means the broker has lost events, and so does an acknowledgement at an offset below
    the noted one. Then every row of that topic is queued again and goes out in outbox order.
    Missing topics are created with the configured partitions where topic creation is on;
    elsewhere the relay reports the process not ready and waits for them.

    On PostgreSQL, replicas share the outbox: a session advisory lock lets one relay publish at a
    time while the others stand by.
    """

    VERIFY_S = 5.0

    def __init__(
        self,
        engine: Engine,
        outbox: Table,
        state: Table,
        producer: AIOKafkaProducer,
        settings: KafkaSettings,
        readiness: Readiness | None = None,
        batch_size: int = 500,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.state = state
        self.producer = producer
        self.settings = settings
        self.readiness = readiness or Readiness()
        self.batch_size = batch_size
        self._lock = _RelayLock(engine, outbox) if engine.dialect.name == "postgresql" else None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._offsets: AIOKafkaConsumer | None = None
        self._cluster_id = ""
        self._expected: dict[tuple[str, int], int] = {}
        self._topics: set[str] = set()
        self._blocked: set[str] = set()
        self.republished = 0

    def wake(self) -> None:
        """Publish now rather than at the next poll; safe to call from worker threads after a commit."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event, poll_interval_s: float = 0.5, standby_interval_s: float = 5.0) -> None:
        self._loop = asyncio.get_running_loop()
        backoff = Backoff()
        next_verify = 0.0
        # Measured on its own: while the broker is away (and a send may hang until its timeout),
        # the backlog is what an operator watches.
        backlog = asyncio.create_task(self._watch_backlog(stop))
        if not await self._start_producer(stop):
            await backlog
            return
        try:
            while not stop.is_set():
                if self._lock is not None and not await asyncio.to_thread(self._lock.held):
                    next_verify = 0.0  # whoever held the lock may have published meanwhile
                    await _wait(standby_interval_s, stop)
                    continue
                # Cleared before reading, so a commit during the round triggers the next one.
                self._wake.clear()
                try:
                    if time.monotonic() >= next_verify:
                        await self.verify()
                        next_verify = time.monotonic() + self.VERIFY_S
                    published = await self.publish_batch()
                except BrokerLostEvents as lost:
                    await asyncio.to_thread(self._requeue, lost)
                    continue
                except _TRANSIENT as exc:
                    self.readiness.problem(
                        "outbox-relay", "publish_failing", "Ereignisse können nicht an Kafka übergeben werden"
                    )
                    log.warning("publishing failed, events wait in the outbox", extra={"error": repr(exc)})
                    next_verify = 0.0
                    await backoff.wait(stop)
                    continue
                backoff.reset()
                self.readiness.ok("outbox-relay")
                if published < self.batch_size:
                    await _wait(poll_interval_s, stop, self._wake)
        finally:
            if self._lock is not None:
                await asyncio.to_thread(self._lock.release)
            await backlog
            if self._offsets is not None:
                await self._offsets.stop()
            await self.producer.flush()
            await self.producer.stop()

    async def _start_producer(self, stop: asyncio.Event) -> bool:
        """Start the producer, however long the broker is away; False if stopped first."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                await asyncio.wait_for(self.producer.start(), 30)
                return True
            except (KafkaError, TimeoutError, OSError) as exc:
                self.readiness.problem("outbox-relay", "broker_unreachable", "Kafka nicht erreichbar")
                log.warning("producer cannot start, retrying", extra={"error": repr(exc)})
                await backoff.wait(stop)
        return False

    async def verify(self) -> None:
        """Compare what the broker acknowledged with what it holds now; raises BrokerLostEvents for
        the first topic that lost events, TimeoutError or KafkaError when it cannot be reached."""
        noted = await asyncio.to_thread(self._noted)
        topics = self._topics | set(noted)
        if not topics:
            return
        try:
            view = await probe(self.producer.client, topics)
        except (KafkaError, TimeoutError) as exc:
            raise KafkaError(f"broker unreachable: {exc!r}") from exc
        missing = view.missing(topics)
        self._blocked = set(missing)
        if missing and self.settings.create_topics:
            try:
                await ensure_topics(self.settings, missing)
                self._blocked = set()
            except KafkaError as exc:
                log.warning("topics could not be created", extra={"topics": missing, "error": repr(exc)})
        if self._blocked:
            # Its rows wait in the outbox; other topics carry on.
            self.readiness.problem(
                "outbox-relay:topics", "topic_missing", f"Topic fehlt auf dem Broker: {', '.join(sorted(missing))}"
            )
        else:
            self.readiness.ok("outbox-relay:topics")
        self._cluster_id = view.cluster_id
        self._expected = {(t, p): n.next_offset for t, parts in noted.items() for p, n in parts.items()}
        for topic, parts in noted.items():
            if topic in missing:
                raise BrokerLostEvents(topic, "topic missing")
            if any(n.cluster_id != view.cluster_id for n in parts.values()):
                raise BrokerLostEvents(topic, f"cluster is now {view.cluster_id!r}")
            if max(parts) >= view.partitions[topic]:
                raise BrokerLostEvents(topic, "fewer partitions")
            ends = await self._end_offsets(topic, list(parts))
            for partition, n in parts.items():
                if ends[partition] <= n.last_batch_offset:
                    raise BrokerLostEvents(
                        topic, f"partition {partition} ends at {ends[partition]}, before batch {n.last_batch_offset}"
                    )

    async def _end_offsets(self, topic: str, partitions: list[int]) -> dict[int, int]:
        if self._offsets is None:
            self._offsets = AIOKafkaConsumer(
                bootstrap_servers=self.settings.bootstrap_servers,
                security_protocol=self.settings.security_protocol,
                enable_auto_commit=False,
            )
            await self._offsets.start()
        tps = [TopicPartition(topic, p) for p in partitions]
        ends = await asyncio.wait_for(self._offsets.end_offsets(tps), PROBE_TIMEOUT_S * 3)
        return {tp.partition: offset for tp, offset in ends.items()}

    async def publish_batch(self) -> int:
        """One round over up to batch_size pending rows; returns how many were published.

        Raises the first error once every topic and partition has published what it could.
        """
        rows = await asyncio.to_thread(self._pending)
        by_topic: dict[str, list[Row]] = {}
        for row in rows:
            by_topic.setdefault(row.topic, []).append(row)
        new_topics = set(by_topic) - self._topics
        if new_topics:
            self._topics |= new_topics
            await self.verify()  # a topic not seen before: is it there, and is it what we noted?
        await _all(
            self._publish_topic(topic, topic_rows) for topic, topic_rows in by_topic.items() if topic not in self._blocked
        )
        return len(rows)

    async def _publish_topic(self, topic: str, rows: list[Row]) -> None:
        partitions = sorted(await self.producer.partitions_for(topic))
        by_partition: dict[int, list[Row]] = {}
        for row in rows:
            partition = _PARTITIONER(row.aggregate_key.encode(), partitions, partitions)
            by_partition.setdefault(partition, []).append(row)
        await _all(self._publish_partition(topic, p, partition_rows) for p, partition_rows in by_partition.items())

    async def _publish_partition(self, topic: str, partition: int, rows: list[Row]) -> None:
        while rows:
            batch = self.producer.create_batch()
            taken = 0
            for row in rows:
                # The first record always fits; append() returns None once the batch is full.
                if batch.append(key=row.aggregate_key.encode(), value=row.payload, timestamp=None) is None:
                    break
                taken += 1
            batch.close()  # nothing else may join this batch in the producer
            sent, rows = rows[:taken], rows[taken:]
            acknowledged = await (await self.producer.send_batch(batch, topic, partition=partition))
            expected = self._expected.get((topic, partition))
            if expected is not None and acknowledged.offset < expected:
                raise BrokerLostEvents(topic, f"partition {partition} took offset {acknowledged.offset}, not {expected}")
            next_offset = acknowledged.offset + taken
            await asyncio.to_thread(
                self._mark_published, [row.id for row in sent], topic, partition, acknowledged.offset, next_offset
            )
            self._expected[(topic, partition)] = next_offset
            EVENTS_PUBLISHED.labels(topic).inc(len(sent))

    async def _watch_backlog(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self._export_backlog)
            except OperationalError as exc:
                log.warning("outbox backlog not measurable", extra={"error": repr(exc)})
            await _wait(BACKLOG_INTERVAL_S, stop)

    def _export_backlog(self) -> None:
        t = self.outbox
        with self.engine.connect() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(t.c.created_at)).select_from(t).where(t.c.published_at.is_(None))
            ).one()
        OUTBOX_PENDING.set(count)
        OUTBOX_OLDEST_AGE.set(_age_s(oldest))

    def _pending(self) -> list[Row]:
        t = self.outbox
        with self.engine.connect() as conn:
            return list(
                conn.execute(
                    select(t.c.id, t.c.topic, t.c.aggregate_key, t.c.payload)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self.batch_size)
                )
            )

    def _noted(self) -> dict[str, dict[int, Row]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(self.state)).all()
        noted: dict[str, dict[int, Row]] = {}
        for row in rows:
            noted.setdefault(row.topic, {})[row.kafka_partition] = row
        return noted

    def _mark_published(
        self, ids: list[int], topic: str, partition: int, batch_offset: int, next_offset: int
    ) -> None:
        t, now = self.outbox, datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id.in_(ids)).values(published_at=now))
            upsert(
                conn,
                self.state,
                {"topic": topic, "kafka_partition": partition},
                {
                    "cluster_id": self._cluster_id,
                    "last_batch_offset": batch_offset,
                    "next_offset": next_offset,
                    "updated_at": now,
                },
            )

    def _requeue(self, lost: BrokerLostEvents) -> None:
        with self.engine.begin() as conn:
            count = republish(conn, self.outbox, topic=lost.topic)
            conn.execute(delete(self.state).where(self.state.c.topic == lost.topic))
        self._expected = {k: v for k, v in self._expected.items() if k[0] != lost.topic}
        self.republished += count
        OUTBOX_REPUBLISHED.labels(lost.topic).inc(count)
        log.warning(
            "the broker no longer has events it acknowledged; publishing the topic again from the outbox: %s", lost.why,
            extra={"topic": lost.topic, "why": lost.why, "events": count},
        )


def _age_s(created_at: datetime | None) -> float:
    if created_at is None:
        return 0.0
    return max(0.0, (datetime.now(UTC) - utc(created_at)).total_seconds())


class _RelayLock:
    """A PostgreSQL session advisory lock on a connection of its own: the relay holding it publishes.

    The lock lives as long as that session, so a replica whose connection dies loses it and another
    replica takes over. The holder checks its connection before every round and stops when it is
    gone; a round already under way may still overlap the new holder's first (at-least-once).
    """

    def __init__(self, engine: Engine, outbox: Table) -> None:
        self.engine = engine
        name = f"{engine.url.database}.{outbox.fullname}"
        self.key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self._conn: Connection | None = None
        self._holding = False

    def held(self) -> bool:
        """Whether this relay may publish now: checks the lock it holds, or tries to take it."""
        try:
            if self._conn is None:
                self._conn = self.engine.connect()
                # No transaction stays open on this long-lived connection.
                self._conn.execution_options(isolation_level="AUTOCOMMIT")
            if self._holding:
                self._conn.execute(text("SELECT 1"))
            else:
                self._holding = self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar()
                if self._holding:
                    log.info("outbox relay holds the lock and publishes")
            return self._holding
        except DBAPIError as exc:
            if self._holding:
                log.warning("outbox relay lost its lock connection", extra={"error": repr(exc)})
            self.release()
            return False

    def release(self) -> None:
        if self._conn is not None:
            # Ends the session rather than returning it to the pool, where it would keep the lock.
            self._conn.invalidate()
            self._conn.close()
        self._conn, self._holding = None, False


async def _all(coroutines: Iterable[Awaitable[None]]) -> None:
    """Run to completion side by side, then raise the first error (an unexpected one first)."""
    errors = [r for r in await asyncio.gather(*coroutines, return_exceptions=True) if isinstance(r, BaseException)]
    if errors:
        raise next((e for e in errors if not isinstance(e, _TRANSIENT)), errors[0])


async def _wait(timeout_s: float, *events: asyncio.Event) -> None:
    """Until one of the events is set or the timeout has passed."""
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def create_outbox_table() -> None:
    """For a service's first migration: the outbox as outbox_table() describes it."""
    from alembic import op

    table = outbox_table(MetaData())
    op.create_table(table.name, *[c._copy() for c in table.columns])


def create_relay_state_table() -> None:
    """For a migration: the relay's note of what the broker acknowledged (relay_state_table())."""
    from alembic import op

    table = relay_state_table(MetaData())
    op.create_table(table.name, *[c._copy() for c in table.columns])
