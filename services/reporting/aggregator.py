"""The reporting aggregation: a consumer group that folds the services' events into the read model.

It runs on the platform's consumer (pakt.platform.kafka.EventConsumer) like every other service:
offsets are committed only after an event is applied (at-least-once), applying is idempotent by
aggregate version, and a broker that lost the group's place is read again from the beginning; so
a redelivery, a replay or a republish from the owners' outboxes gives the same figures. The query
API (main.py) reads the database, never consumer state.

It applies the records of a partition that one poll returns in one transaction (`batch`): a
rebuild replays every event of the platform, and a transaction per event bounded it. A batch that
fails is rolled back and applied again one event at a time by the consumer.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from pakt.allocation.v1 import events_pb2 as allocation_events
from pakt.antrag.v1 import events_pb2 as antrag_events
from pakt.caseplan.v1 import events_pb2 as caseplan_events
from pakt.platform import events
from pakt.platform.db import make_engine, migrate
from pakt.platform.kafka import Batch, EventConsumer, Handlers
from pakt.platform.logging import configure_logging
from pakt.platform.metrics import serve_metrics
from pakt.platform.readiness import Readiness
from pakt.platform.runtime import run_until_signalled
from pakt.platform.settings import KafkaSettings, ServiceSettings, aggregator_metrics_port
from pakt.platform.unit_of_work import Units, UnitsOfWork
from services.reporting import projektion
from services.reporting.main import MIGRATIONS
from services.reporting.repository import ReportingRepository

log = logging.getLogger(__name__)

GROUP_ID = "pakt-reporting"
TOPICS = (events.ANTRAG_EVENTS, events.ALLOCATION_EVENTS, events.CASEPLAN_EVENTS)


def handlers(units: Units[ReportingRepository]) -> Handlers:
    """Every event type of the three topics, each with its handler. Every one of them counts the
    event per producer, Bescheide included: a rebuild measures its progress by that count, so no
    type may be left to the consumer's "ignored" (tests/unit/test_reporting_use_cases.py checks
    that the table names every event type)."""
    return {
        antrag_events.AntragEingereicht: partial(projektion.antrag, units),
        antrag_events.AntragBeschieden: partial(projektion.antrag, units),
        antrag_events.AntragFortgeschrieben: partial(projektion.antrag, units),
        allocation_events.VerteilungFestgelegt: partial(projektion.verteilung, units),
        allocation_events.BescheidErlassen: partial(projektion.bescheid, units),
        caseplan_events.PlanEroeffnet: partial(projektion.plan_eroeffnet, units),
        caseplan_events.ZielFortgeschrieben: partial(projektion.ziel_fortgeschrieben, units),
        caseplan_events.PlanUebergeben: partial(projektion.plan_uebergeben, units),
        caseplan_events.PlanAbgeschlossen: partial(projektion.plan_abgeschlossen, units),
    }


def batch(units: Units[ReportingRepository]) -> Batch:
    """The consumer's batch: the handlers' events in one transaction (projektion.stapel)."""
    return partial(projektion.stapel, units)


def consumer(settings: KafkaSettings, units: Units[ReportingRepository], readiness: Readiness | None = None) -> EventConsumer:
    return EventConsumer(settings, GROUP_ID, TOPICS, handlers(units), readiness or Readiness(), batch=batch(units))


async def main(stop: asyncio.Event) -> None:
    settings = ServiceSettings.from_env("reporting")
    configure_logging("reporting-aggregator", settings.log_level)
    serve_metrics(settings.bind_host, aggregator_metrics_port())
    engine = make_engine(settings.db_url)
    await asyncio.to_thread(migrate, engine, MIGRATIONS)
    units = UnitsOfWork(engine, ReportingRepository)
    # A database fault raises: the consumer retries the event with backoff, nothing is skipped.
    aggregation = consumer(settings.kafka, units)
    log.info("aggregation started", extra={"group": GROUP_ID})
    try:
        await aggregation.run(stop)
    finally:
        engine.dispose()
        log.info("stopped")


def run() -> None:
    run_until_signalled(main)


if __name__ == "__main__":
    run()
