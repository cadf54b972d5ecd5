"""The platform's consumer against a real broker (Tansu): it skips nothing when the broker loses
its data (another cluster, or the same cluster without the group's offsets), retries a failing
handler from the failed event, commits a batch whole or applies it again event by event, and reports
why it is not ready while the broker is away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import asynccontextmanager, contextmanager

from aiokafka import AIOKafkaProducer

from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.antrag.v1.events_pb2 import AntragEingereicht
from pakt.platform.events import Event, wrap
from pakt.platform.kafka import EventConsumer
from pakt.platform.readiness import Readiness

TOPIC = "pakt.test.consumer"
PARTITIONS = 3
TIMEOUT_S = 60


async def _eventually(check: Callable[[], object], what: str, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s} s: {what}")
        await asyncio.sleep(0.1)


async def _publish(bootstrap: str, first: int, count: int) -> set[str]:
    """count events about aggregates k-<first>…, spread over the partitions; returns their ids."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    ids = set()
    try:
        for n in range(first, first + count):
            envelope = wrap(
                AntragEingereicht(antrag=Antrag(id=f"k-{n}", version=1)),
                aggregate_type="antrag",
                aggregate_key=f"k-{n}",
                aggregate_version=1,
                producer="test",
            )
            await producer.send_and_wait(TOPIC, envelope.SerializeToString(), key=envelope.aggregate_key.encode())
            ids.add(envelope.event_id)
    finally:
        await producer.stop()
    return ids


class Seen:
    """A handler that notes the events it applied; its first fail_first calls fail."""

    def __init__(self, fail_first: int = 0) -> None:
        self.ids: list[str] = []
        self.failures_left = fail_first

    def handlers(self) -> dict:
        return {AntragEingereicht: self}

    def __call__(self, event: Event) -> str:
        if self.failures_left:
            self.failures_left -= 1
            raise RuntimeError("database unavailable")
        self.ids.append(event.envelope.event_id)
        return "applied"


@asynccontextmanager
async def _consuming(consumer: EventConsumer):
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def test_nothing_is_skipped_when_the_broker_comes_back_as_another_cluster(tansu):
    consumer = asyncio.run(_broker_forgot(tansu, cluster_id=None))
    assert consumer.rewinds >= 1  # noticed by the cluster id


def test_nothing_is_skipped_when_the_broker_forgot_the_group_and_its_offsets(tansu):
    # Same cluster id: the client rejoins the unknown group and finds no committed offsets.
    asyncio.run(_broker_forgot(tansu, cluster_id="pakt-test-fixed"))


async def _broker_forgot(tansu, cluster_id: str | None) -> EventConsumer:
    """The new log holds more records than the consumer had read of the old one: resuming at its
    old positions would skip the new log's first records."""
    tansu.restart(topics={TOPIC: PARTITIONS}, cluster_id=cluster_id)
    seen = Seen()
    consumer = EventConsumer(tansu.settings(PARTITIONS), "test-group", [TOPIC], seen.handlers())
    async with _consuming(consumer):
        before = await _publish(tansu.bootstrap, 0, 30)
        await _eventually(lambda: before <= set(seen.ids), "the first events consumed")
        await asyncio.sleep(1)  # their offsets committed
        tansu.restart(topics={TOPIC: PARTITIONS}, cluster_id=cluster_id)
        after = await _publish(tansu.bootstrap, 100, 90)
        await _eventually(lambda: after <= set(seen.ids), "every event of the new log consumed")
    return consumer


def test_a_failing_handler_is_retried_from_the_failed_event(tansu):
    asyncio.run(_failing_handler(tansu))


async def _failing_handler(tansu) -> None:
    tansu.restart(topics={TOPIC: PARTITIONS})
    readiness = Readiness()
    seen = Seen(fail_first=3)
    consumer = EventConsumer(tansu.settings(PARTITIONS), "test-group", [TOPIC], seen.handlers(), readiness)
    async with _consuming(consumer):
        ids = await _publish(tansu.bootstrap, 0, 12)
        await _eventually(lambda: any(p.reason == "handler_failing" for p in readiness.problems().values()), "not ready")
        await _eventually(lambda: ids <= set(seen.ids), "every event applied after the failures")
        await _eventually(lambda: readiness.ready, "ready again")
    assert sorted(seen.ids) == sorted(ids)  # each once: the failed attempts applied nothing


def test_readiness_says_the_broker_is_away_and_recovers(tansu):
    asyncio.run(_broker_away(tansu))


async def _broker_away(tansu) -> None:
    tansu.restart(topics={TOPIC: PARTITIONS})
    readiness = Readiness()
    seen = Seen()
    consumer = EventConsumer(tansu.settings(PARTITIONS), "test-group", [TOPIC], seen.handlers(), readiness)
    async with _consuming(consumer):
        await _publish(tansu.bootstrap, 0, 3)
        await _eventually(lambda: len(seen.ids) == 3, "consumed")
        assert readiness.ready
        tansu.stop()
        await _eventually(lambda: not readiness.ready, "not ready while the broker is away", timeout_s=20)
        [problem] = readiness.problems().values()
        assert (problem.reason, problem.text) == ("broker_unreachable", "Kafka nicht erreichbar")
        tansu.start(topics={TOPIC: PARTITIONS})
        await _eventually(lambda: readiness.ready, "ready once the broker is back")
        later = await _publish(tansu.bootstrap, 10, 3)
        await _eventually(lambda: later <= set(seen.ids), "consuming again")


class Transactional:
    """A handler whose writes inside a batch count only once the batch ended without an error, as
    with a database transaction; outside one each event commits on its own. The event `fail_on`
    fails its first `failures` attempts."""

    def __init__(self, fail_on: str = "", failures: int = 0) -> None:
        self.committed: list[str] = []
        self.batches: list[int] = []
        self.pending: list[str] | None = None
        self.fail_on, self.failures = fail_on, failures

    @contextmanager
    def batch(self):
        self.pending = []
        try:
            yield
            self.committed += self.pending
            self.batches.append(len(self.pending))
        finally:
            self.pending = None

    def __call__(self, event: Event):
        event_id = event.envelope.event_id
        if self.pending is not None:
            self.pending.append(event_id)  # written before the failure: the rollback must drop it
        if event_id == self.fail_on and self.failures:
            self.failures -= 1
            raise RuntimeError("database unavailable")
        if self.pending is None:
            self.committed.append(event_id)
        # Inside a batch the outcome may be settled once the batch has committed.
        return (lambda: "applied") if self.pending is not None else "applied"


def test_batches_commit_whole_and_a_failing_one_is_applied_again_event_by_event(tansu):
    asyncio.run(_batches(tansu))


async def _batches(tansu) -> None:
    tansu.restart(topics={TOPIC: PARTITIONS})
    ids = await _publish(tansu.bootstrap, 0, 60)  # there before the first poll: batches of many
    handler = Transactional(fail_on=sorted(ids)[7], failures=2)
    readiness = Readiness()
    consumer = EventConsumer(
        tansu.settings(PARTITIONS), "test-group", [TOPIC], {AntragEingereicht: handler}, readiness, batch=handler.batch
    )
    async with _consuming(consumer):
        await _eventually(lambda: ids <= set(handler.committed), "every event applied")
        await _eventually(lambda: readiness.ready, "ready again")
        await asyncio.sleep(1)
    assert sorted(handler.committed) == sorted(ids)  # each once: the rolled-back batch left nothing
    assert max(handler.batches) > 1
    # Its batch failed, then the event alone (retried with backoff), then it went through.
    assert handler.failures == 0
