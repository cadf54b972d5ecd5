"""Process entry point of the case-plan service: gRPC API, outbox relay, and the hourly erasure
of personal data whose retention has ended."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, event

from pakt.caseplan.v1 import caseplan_pb2, caseplan_pb2_grpc
from pakt.platform import events
from pakt.platform.kafka import make_producer
from pakt.platform.outbox import OutboxRelay
from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from pakt.platform.unit_of_work import UnitsOfWork
from services.caseplan import betrieb
from services.caseplan.crypto import FieldCipher, Keyring
from services.caseplan.grpc_api import CasePlanServicer
from services.caseplan.repository import CasePlanRepository
from services.caseplan.tables import idempotenzschluessel, outbox, outbox_relay_state

MIGRATIONS = Path(__file__).parent / "migrations"
GRPC_SERVICE_NAME = caseplan_pb2.DESCRIPTOR.services_by_name["CasePlanService"].full_name
RETENTION_CHECK_S = 3600


def units_of_work(
    engine: Engine, cipher: FieldCipher, on_events: Callable[[], None] = lambda: None
) -> UnitsOfWork[CasePlanRepository]:
    """The case-plan database's units of work: the repository with the master keys, the outbox and
    the idempotency keys."""
    return UnitsOfWork(
        engine, partial(CasePlanRepository, cipher=cipher), outbox=outbox, keys=idempotenzschluessel,
        on_events=on_events,
    )


def secure_delete(engine: Engine) -> None:
    """On SQLite, deleted rows are overwritten in the file, so erased ciphertexts do not linger in
    free pages."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", lambda dbapi, _: dbapi.execute("PRAGMA secure_delete=ON"))


async def main(stop: asyncio.Event) -> None:
    runtime = ServiceRuntime(ServiceSettings.from_env("caseplan"), MIGRATIONS, [GRPC_SERVICE_NAME])
    aufbewahrung = betrieb.Aufbewahrung.from_env()
    cipher = FieldCipher(Keyring.from_env())
    secure_delete(runtime.engine)
    kafka = runtime.settings.kafka
    relay = OutboxRelay(runtime.engine, outbox, outbox_relay_state, make_producer(kafka), kafka, runtime.readiness)
    units = units_of_work(runtime.engine, cipher, on_events=relay.wake)
    caseplan_pb2_grpc.add_CasePlanServiceServicer_to_server(CasePlanServicer(units), runtime.server.server)

    async def erase_expired(task_stop: asyncio.Event) -> None:
        while not task_stop.is_set():
            await asyncio.to_thread(betrieb.erase_expired, units, aufbewahrung)
            try:
                await asyncio.wait_for(task_stop.wait(), RETENTION_CHECK_S)
            except TimeoutError:
                pass

    runtime.add_task("outbox-relay", relay.run)
    runtime.add_task("aufbewahrung", erase_expired)
    await runtime.run(stop, topics=events.ALL_TOPICS)


def run() -> None:
    run_until_signalled(main)
