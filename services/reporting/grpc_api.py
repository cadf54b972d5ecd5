"""gRPC entry point of the reporting service."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from services.reporting.readmodel import ReadModel


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    def __init__(self, readmodel: ReadModel) -> None:
        self.readmodel = readmodel

    async def GetUtilisation(self, request, context):
        rows = await asyncio.to_thread(self.readmodel.utilisation, request.by, request.foerderjahr)
        applied = await asyncio.to_thread(self.readmodel.events_applied)
        return reporting_pb2.GetUtilisationResponse(
            rows=[reporting_pb2.UtilisationRow(**asdict(r)) for r in rows], events_applied=applied
        )
