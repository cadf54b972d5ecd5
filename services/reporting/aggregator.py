"""The reporting aggregation: a Faust worker that folds every event into the read model.

Offsets are acknowledged only after an event is applied (at-least-once), and applying is
idempotent by aggregate version, so a redelivery or a full replay gives the same figures. The
query API reads the database, never a Faust table, so it cannot answer from a lagging standby.
"""

from __future__ import annotations

import asyncio
import logging
import faust
from sqlalchemy import Engine

from pakt.allocation.v1 import events_pb2 as allocation_events  # noqa: F401  registers payload types
from pakt.antrag.v1 import events_pb2 as antrag_events  # noqa: F401  registers payload types
from pakt.caseplan.v1 import events_pb2 as caseplan_events  # noqa: F401  registers payload types
from pakt.platform import events
from pakt.platform.db import make_engine, migrate
from pakt.platform.logging import JsonFormatter
from pakt.platform.metrics import EVENTS_CONSUMED, serve_metrics
from pakt.platform.settings import ServiceSettings, aggregator_metrics_port
from services.reporting.main import MIGRATIONS
from services.reporting.readmodel import ReadModel

log = logging.getLogger(__name__)


def create_app(settings: ServiceSettings, engine: Engine) -> faust.App:
    kafka = settings.kafka
    app = faust.App(
        "pakt-reporting",
        broker=f"kafka://{kafka.bootstrap_servers}",
        store="memory://",
        web_enabled=False,
        consumer_auto_offset_reset="earliest",
        topic_partitions=kafka.topic_partitions,
        topic_allow_declare=kafka.create_topics,
        producer_acks=-1,
        broker_rebalance_timeout=kafka.rebalance_timeout_ms / 1000,
        broker_session_timeout=max(6.0, kafka.rebalance_timeout_ms / 500),
        broker_heartbeat_interval=1.0,
    )
    readmodel = ReadModel(engine)
    topics = app.topic(
        events.ANTRAG_EVENTS,
        events.ALLOCATION_EVENTS,
        events.CASEPLAN_EVENTS,
        key_serializer="raw",
        value_serializer="raw",
    )

    @app.agent(topics)
    async def aggregate(stream):
        async for record in stream.events():
            outcome = await _apply_with_retry(readmodel, record.value)
            EVENTS_CONSUMED.labels(record.message.topic, outcome).inc()

    return app


async def _apply_with_retry(readmodel: ReadModel, value: bytes) -> str:
    try:
        event = events.unwrap(value)
    except events.UnreadableEvent as exc:
        log.warning("unreadable event skipped", extra={"error": str(exc)})
        return "unreadable"
    backoff = 0.5
    while True:
        try:
            return await asyncio.to_thread(readmodel.apply, event)
        except Exception:
            # The database is the only thing that can fail here; keep the event, try again.
            log.exception("applying event failed, retrying", extra={"event_id": event.envelope.event_id})
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10)


def run() -> None:
    settings = ServiceSettings.from_env("reporting")
    serve_metrics(settings.bind_host, aggregator_metrics_port())
    engine = make_engine(settings.db_url)
    migrate(engine, MIGRATIONS)
    app = create_app(settings, engine)
    logging_config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter, "service": "reporting-aggregator"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        "root": {"handlers": ["stdout"], "level": settings.log_level},
        "loggers": {"aiokafka": {"level": "WARNING"}},
    }
    worker = faust.Worker(
        app, loglevel=settings.log_level, logging_config=logging_config, redirect_stdouts=False, quiet=True
    )
    # Faust's worker handles SIGTERM and SIGINT itself: it stops the agents, commits and exits.
    worker.execute_from_commandline()


if __name__ == "__main__":
    run()
