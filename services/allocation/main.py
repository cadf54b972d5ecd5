"""The allocation service process: gRPC API, outbox relay, and the consumer of Antrag steps that
commit money (the completed Prüfung) or release it (the Verwendungsnachweis)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.antrag.v1 import events_pb2 as antrag_events  # noqa: F401  registers the payload types
from pakt.platform import events
from pakt.platform.kafka import run_consumer
from pakt.platform.outbox import OutboxRelay
from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from services.allocation.grpc_api import AllocationServicer
from services.allocation.service import AllocationService
from services.allocation.tables import outbox

MIGRATIONS = Path(__file__).parent / "migrations"


async def main(stop: asyncio.Event) -> None:
    runtime = ServiceRuntime(
        ServiceSettings.from_env("allocation"), MIGRATIONS, ["pakt.allocation.v1.AllocationService"]
    )
    relay = OutboxRelay(runtime.engine, outbox, runtime.use_producer())
    service = AllocationService(runtime.engine, on_events=relay.wake)
    allocation_pb2_grpc.add_AllocationServiceServicer_to_server(AllocationServicer(service), runtime.server.server)

    async def prepare() -> None:
        await asyncio.to_thread(service.seed_parameters)
        await asyncio.to_thread(service.ensure_verteilungen)

    async def on_event(event: events.Event) -> str:
        return await asyncio.to_thread(service.apply_antrag_event, event)

    async def consume_antraege(task_stop: asyncio.Event) -> None:
        await run_consumer(runtime.settings.kafka, "allocation", [events.ANTRAG_EVENTS], on_event, task_stop)

    runtime.add_task("outbox-relay", relay.run)
    runtime.add_task("antrag-consumer", consume_antraege)
    await runtime.run(stop, topics=events.ALL_TOPICS, on_ready=prepare)


def run() -> None:
    run_until_signalled(main)
