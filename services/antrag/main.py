"""The antrag service process: gRPC API, outbox relay, the consumer of allocation's Bescheide, and
the self-repair that asks again for Bescheide that have not come (nachfrage.py)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from pakt.allocation.v1 import events_pb2 as allocation_events
from pakt.antrag.v1 import antrag_pb2, antrag_pb2_grpc
from pakt.platform import events
from pakt.platform.kafka import EventConsumer, make_producer
from pakt.platform.outbox import OutboxRelay
from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from pakt.platform.unit_of_work import UnitsOfWork, utcnow
from services.antrag import bescheid, nachfrage
from services.antrag.grpc_api import AntragServicer
from services.antrag.repository import AntragRepository
from services.antrag.tables import (
    idempotenzschluessel,
    inbox,
    outbox,
    outbox_relay_state,
)

MIGRATIONS = Path(__file__).parent / "migrations"
GRPC_SERVICE_NAME = antrag_pb2.DESCRIPTOR.services_by_name["AntragService"].full_name


def units_of_work(
    engine: Engine, on_events: Callable[[], None] = lambda: None, clock: Callable[[], datetime] = utcnow
) -> UnitsOfWork[AntragRepository]:
    return UnitsOfWork(
        engine, AntragRepository, outbox=outbox, keys=idempotenzschluessel, inbox=inbox, clock=clock, on_events=on_events
    )


async def main(stop: asyncio.Event) -> None:
    runtime = ServiceRuntime(ServiceSettings.from_env("antrag"), MIGRATIONS, [GRPC_SERVICE_NAME])
    kafka = runtime.settings.kafka
    relay = OutboxRelay(runtime.engine, outbox, outbox_relay_state, make_producer(kafka), kafka, runtime.readiness)
    units = units_of_work(runtime.engine, on_events=relay.wake)
    antrag_pb2_grpc.add_AntragServiceServicer_to_server(AntragServicer(units), runtime.server.server)

    handlers = {allocation_events.BescheidErlassen: lambda e: bescheid.apply_bescheid(units, e.envelope, e.payload)}
    bescheide = EventConsumer(kafka, "antrag", [events.ALLOCATION_EVENTS], handlers, runtime.readiness)
    runtime.add_task("outbox-relay", relay.run)
    runtime.add_task("bescheid-consumer", bescheide.run)
    runtime.add_task("bescheid-nachfrage", functools.partial(nachfrage.run, units))
    await runtime.run(stop, topics=events.ALL_TOPICS)


def run() -> None:
    run_until_signalled(main)
