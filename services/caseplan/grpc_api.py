"""gRPC entry point: the caller's principal and the request to the service layer, off the event
loop. Authorisation, validation and the access log live in the service layer."""

from __future__ import annotations

import asyncio

from pakt.caseplan.v1 import caseplan_pb2 as pb
from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.platform.auth import caller
from services.caseplan.service import CasePlanService


class CasePlanServicer(caseplan_pb2_grpc.CasePlanServiceServicer):
    def __init__(self, service: CasePlanService) -> None:
        self._service = service

    async def _run(self, method, *args):
        return await asyncio.to_thread(method, caller(), *args)

    async def CreatePlan(self, request, context):
        return pb.CreatePlanResponse(plan=await self._run(self._service.create_plan, request))

    async def GetPlan(self, request, context):
        return pb.GetPlanResponse(plan=await self._run(self._service.get_plan, request.plan_id, request.zweck))

    async def ListPlans(self, request, context):
        return pb.ListPlansResponse(plaene=await self._run(self._service.list_plans, request))

    async def UpdatePerson(self, request, context):
        return pb.UpdatePersonResponse(plan=await self._run(self._service.update_person, request))

    async def AddZiel(self, request, context):
        return pb.AddZielResponse(plan=await self._run(self._service.add_ziel, request))

    async def UpdateZiel(self, request, context):
        return pb.UpdateZielResponse(plan=await self._run(self._service.update_ziel, request))

    async def RecordFortschreibung(self, request, context):
        return pb.RecordFortschreibungResponse(plan=await self._run(self._service.record_fortschreibung, request))

    async def ClosePlan(self, request, context):
        return pb.ClosePlanResponse(plan=await self._run(self._service.close_plan, request))

    async def HandOverPlan(self, request, context):
        return pb.HandOverPlanResponse(plan=await self._run(self._service.hand_over, request))

    async def WithdrawEinwilligung(self, request, context):
        return pb.WithdrawEinwilligungResponse(plan=await self._run(self._service.withdraw_einwilligung, request))

    async def GetCaseload(self, request, context):
        return await self._run(self._service.caseload, request.stichtag)

    async def ExportPerson(self, request, context):
        return pb.ExportPersonResponse(json=await self._run(self._service.export_person, request.plan_id))

    async def ErasePerson(self, request, context):
        return pb.ErasePersonResponse(plan_id=await self._run(self._service.erase_person, request))

    async def GetFallzahlen(self, request, context):
        # Aggregates for every authenticated caller; proto3 has no absent string: empty means all.
        fallzahlen = await asyncio.to_thread(self._service.fallzahlen, request.kreis_ags or None)
        return pb.GetFallzahlenResponse(
            fallzahlen=[
                pb.Fallzahl(kommune_ags=f.kommune_ags, offene_plaene=f.offene_plaene, suppressed=f.suppressed)
                for f in fallzahlen
            ]
        )

    async def Republish(self, request, context):
        return await self._run(self._service.republish_all, request)
