"""Kafka clients with the project's settings: topics, a producer, a probe of what the broker
holds, and the one consumer every service and the reporting aggregation use.

The broker is transport and may lose what it had (the local broker keeps everything in memory; a
Kafka topic can be deleted, expire or be restored from an older backup). The consumer notices
when the broker no longer knows where its group was and reads its partitions again from the
beginning; handlers are idempotent, so that changes nothing but time.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from aiokafka import AIOKafkaClient, AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.protocol.metadata import MetadataRequest
from google.protobuf.message import Message

from pakt.platform.events import Event, UnreadableEvent, unwrap
from pakt.platform.metrics import CONSUMER_LAG, CONSUMER_REWOUND, EVENTS_CONSUMED
from pakt.platform.readiness import Readiness
from pakt.platform.settings import KafkaSettings

log = logging.getLogger(__name__)

# How often a consumer checks that the broker still knows where its group was.
CHECK_INTERVAL_S = 2.0
# A probe that takes longer counts as an unreachable broker.
PROBE_TIMEOUT_S = 3.0


async def ensure_topics(settings: KafkaSettings, topics: Iterable[str]) -> None:
    """Create the topics if missing (local stack); where topics are managed by the cluster,
    PAKT_KAFKA_CREATE_TOPICS is false and this does nothing."""
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
            log.info("topics created", extra={"topics": [t.name for t in missing]})
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


def make_consumer(settings: KafkaSettings, group_id: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers,
        security_protocol=settings.security_protocol,
        group_id=group_id,
        enable_auto_commit=False,
        # Also where a group resumes whose committed offsets the broker has lost: nothing skipped.
        auto_offset_reset="earliest",
        rebalance_timeout_ms=settings.rebalance_timeout_ms,
    )


@dataclass(frozen=True)
class BrokerView:
    """What the broker says it holds: its cluster id and the partitions of the topics asked for
    (a topic it does not have is missing from `partitions`)."""

    cluster_id: str
    partitions: dict[str, int]

    def missing(self, topics: Iterable[str]) -> list[str]:
        return [t for t in topics if t not in self.partitions]


async def probe(client: AIOKafkaClient, topics: Iterable[str]) -> BrokerView:
    """Ask the broker about the topics without creating them; raises KafkaError or TimeoutError
    when it cannot be reached within PROBE_TIMEOUT_S."""
    node = client.get_random_node()
    if node is None:
        raise KafkaError("no broker known")
    request = MetadataRequest(list(topics), allow_auto_topic_creation=False)
    response = await asyncio.wait_for(client.send(node, request), PROBE_TIMEOUT_S)
    partitions = {
        topic: len(parts) for error, topic, _internal, parts, *_ in response.topics if error == 0 and parts
    }
    return BrokerView(cluster_id=getattr(response, "cluster_id", "") or "", partitions=partitions)


class Backoff:
    """Exponential pauses between attempts: 0.5 s doubling up to 10 s, reset after a success."""

    def __init__(self, first_s: float = 0.5, max_s: float = 10.0) -> None:
        self.first_s, self.max_s = first_s, max_s
        self.next_s = first_s

    def reset(self) -> None:
        self.next_s = self.first_s

    async def wait(self, stop: asyncio.Event) -> None:
        try:
            await asyncio.wait_for(stop.wait(), self.next_s)
        except TimeoutError:
            pass
        self.next_s = min(self.next_s * 2, self.max_s)


# What a service does with each type of event it consumes: a plain function that applies the event
# in one database transaction and returns the outcome for metrics ("applied", "duplicate", …). It
# runs in a worker thread; types without a handler are counted as "ignored". Inside a batch (the
# consumer's `batch`) a handler that leaves its writes to the batch's end may return a callable
# instead, which gives the outcome once the batch has committed.
Outcome = str | Callable[[], str]
Handlers = Mapping[type[Message], Callable[[Event], Outcome]]
# A context manager in which handlers called in the same thread share one transaction, committed
# when it ends (e.g. UnitsOfWork.batch).
Batch = Callable[[], AbstractContextManager[object]]


class EventConsumer:
    """At-least-once consumption of Envelopes by one consumer group, recovering by itself; events
    are dispatched by payload type to the service's handlers.

    - A record's offset is committed only after its handler succeeded; a failing handler is
      retried with backoff from that record, so nothing is skipped.
    - With `batch`, the records of a partition that one poll returned are applied in one worker
      thread hop inside one `batch()` (one transaction), and their offsets committed after it
      committed. If anything in it fails, it is rolled back and the records are applied one by one
      as without `batch`, which finds the failing record and retries it.
    - Unreadable records are logged and skipped, not retried.
    - Every CHECK_INTERVAL_S it probes the broker: unreachable or missing topics make the process
      not ready (with the reason); where topic creation is on, missing topics are created with the
      configured partitions. When the broker's cluster id changed, or the group's committed offset
      on the broker fell below what this consumer committed, the broker has lost its place: the
      consumer reads its partitions again from the beginning (handlers are idempotent).
    - Lag behind the partitions' end is exported per group and topic.
    """

    def __init__(
        self,
        settings: KafkaSettings,
        group_id: str,
        topics: Iterable[str],
        handlers: Handlers,
        readiness: Readiness | None = None,
        batch: Batch | None = None,
    ) -> None:
        self.settings = settings
        self.group_id = group_id
        self.topics = list(topics)
        self.handlers = dict(handlers)
        self.batch = batch
        self.readiness = readiness or Readiness()
        self.component = f"consumer:{group_id}"
        self._cluster_id: str | None = None
        self._committed: dict[TopicPartition, int] = {}
        self._next: dict[TopicPartition, int] = {}
        self.rewinds = 0

    async def run(self, stop: asyncio.Event) -> None:
        backoff = Backoff()
        while not stop.is_set():
            consumer = make_consumer(self.settings, self.group_id)
            try:
                await asyncio.wait_for(consumer.start(), 30)
            except (KafkaError, TimeoutError, OSError) as exc:
                self.readiness.problem(self.component, "broker_unreachable", "Kafka nicht erreichbar")
                log.warning("consumer cannot start, retrying", extra={"group": self.group_id, "error": repr(exc)})
                await stop_quietly(consumer)
                await backoff.wait(stop)
                continue
            backoff.reset()
            try:
                await self._consume(consumer, stop)
            finally:
                await stop_quietly(consumer)

    async def _consume(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        consumer.subscribe(self.topics, listener=_Forget(self))
        backoff = Backoff()
        last_check = 0.0
        while not stop.is_set():
            if time.monotonic() - last_check >= CHECK_INTERVAL_S:
                last_check = time.monotonic()
                await self._check(consumer)
            batches = await consumer.getmany(timeout_ms=500, max_records=1000)
            failed = False
            for tp, records in batches.items():
                if self.batch is not None and len(records) > 1 and await self._in_one_transaction(tp, records):
                    done = records[-1].offset + 1
                else:
                    done, failed_at = await self._one_by_one(tp, records)
                    if failed_at is not None:
                        consumer.seek(tp, failed_at)
                        failed = True
                if done is not None:
                    self._next[tp] = done
                    await self._commit(consumer, tp, done)
            if failed:
                await backoff.wait(stop)
            else:
                if batches:
                    self.readiness.ok(self.component + ":handler")
                backoff.reset()
            self._export_lag(consumer)

    async def _one_by_one(self, tp: TopicPartition, records: Sequence[ConsumerRecord]) -> tuple[int | None, int | None]:
        """Each record in its own transaction, up to the first that fails: the offset to commit
        (None: nothing applied) and the failed record's offset (None: none failed)."""
        done = None
        for record in records:
            try:
                outcome = await self._handle(record.value)
            except Exception:
                log.exception(
                    "event handling failed, retrying",
                    extra={"topic": tp.topic, "partition": tp.partition, "offset": record.offset},
                )
                self.readiness.problem(
                    self.component + ":handler", "handler_failing", "Ereignisse können nicht angewandt werden"
                )
                return done, record.offset
            EVENTS_CONSUMED.labels(tp.topic, outcome).inc()
            done = record.offset + 1
        return done, None

    async def _in_one_transaction(self, tp: TopicPartition, records: Sequence[ConsumerRecord]) -> bool:
        """Every record in one batch, in one worker thread hop; False if it was rolled back."""
        try:
            outcomes = await asyncio.to_thread(self._apply_all, records)
        except Exception as exc:  # noqa: BLE001  whatever failed, the records are applied again one by one
            log.warning(
                "batch rolled back, applying its events one by one",
                extra={"topic": tp.topic, "partition": tp.partition, "offsets": [records[0].offset, records[-1].offset],
                       "error": repr(exc)},
            )
            return False
        for outcome, count in Counter(outcomes).items():
            EVENTS_CONSUMED.labels(tp.topic, outcome).inc(count)
        return True

    def _apply_all(self, records: Sequence[ConsumerRecord]) -> list[str]:
        assert self.batch is not None
        with self.batch():
            outcomes = []
            for record in records:
                event = self._decode(record.value)
                handler = None if event is None else self.handlers.get(type(event.payload))
                if event is None:
                    outcomes.append("unreadable")
                elif handler is None:
                    outcomes.append("ignored")
                else:
                    outcomes.append(handler(event))
        return [_settled(outcome) for outcome in outcomes]

    async def _handle(self, value: bytes) -> str:
        event = self._decode(value)
        if event is None:
            return "unreadable"
        handler = self.handlers.get(type(event.payload))
        if handler is None:
            return "ignored"
        return _settled(await asyncio.to_thread(handler, event))

    def _decode(self, value: bytes) -> Event | None:
        try:
            return unwrap(value)
        except UnreadableEvent as exc:
            log.warning("unreadable event skipped", extra={"group": self.group_id, "error": str(exc)})
            return None

    async def _commit(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        try:
            await consumer.commit({tp: offset})
            self._committed[tp] = offset
        except KafkaError as exc:
            # A rebalance took the partition away (its new owner re-reads from the last commit),
            # or the broker is away: the next commit covers this one.
            log.warning("offset commit failed", extra={"topic": tp.topic, "error": repr(exc)})

    async def _check(self, consumer: AIOKafkaConsumer) -> None:
        """Probe the broker; rewind where it has lost this group's place."""
        try:
            view = await probe(consumer._client, self.topics)
        except (KafkaError, TimeoutError, OSError):
            self.readiness.problem(self.component, "broker_unreachable", "Kafka nicht erreichbar")
            return
        missing = view.missing(self.topics)
        if missing and self.settings.create_topics:
            try:
                await ensure_topics(self.settings, missing)
            except (KafkaError, OSError) as exc:
                log.warning("topics could not be created", extra={"topics": missing, "error": repr(exc)})
        elif missing:
            self.readiness.problem(
                self.component, "topic_missing", f"Topic fehlt auf dem Broker: {', '.join(missing)}"
            )
            return
        if self._cluster_id is not None and view.cluster_id != self._cluster_id:
            log.warning(
                "the broker is another cluster now; reading every partition again from the beginning",
                extra={"group": self.group_id, "was": self._cluster_id, "now": view.cluster_id},
            )
            await self._rewind(consumer, consumer.assignment())
        self._cluster_id = view.cluster_id
        lost = []
        for tp, mine in list(self._committed.items()):
            if tp not in consumer.assignment():
                continue
            try:
                theirs = await asyncio.wait_for(consumer.committed(tp), PROBE_TIMEOUT_S)
            except (KafkaError, TimeoutError):
                return  # the coordinator is moving; check again next time
            if theirs is None or theirs < mine:
                lost.append(tp)
        if lost:
            log.warning(
                "the broker lost the group's committed offsets; reading those partitions again",
                extra={"group": self.group_id, "partitions": [f"{tp.topic}/{tp.partition}" for tp in lost]},
            )
            await self._rewind(consumer, lost)
        self.readiness.ok(self.component)

    async def _rewind(self, consumer: AIOKafkaConsumer, partitions: Iterable[TopicPartition]) -> None:
        partitions = list(partitions)
        if partitions:
            await consumer.seek_to_beginning(*partitions)
        for tp in partitions:
            self._committed.pop(tp, None)
            self._next.pop(tp, None)
        self.rewinds += 1
        CONSUMER_REWOUND.labels(self.group_id).inc()

    def _export_lag(self, consumer: AIOKafkaConsumer) -> None:
        lag: dict[str, int] = dict.fromkeys(self.topics, 0)
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None and tp in self._next:
                lag[tp.topic] = lag.get(tp.topic, 0) + max(0, highwater - self._next[tp])
        for topic, value in lag.items():
            CONSUMER_LAG.labels(self.group_id, topic).set(value)


def _settled(outcome: Outcome) -> str:
    return outcome() if callable(outcome) else outcome


class _Forget(ConsumerRebalanceListener):
    """Partitions that change hands: what this consumer committed for them says nothing any more."""

    def __init__(self, owner: EventConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked) -> None:
        for tp in revoked:
            self.owner._committed.pop(tp, None)
            self.owner._next.pop(tp, None)

    async def on_partitions_assigned(self, assigned) -> None:
        pass


async def stop_quietly(consumer: AIOKafkaConsumer) -> None:
    """Stop a consumer whose broker may be gone; what fails then leaves nothing to do."""
    try:
        await consumer.stop()
    except asyncio.CancelledError:
        # aiokafka re-raises the cancellation of its own fetch task when the broker went away.
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
    except Exception as exc:  # stopping after a failed start may fail too
        log.debug("consumer stop failed", extra={"error": repr(exc)})
