"""How far the aggregation is behind the topics: what the dashboard's "Stand" and its warning rest on.

Measured against the broker, not the clock: the offsets the aggregation group committed, the
partitions' ends, and for every partition with events waiting the timestamp of the first of them
(when it reached the broker). An idle platform is therefore current however old its newest event,
and a stopped aggregation is behind as soon as one event waits for it.

The local broker reports the end of a partition as its last record batch's offset + 1, which can
lie below the true end; so whether an event waits is decided by fetching the record at the
committed offset, and the count from the end offsets is a lower bound of at least one.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from pakt.platform.kafka import PROBE_TIMEOUT_S, probe, stop_quietly
from pakt.platform.settings import KafkaSettings

log = logging.getLogger(__name__)

CACHE_S = 1.0
# How long a measurement waits for the first waiting record of each partition behind.
FETCH_S = 1.5


@dataclass(frozen=True)
class Rueckstand:
    broker_erreichbar: bool
    ereignisse: int = 0
    sekunden: float = 0.0


class Freshness:
    def __init__(self, settings: KafkaSettings, group_id: str, topics: Iterable[str]) -> None:
        self.settings = settings
        self.group_id = group_id
        self.topics = list(topics)
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()
        self._cached: tuple[float, Rueckstand] | None = None

    async def rueckstand(self) -> Rueckstand:
        """The aggregation's lag, measured at most once a CACHE_S for all callers."""
        async with self._lock:
            if self._cached and time.monotonic() - self._cached[0] < CACHE_S:
                return self._cached[1]
            try:
                result = await asyncio.wait_for(self._measure(), PROBE_TIMEOUT_S * 2)
            except (KafkaError, TimeoutError, OSError) as exc:
                log.warning("lag of the aggregation not measurable", extra={"error": repr(exc)})
                await self.close()
                result = Rueckstand(broker_erreichbar=False)
            self._cached = (time.monotonic(), result)
            return result

    async def _measure(self) -> Rueckstand:
        consumer = await self._client()
        view = await probe(consumer._client, self.topics)
        tps = [TopicPartition(t, p) for t, n in view.partitions.items() for p in range(n)]
        if not tps:
            return Rueckstand(broker_erreichbar=True)
        committed = {tp: max((await consumer.committed(tp)) or 0, 0) for tp in tps}
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, committed[tp])
        known_behind = {tp for tp in tps if ends[tp] > committed[tp]}
        first_waiting: dict[TopicPartition, ConsumerRecord] = {}
        deadline = time.monotonic() + FETCH_S
        while time.monotonic() < deadline and not known_behind <= set(first_waiting):
            fetched = await consumer.getmany(*tps, timeout_ms=100, max_records=len(tps) * 50)
            for tp, records in fetched.items():
                if records and tp not in first_waiting:
                    first_waiting[tp] = records[0]
        if not known_behind and not first_waiting:
            # One short look for a waiting record the end offsets did not show (the local broker).
            for tp, records in (await consumer.getmany(*tps, timeout_ms=100)).items():
                if records:
                    first_waiting[tp] = records[0]
        count = 0
        for tp in tps:
            behind = max(0, ends[tp] - committed[tp])
            count += max(behind, 1 if tp in first_waiting else 0)
        oldest_ms = min((r.timestamp for r in first_waiting.values()), default=None)
        seconds = 0.0 if oldest_ms is None else max(0.0, time.time() - oldest_ms / 1000)
        return Rueckstand(broker_erreichbar=True, ereignisse=count, sekunden=seconds)

    async def _client(self) -> AIOKafkaConsumer:
        """A consumer in the aggregation's group that never joins it (no subscription): it reads the
        group's committed offsets and fetches by hand, and commits nothing."""
        if self._consumer is None:
            s = self.settings
            consumer = AIOKafkaConsumer(
                bootstrap_servers=s.bootstrap_servers,
                security_protocol=s.security_protocol,
                group_id=self.group_id,
                enable_auto_commit=False,
            )
            try:
                await consumer.start()
            except BaseException:
                await stop_quietly(consumer)
                raise
            self._consumer = consumer
        return self._consumer

    async def close(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await stop_quietly(consumer)

