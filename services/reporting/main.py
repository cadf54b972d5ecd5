"""The reporting service process: answers the figures from the read model, and how current they
are (freshness.py).

The read model is written by the aggregation worker (aggregator.py), a separate process.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from pakt.platform.runtime import ServiceRuntime, run_until_signalled
from pakt.platform.settings import ServiceSettings
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting.freshness import Freshness
from services.reporting.grpc_api import ReportingServicer
from services.reporting.repository import ReportingRepository

MIGRATIONS = Path(__file__).parent / "migrations"
GRPC_SERVICE_NAME = reporting_pb2.DESCRIPTOR.services_by_name["ReportingService"].full_name


async def main(stop: asyncio.Event) -> None:
    from services.reporting.aggregator import GROUP_ID, TOPICS  # it imports MIGRATIONS from here

    runtime = ServiceRuntime(ServiceSettings.from_env("reporting"), MIGRATIONS, [GRPC_SERVICE_NAME])
    freshness = Freshness(runtime.settings.kafka, GROUP_ID, TOPICS)
    units = UnitsOfWork(runtime.engine, ReportingRepository)
    reporting_pb2_grpc.add_ReportingServiceServicer_to_server(ReportingServicer(units, freshness), runtime.server.server)
    try:
        await runtime.run(stop)
    finally:
        await freshness.close()


def run() -> None:
    run_until_signalled(main)
