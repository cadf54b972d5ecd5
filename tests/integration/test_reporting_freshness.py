"""How current the read model is, measured against a real broker (Tansu): events waiting for the
aggregation group and how long the oldest has waited; an idle, caught-up group is current; a broker
that cannot be asked makes the lag unknown, not zero."""

from __future__ import annotations

import asyncio
import time

from pakt.platform.kafka import EventConsumer
from services.reporting.freshness import CACHE_S, Freshness
from tests.integration.test_event_consumer import TOPIC, Seen, _consuming, _eventually, _publish

GROUP = "pakt-reporting-test"


def test_lag_of_the_aggregation_group_against_the_topics(tansu):
    asyncio.run(_lag(tansu))


async def _lag(tansu) -> None:
    tansu.restart(topics={TOPIC: 3})
    settings = tansu.settings(3)
    freshness = Freshness(settings, GROUP, [TOPIC])
    try:
        empty = await freshness.rueckstand()
        assert (empty.broker_erreichbar, empty.ereignisse, empty.sekunden) == (True, 0, 0.0)

        await _publish(tansu.bootstrap, 0, 6)  # nobody has applied them
        await asyncio.sleep(1.2)
        waiting = await _fresh(freshness)
        assert waiting.ereignisse >= 1 and waiting.sekunden >= 1.0, waiting

        seen = Seen()
        async with _consuming(EventConsumer(settings, GROUP, [TOPIC], seen.handlers())):
            await _eventually(lambda: len(seen.ids) == 6, "applied")
            caught_up = None
            for _ in range(50):
                caught_up = await _fresh(freshness)
                if caught_up.ereignisse == 0:
                    break
            assert (caught_up.ereignisse, caught_up.sekunden) == (0, 0.0), caught_up
        time.sleep(2)  # idle for a while: still current, however old the newest event
        assert (await _fresh(freshness)).ereignisse == 0

        await _publish(tansu.bootstrap, 10, 1)  # the aggregation is stopped now
        await asyncio.sleep(1.5)
        behind = await _fresh(freshness)
        assert behind.ereignisse >= 1 and behind.sekunden >= 1.5, behind

        tansu.stop()
        unknown = await _fresh(freshness)
        assert (unknown.broker_erreichbar, unknown.ereignisse) == (False, 0)
    finally:
        await freshness.close()


async def _fresh(freshness: Freshness):
    await asyncio.sleep(CACHE_S)  # past the cache
    return await freshness.rueckstand()
