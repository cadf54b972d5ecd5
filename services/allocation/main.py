"""The allocation service process: gRPC API, outbox relay, and the consumer of Antrag steps that
commit money (the completed Prüfung) or release it (the Verwendungsnachweis)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from pakt.allocation.v1 import allocation_pb2, allocation_pb2_grpc
from pakt.antrag.v1 import events_pb2 as antrag_events
from pakt.platform import events
from pakt.platform.errors import FailedPrecondition
from pakt.platform.kafka import EventConsumer, make_producer
from pakt.platform.outbox import OutboxRelay
from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from pakt.platform.unit_of_work import UnitsOfWork, utcnow
from services.allocation import entscheidung, haushalt, verteilung
from services.allocation.grpc_api import AllocationServicer
from services.allocation.repository import AllocationRepository
from services.allocation.tables import idempotenzschluessel, inbox, outbox, outbox_relay_state

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
GRPC_SERVICE_NAME = allocation_pb2.DESCRIPTOR.services_by_name["AllocationService"].full_name
PARAMETER_CHECK_S = 600


def units_of_work(
    engine: Engine, on_events: Callable[[], None] = lambda: None, clock: Callable[[], datetime] = utcnow
) -> UnitsOfWork[AllocationRepository]:
    return UnitsOfWork(
        engine, AllocationRepository, outbox=outbox, keys=idempotenzschluessel, inbox=inbox, clock=clock,
        on_events=on_events,
    )


def prepare(units: UnitsOfWork[AllocationRepository]) -> None:
    """Before serving: the seeded parameters, and the Verteilungen they and the counts give."""
    haushalt.seed_parameters(units)
    verteilung.ensure_verteilungen(units)


async def main(stop: asyncio.Event) -> None:
    runtime = ServiceRuntime(ServiceSettings.from_env("allocation"), MIGRATIONS, [GRPC_SERVICE_NAME])
    kafka = runtime.settings.kafka
    relay = OutboxRelay(runtime.engine, outbox, outbox_relay_state, make_producer(kafka), kafka, runtime.readiness)
    units = units_of_work(runtime.engine, on_events=relay.wake)
    allocation_pb2_grpc.add_AllocationServiceServicer_to_server(AllocationServicer(units), runtime.server.server)

    async def follow_parameters(task_stop: asyncio.Event) -> None:
        """Versions dated in the future come into force on their day: check for them regularly."""
        while not task_stop.is_set():
            try:
                await asyncio.wait_for(task_stop.wait(), PARAMETER_CHECK_S)
            except TimeoutError:
                try:
                    await asyncio.to_thread(verteilung.ensure_verteilungen, units)
                except FailedPrecondition as exc:
                    # The Planungsrahmen in force stay; an operator must resolve what blocks the new ones.
                    log.error("new parameters in force cannot be applied", extra={"reason": str(exc)})

    # Completed Prüfungen commit money, Verwendungsnachweise release it.
    handlers = {antrag_events.AntragFortgeschrieben: functools.partial(entscheidung.apply_antrag_event, units)}
    antraege = EventConsumer(kafka, "allocation", [events.ANTRAG_EVENTS], handlers, runtime.readiness)
    runtime.add_task("outbox-relay", relay.run)
    runtime.add_task("antrag-consumer", antraege.run)
    runtime.add_task("parameter-follower", follow_parameters)
    await runtime.run(stop, topics=events.ALL_TOPICS, on_ready=lambda: asyncio.to_thread(prepare, units))


def run() -> None:
    run_until_signalled(main)
