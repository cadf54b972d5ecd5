"""Process entry point of the case-plan service."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pakt.caseplan.v1 import caseplan_pb2, caseplan_pb2_grpc
from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from services.caseplan.grpc_api import CasePlanServicer
from services.caseplan.service import CasePlanService

MIGRATIONS = Path(__file__).parent / "migrations"
GRPC_SERVICE_NAME = caseplan_pb2.DESCRIPTOR.services_by_name["CasePlanService"].full_name


async def main(stop: asyncio.Event) -> None:
    runtime = ServiceRuntime(ServiceSettings.from_env("caseplan"), MIGRATIONS, [GRPC_SERVICE_NAME])
    servicer = CasePlanServicer(CasePlanService(runtime.engine))
    caseplan_pb2_grpc.add_CasePlanServiceServicer_to_server(servicer, runtime.server.server)
    # The case-plan service neither publishes nor consumes events yet.
    await runtime.run(stop, topics=())


def run() -> None:
    run_until_signalled(main)
