"""Kafka clients with the project's settings: topic creation, a producer, an at-least-once consumer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from pakt.platform.events import Event, UnreadableEvent, unwrap
from pakt.platform.metrics import EVENTS_CONSUMED
from pakt.platform.settings import KafkaSettings

log = logging.getLogger(__name__)


async def ensure_topics(settings: KafkaSettings, topics: Iterable[str]) -> None:
    """Create the topics if missing (local stack); in production they are declared in deploy/k8s."""
    topics = list(topics)
    if not settings.create_topics or not topics:
        return
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, security_protocol=settings.security_protocol
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(t, settings.topic_partitions, 1) for t in topics if t not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another service created it meanwhile
    finally:
        await admin.close()


def make_producer(settings: KafkaSettings, request_timeout_ms: int = 40000) -> AIOKafkaProducer:
    # request_timeout_ms (aiokafka's default) also bounds how long a batch is retried before it fails.
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        security_protocol=settings.security_protocol,
        acks="all",
        enable_idempotence=settings.enable_idempotence,
        linger_ms=5,
        request_timeout_ms=request_timeout_ms,
    )


def make_consumer(settings: KafkaSettings, group_id: str, topics: Iterable[str]) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.bootstrap_servers,
        security_protocol=settings.security_protocol,
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        rebalance_timeout_ms=settings.rebalance_timeout_ms,
    )


Handler = Callable[[ConsumerRecord], Awaitable[str]]


async def consume(consumer: AIOKafkaConsumer, handle: Handler, stop: asyncio.Event) -> None:
    """At-least-once: commit a record's offset only after its handler succeeded.

    The handler returns an outcome label for metrics. When it raises, the consumer rewinds to that
    record and retries after a pause, so a transient database or network fault loses nothing;
    handlers are idempotent, so a retry never counts twice.
    """
    backoff = 0.5
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=500)
        for tp, records in batches.items():
            next_offset = None
            for record in records:
                try:
                    outcome = await handle(record)
                except Exception:
                    log.exception(
                        "event handling failed, retrying",
                        extra={"topic": tp.topic, "partition": tp.partition, "offset": record.offset},
                    )
                    consumer.seek(tp, record.offset)
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 10)
                    break
                backoff = 0.5
                EVENTS_CONSUMED.labels(tp.topic, outcome).inc()
                next_offset = record.offset + 1
            if next_offset is not None:
                await _commit(consumer, tp, next_offset)


async def _commit(consumer: AIOKafkaConsumer, tp, offset: int) -> None:
    try:
        await consumer.commit({tp: offset})
    except KafkaError as exc:
        # A rebalance took the partition away; its new owner re-reads from the last commit.
        log.warning("offset commit failed", extra={"topic": tp.topic, "error": str(exc)})


async def run_consumer(
    settings: KafkaSettings,
    group_id: str,
    topics: Iterable[str],
    on_event: Callable[[Event], Awaitable[str]],
    stop: asyncio.Event,
) -> None:
    """Consume Envelopes until stop; unreadable records are logged and skipped, not retried."""

    async def handle(record: ConsumerRecord) -> str:
        try:
            event = unwrap(record.value)
        except UnreadableEvent as exc:
            log.warning(
                "unreadable event skipped", extra={"topic": record.topic, "offset": record.offset, "error": str(exc)}
            )
            return "unreadable"
        return await on_event(event)

    consumer = make_consumer(settings, group_id, topics)
    await consumer.start()
    try:
        await consume(consumer, handle, stop)
    finally:
        await consumer.stop()
