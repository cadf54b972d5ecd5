"""gRPC entry point: turns requests into service-layer calls, off the event loop."""

from __future__ import annotations

import asyncio

from pakt.antrag.v1 import antrag_pb2, antrag_pb2_grpc
from services.antrag.service import AntragService


class AntragServicer(antrag_pb2_grpc.AntragServiceServicer):
    def __init__(self, service: AntragService) -> None:
        self.service = service

    async def SubmitAntrag(self, request, context):
        antrag = await asyncio.to_thread(self.service.submit, request)
        return antrag_pb2.SubmitAntragResponse(antrag=antrag)

    async def GetAntrag(self, request, context):
        antrag = await asyncio.to_thread(self.service.get, request.id)
        return antrag_pb2.GetAntragResponse(antrag=antrag)
