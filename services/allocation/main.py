"""The allocation service process: gRPC API, outbox relay, and the consumer of Antrag steps that
commit money (the completed Prüfung) or release it (the Verwendungsnachweis)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from pakt.allocation.v1 import allocation_pb2, allocation_pb2_grpc
from pakt.antrag.v1 import events_pb2 as antrag_events
from pakt.platform import events
from pakt.platform.errors import FailedPrecondition
from pakt.platform.kafka import EventConsumer, make_producer
from pakt.platform.outbox import OutboxRelay
from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from services.allocation.erhebung import ErhebungImport
from services.allocation.grpc_api import AllocationServicer
from services.allocation.service import AllocationService
from services.allocation.tables import outbox, outbox_relay_state
from services.allocation.umverteilung import Umverteilung

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
GRPC_SERVICE_NAME = allocation_pb2.DESCRIPTOR.services_by_name["AllocationService"].full_name
PARAMETER_CHECK_S = 600


async def main(stop: asyncio.Event) -> None:
    runtime = ServiceRuntime(ServiceSettings.from_env("allocation"), MIGRATIONS, [GRPC_SERVICE_NAME])
    kafka = runtime.settings.kafka
    relay = OutboxRelay(runtime.engine, outbox, outbox_relay_state, make_producer(kafka), kafka, runtime.readiness)
    service = AllocationService(runtime.engine, on_events=relay.wake)
    servicer = AllocationServicer(service, ErhebungImport(runtime.engine, service), Umverteilung(service))
    allocation_pb2_grpc.add_AllocationServiceServicer_to_server(servicer, runtime.server.server)

    async def prepare() -> None:
        await asyncio.to_thread(service.seed_parameters)
        await asyncio.to_thread(service.ensure_verteilungen)

    async def follow_parameters(task_stop: asyncio.Event) -> None:
        """Versions dated in the future come into force on their day: check for them regularly."""
        while not task_stop.is_set():
            try:
                await asyncio.wait_for(task_stop.wait(), PARAMETER_CHECK_S)
            except TimeoutError:
                try:
                    await asyncio.to_thread(service.ensure_verteilungen)
                except FailedPrecondition as exc:
                    # The Planungsrahmen in force stay; an operator must resolve what blocks the new ones.
                    log.error("new parameters in force cannot be applied", extra={"reason": str(exc)})

    # Completed Prüfungen commit money, Verwendungsnachweise release it (apply_antrag_event).
    handlers = {antrag_events.AntragFortgeschrieben: service.apply_antrag_event}
    antraege = EventConsumer(kafka, "allocation", [events.ANTRAG_EVENTS], handlers, runtime.readiness)
    runtime.add_task("outbox-relay", relay.run)
    runtime.add_task("antrag-consumer", antraege.run)
    runtime.add_task("parameter-follower", follow_parameters)
    await runtime.run(stop, topics=events.ALL_TOPICS, on_ready=prepare)


def run() -> None:
    run_until_signalled(main)
