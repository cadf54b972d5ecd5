"""Transactional outbox: events are written in the business transaction, then relayed to Kafka.

Kafka is transport; the service database is the system of record. Delivery is at-least-once, in
outbox order per aggregate, and consumers drop duplicates by event id.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Iterable
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Row,
    String,
    Table,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, OperationalError

from pakt.common.v1.envelope_pb2 import Envelope
from pakt.platform.db import AUTO_ID
from pakt.platform.metrics import EVENTS_PUBLISHED, OUTBOX_PENDING

log = logging.getLogger(__name__)

# Broker and database faults: the relay backs off and tries again; events wait in the outbox.
_TRANSIENT = (KafkaError, OperationalError)

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
        Column("aggregate_key", String(100), nullable=False),
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


class OutboxRelay:
    """Publishes unpublished outbox rows, keyed by aggregate, and marks them published.

    A round takes the oldest pending rows and groups them by topic partition, computed from the
    aggregate key as the producer's default partitioner would. Each partition's rows go out as
    record batches, one at a time: a batch is a single produce request the broker appends whole or
    not at all, and its rows are marked published as soon as it is acknowledged. Only then is the
    next batch of that partition sent. (Handing all rows to producer.send() at once would not do:
    aiokafka may expire an earlier batch of a partition and still deliver a later one.) So a failure
    leaves exactly the tail of that partition pending, in order, for the next round; nothing
    acknowledged is sent again; and other partitions and topics carry on.

    On PostgreSQL, replicas share the outbox: a session advisory lock lets one relay publish at a
    time while the others stand by.
    """

    def __init__(
        self, engine: Engine, outbox: Table, producer: AIOKafkaProducer, batch_size: int = 500
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.producer = producer
        self.batch_size = batch_size
        self._lock = _RelayLock(engine, outbox) if engine.dialect.name == "postgresql" else None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Publish now rather than at the next poll; safe to call from worker threads after a commit."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event, poll_interval_s: float = 0.5, standby_interval_s: float = 5.0) -> None:
        self._loop = asyncio.get_running_loop()
        backoff = 0.5
        try:
            while not stop.is_set():
                if self._lock is not None and not await asyncio.to_thread(self._lock.held):
                    await _wait(standby_interval_s, stop)
                    continue
                # Cleared before reading, so a commit during the round triggers the next one.
                self._wake.clear()
                try:
                    published = await self.publish_batch()
                    backoff = 0.5
                except _TRANSIENT as exc:
                    log.warning("publishing failed, events wait in the outbox", extra={"error": repr(exc)})
                    await _wait(backoff, stop)
                    backoff = min(backoff * 2, 10)
                    continue
                if published < self.batch_size:
                    await _wait(poll_interval_s, stop, self._wake)
        finally:
            if self._lock is not None:
                await asyncio.to_thread(self._lock.release)

    async def publish_batch(self) -> int:
        """One round over up to batch_size pending rows; returns how many were published.

        Raises the first error once every topic and partition has published what it could.
        """
        rows = await asyncio.to_thread(self._pending)
        by_topic: dict[str, list[Row]] = {}
        for row in rows:
            by_topic.setdefault(row.topic, []).append(row)
        await _all(self._publish_topic(topic, topic_rows) for topic, topic_rows in by_topic.items())
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
            await (await self.producer.send_batch(batch, topic, partition=partition))
            await asyncio.to_thread(self._mark_published, [row.id for row in sent])
            EVENTS_PUBLISHED.labels(topic).inc(len(sent))

    def _pending(self) -> list[Row]:
        t = self.outbox
        with self.engine.connect() as conn:
            OUTBOX_PENDING.set(
                conn.execute(select(func.count()).select_from(t).where(t.c.published_at.is_(None))).scalar_one()
            )
            return list(
                conn.execute(
                    select(t.c.id, t.c.topic, t.c.aggregate_key, t.c.payload)
                    .where(t.c.published_at.is_(None))
                    .order_by(t.c.id)
                    .limit(self.batch_size)
                )
            )

    def _mark_published(self, ids: list[int]) -> None:
        t = self.outbox
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id.in_(ids)).values(published_at=datetime.now(UTC)))


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
