"""The reporting aggregation: a consumer group that folds every event into the read model.

It runs on the platform's consumer (pakt.platform.kafka.EventConsumer) like every other service:
offsets are committed only after an event is applied (at-least-once), applying is idempotent by
aggregate version, and a broker that lost the group's place is read again from the beginning; so
a redelivery, a replay or a republish from the owners' outboxes gives the same figures. The query
API (main.py) reads the database, never consumer state.
"""

from __future__ import annotations

import asyncio
import logging

from pakt.allocation.v1 import events_pb2 as allocation_events  # noqa: F401  registers payload types
from pakt.antrag.v1 import events_pb2 as antrag_events  # noqa: F401  registers payload types
from pakt.caseplan.v1 import events_pb2 as caseplan_events  # noqa: F401  registers payload types
from pakt.platform import events
from pakt.platform.db import make_engine, migrate
from pakt.platform.kafka import EventConsumer
from pakt.platform.logging import configure_logging
from pakt.platform.metrics import serve_metrics
from pakt.platform.readiness import Readiness
from pakt.platform.runtime import run_until_signalled
from pakt.platform.settings import ServiceSettings, aggregator_metrics_port
from services.reporting.main import MIGRATIONS
from services.reporting.readmodel import ReadModel

log = logging.getLogger(__name__)

GROUP_ID = "pakt-reporting"
TOPICS = (events.ANTRAG_EVENTS, events.ALLOCATION_EVENTS, events.CASEPLAN_EVENTS)


async def main(stop: asyncio.Event) -> None:
    settings = ServiceSettings.from_env("reporting")
    configure_logging("reporting-aggregator", settings.log_level)
    serve_metrics(settings.bind_host, aggregator_metrics_port())
    engine = make_engine(settings.db_url)
    await asyncio.to_thread(migrate, engine, MIGRATIONS)
    readmodel = ReadModel(engine)

    # Every event goes to the read model, which applies its types and counts every event it
    # processed per producer (how a rebuild knows how far it got). A database fault raises: the
    # consumer retries the event with backoff, nothing is skipped.
    consumer = EventConsumer(settings.kafka, GROUP_ID, TOPICS, {}, Readiness(), otherwise=readmodel.apply)
    log.info("aggregation started", extra={"group": GROUP_ID})
    try:
        await consumer.run(stop)
    finally:
        engine.dispose()
        log.info("stopped")


def run() -> None:
    run_until_signalled(main)


if __name__ == "__main__":
    run()
