"""Transactional outbox: events are written in the business transaction, then relayed to Kafka.

Kafka is transport; the service database is the system of record. Delivery is at-least-once in
outbox order (the order of commits), and consumers drop duplicates by event id.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)

from pakt.common.v1.envelope_pb2 import Envelope
from pakt.platform.metrics import EVENTS_PUBLISHED, OUTBOX_PENDING

log = logging.getLogger(__name__)

# SQLite only auto-increments an INTEGER PRIMARY KEY.
_Id = BigInteger().with_variant(Integer(), "sqlite")


def outbox_table(metadata: MetaData) -> Table:
    return Table(
        "outbox",
        metadata,
        Column("id", _Id, primary_key=True, autoincrement=True),
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
    """Publishes unpublished outbox rows in id order and marks them published."""

    def __init__(
        self, engine: Engine, outbox: Table, producer: AIOKafkaProducer, batch_size: int = 500
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.producer = producer
        self.batch_size = batch_size
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Publish now rather than at the next poll; safe to call from worker threads after a commit."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self, stop: asyncio.Event, poll_interval_s: float = 0.5) -> None:
        self._loop = asyncio.get_running_loop()
        backoff = 0.5
        while not stop.is_set():
            try:
                published = await self.publish_batch()
                backoff = 0.5
            except KafkaError as exc:
                log.warning("broker unavailable, events wait in the outbox", extra={"error": str(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10)
                continue
            if published < self.batch_size:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), poll_interval_s)
                except TimeoutError:
                    pass

    async def publish_batch(self) -> int:
        rows = await asyncio.to_thread(self._pending)
        if not rows:
            OUTBOX_PENDING.set(0)
            return 0
        # aiokafka keeps the order of sends to one partition; wait for all acks before marking.
        futures = [
            await self.producer.send(row.topic, value=row.payload, key=row.aggregate_key.encode())
            for row in rows
        ]
        await asyncio.gather(*futures)
        await asyncio.to_thread(self._mark_published, [row.id for row in rows])
        for row in rows:
            EVENTS_PUBLISHED.labels(row.topic).inc()
        return len(rows)

    def _pending(self):
        t = self.outbox
        with self.engine.connect() as conn:
            OUTBOX_PENDING.set(
                conn.execute(select(func.count()).select_from(t).where(t.c.published_at.is_(None))).scalar_one()
            )
            return conn.execute(
                select(t.c.id, t.c.topic, t.c.aggregate_key, t.c.payload)
                .where(t.c.published_at.is_(None))
                .order_by(t.c.id)
                .limit(self.batch_size)
            ).all()

    def _mark_published(self, ids: list[int]) -> None:
        t = self.outbox
        with self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id.in_(ids)).values(published_at=datetime.now(UTC)))


def create_outbox_table() -> None:
    """For a service's first migration: the outbox as outbox_table() describes it."""
    from alembic import op

    table = outbox_table(MetaData())
    op.create_table(table.name, *[c._copy() for c in table.columns])
