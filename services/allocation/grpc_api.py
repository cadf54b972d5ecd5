"""gRPC entry point of the allocation service: requests to service-layer calls, off the event loop."""

from __future__ import annotations

import asyncio

from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.platform.auth import caller
from services.allocation.erhebung import ErhebungImport, read_import_stream
from services.allocation.service import AllocationService
from services.allocation.umverteilung import Umverteilung


class AllocationServicer(allocation_pb2_grpc.AllocationServiceServicer):
    def __init__(
        self, service: AllocationService, erhebung: ErhebungImport | None = None, umverteilung: Umverteilung | None = None
    ) -> None:
        self.service = service
        self.erhebung = erhebung or ErhebungImport(service.engine, service)
        self.umverteilung = umverteilung or Umverteilung(service)

    async def GetPlanungsrahmen(self, request, context):
        rahmen = await asyncio.to_thread(
            self.service.get_planungsrahmen, request.kommune_ags, request.programm, request.foerderjahr
        )
        return pb.GetPlanungsrahmenResponse(planungsrahmen=rahmen)

    async def ListPlanungsrahmen(self, request, context):
        rows, token = await asyncio.to_thread(
            self.service.list_planungsrahmen,
            request.kreis_ags,
            request.programm,
            request.foerderjahr,
            request.page_size,
            request.page_token,
        )
        return pb.ListPlanungsrahmenResponse(planungsrahmen=rows, next_page_token=token)

    async def ExplainPlanungsrahmen(self, request, context):
        rechenweg = await asyncio.to_thread(
            self.service.explain, request.kommune_ags, request.programm, request.foerderjahr, request.stand, request.tranche
        )
        return pb.ExplainPlanungsrahmenResponse(rechenweg=rechenweg)

    async def CompareVerteilungen(self, request, context):
        return await asyncio.to_thread(self.service.compare, request.programm, request.foerderjahr, request.kreis_ags)

    async def ListParameter(self, request, context):
        rows = await asyncio.to_thread(self.service.list_parameter, request.art, request.programm, request.foerderjahr)
        return pb.ListParameterResponse(parameter=rows)

    async def SetParameter(self, request, context):
        return await asyncio.to_thread(self.service.set_parameter, caller(), request)

    async def SimulateUmverteilung(self, request, context):
        return await asyncio.to_thread(self.umverteilung.simulate, request.programm, request.foerderjahr)

    async def ApplyUmverteilung(self, request, context):
        return await asyncio.to_thread(self.umverteilung.apply, caller(), request)

    async def ImportErhebung(self, request_iterator, context):
        principal = caller()
        self.erhebung.check_allowed(principal)  # before reading the file
        kopf, zeilen = await read_import_stream(request_iterator)
        return await asyncio.to_thread(self.erhebung.import_, principal, kopf, zeilen)
