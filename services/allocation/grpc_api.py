"""gRPC entry point of the allocation service: requests to service-layer calls, off the event loop.

Every RPC first checks its caller with kommune_or_operator, which refuses Integrationsmanager
identities (they are for the case-plan service only); which steps need the Bewilligungsstelle is
checked in the service layer."""

from __future__ import annotations

import asyncio

from pakt.allocation.v1 import allocation_pb2 as pb
from pakt.allocation.v1 import allocation_pb2_grpc
from pakt.platform.auth import kommune_or_operator
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

    async def _run(self, use_case, *args):
        """A use case that does not depend on who calls, once the caller is checked."""
        kommune_or_operator()
        return await asyncio.to_thread(use_case, *args)

    async def _run_as_caller(self, use_case, *args):
        """A use case that gets the caller's principal as its first argument."""
        return await asyncio.to_thread(use_case, kommune_or_operator(), *args)

    async def GetPlanungsrahmen(self, request, context):
        rahmen = await self._run(
            self.service.get_planungsrahmen, request.kommune_ags, request.programm, request.foerderjahr
        )
        return pb.GetPlanungsrahmenResponse(planungsrahmen=rahmen)

    async def ListPlanungsrahmen(self, request, context):
        rows, token = await self._run(
            self.service.list_planungsrahmen,
            request.kreis_ags,
            request.programm,
            request.foerderjahr,
            request.page_size,
            request.page_token,
        )
        return pb.ListPlanungsrahmenResponse(planungsrahmen=rows, next_page_token=token)

    async def ExplainPlanungsrahmen(self, request, context):
        rechenweg = await self._run(
            self.service.explain, request.kommune_ags, request.programm, request.foerderjahr, request.stand, request.tranche
        )
        return pb.ExplainPlanungsrahmenResponse(rechenweg=rechenweg)

    async def CompareVerteilungen(self, request, context):
        return await self._run(self.service.compare, request.programm, request.foerderjahr, request.kreis_ags)

    async def ListParameter(self, request, context):
        rows = await self._run(self.service.list_parameter, request.art, request.programm, request.foerderjahr)
        return pb.ListParameterResponse(parameter=rows)

    async def SetParameter(self, request, context):
        return await self._run_as_caller(self.service.set_parameter, request)

    async def SimulateUmverteilung(self, request, context):
        return await self._run(self.umverteilung.simulate, request.programm, request.foerderjahr)

    async def ApplyUmverteilung(self, request, context):
        return await self._run_as_caller(self.umverteilung.apply, request)

    async def ImportErhebung(self, request_iterator, context):
        principal = kommune_or_operator()
        self.erhebung.check_allowed(principal)  # before reading the file
        kopf, zeilen = await read_import_stream(request_iterator)
        return await asyncio.to_thread(self.erhebung.import_, principal, kopf, zeilen)

    # -- reconciliation and rebuild: operators only, checked in the service layer --

    async def ListBescheide(self, request, context):
        return await self._run_as_caller(self.service.list_bescheide, request)

    async def Republish(self, request, context):
        return await self._run_as_caller(self.service.republish, request)
