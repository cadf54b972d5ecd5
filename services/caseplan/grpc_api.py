"""gRPC entry point: turns requests into service-layer calls, and results into messages."""

from __future__ import annotations

import asyncio

import grpc

from pakt.caseplan.v1 import caseplan_pb2, caseplan_pb2_grpc
from services.caseplan.service import CasePlanService


class CasePlanServicer(caseplan_pb2_grpc.CasePlanServiceServicer):
    def __init__(self, service: CasePlanService) -> None:
        self._service = service

    async def GetFallzahlen(
        self, request: caseplan_pb2.GetFallzahlenRequest, context: grpc.aio.ServicerContext
    ) -> caseplan_pb2.GetFallzahlenResponse:
        # proto3 has no absent string: empty means "all Kreise".
        kreis_ags = request.kreis_ags or None
        fallzahlen = await asyncio.to_thread(self._service.fallzahlen, kreis_ags)
        return caseplan_pb2.GetFallzahlenResponse(
            fallzahlen=[
                caseplan_pb2.Fallzahl(
                    kommune_ags=f.kommune_ags, offene_plaene=f.offene_plaene, suppressed=f.suppressed
                )
                for f in fallzahlen
            ]
        )
