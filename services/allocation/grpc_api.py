"""gRPC entry point of the allocation service."""

from __future__ import annotations

import asyncio

from pakt.allocation.v1 import allocation_pb2, allocation_pb2_grpc
from services.allocation.service import AllocationService


class AllocationServicer(allocation_pb2_grpc.AllocationServiceServicer):
    def __init__(self, service: AllocationService) -> None:
        self.service = service

    async def GetPlanungsrahmen(self, request, context):
        rahmen = await asyncio.to_thread(
            self.service.get_planungsrahmen, request.kommune_ags, request.programm, request.foerderjahr
        )
        return allocation_pb2.GetPlanungsrahmenResponse(planungsrahmen=rahmen)

    async def ListPlanungsrahmen(self, request, context):
        rows, token = await asyncio.to_thread(
            self.service.list_planungsrahmen,
            request.kreis_ags,
            request.programm,
            request.foerderjahr,
            request.page_size,
            request.page_token,
        )
        return allocation_pb2.ListPlanungsrahmenResponse(planungsrahmen=rows, next_page_token=token)
