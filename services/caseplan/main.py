"""Process entry point of the case-plan service: gRPC API, outbox relay, and the daily erasure
of personal data whose retention has ended."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy import event

from pakt.caseplan.v1 import caseplan_pb2, caseplan_pb2_grpc
from pakt.platform import events
from pakt.platform.kafka import make_producer
from pakt.platform.outbox import OutboxRelay
from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from services.caseplan.crypto import FieldCipher, Keyring
from services.caseplan.grpc_api import CasePlanServicer
from services.caseplan.service import Aufbewahrung, CasePlanService
from services.caseplan.tables import outbox, outbox_relay_state

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
GRPC_SERVICE_NAME = caseplan_pb2.DESCRIPTOR.services_by_name["CasePlanService"].full_name
RETENTION_CHECK_S = 3600


async def main(stop: asyncio.Event) -> None:
    runtime = ServiceRuntime(ServiceSettings.from_env("caseplan"), MIGRATIONS, [GRPC_SERVICE_NAME])
    aufbewahrung = Aufbewahrung.from_env()
    cipher = FieldCipher(Keyring.from_env())
    if runtime.engine.dialect.name == "sqlite":
        # Deleted rows are overwritten in the file, so erased ciphertexts do not linger in free pages.
        event.listen(runtime.engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA secure_delete=ON"))
    kafka = runtime.settings.kafka
    relay = OutboxRelay(runtime.engine, outbox, outbox_relay_state, make_producer(kafka), kafka, runtime.readiness)
    service = CasePlanService(runtime.engine, cipher, on_events=relay.wake)
    caseplan_pb2_grpc.add_CasePlanServiceServicer_to_server(CasePlanServicer(service), runtime.server.server)

    async def erase_expired(task_stop: asyncio.Event) -> None:
        while not task_stop.is_set():
            await asyncio.to_thread(service.erase_expired, aufbewahrung)
            try:
                await asyncio.wait_for(task_stop.wait(), RETENTION_CHECK_S)
            except TimeoutError:
                pass

    runtime.add_task("outbox-relay", relay.run)
    runtime.add_task("aufbewahrung", erase_expired)
    await runtime.run(stop, topics=events.ALL_TOPICS)


def run() -> None:
    run_until_signalled(main)
