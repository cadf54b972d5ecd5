"""gRPC entry point: the caller's principal and the request to their use case, off the event loop.
Authorisation, validation and the access log live in the use cases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pakt.caseplan.v1 import caseplan_pb2_grpc
from pakt.platform.auth import caller
from pakt.platform.unit_of_work import UnitsOfWork
from services.caseplan import abfragen, betrieb, betroffenenrechte, plaene
from services.caseplan.repository import CasePlanRepository


class CasePlanServicer(caseplan_pb2_grpc.CasePlanServiceServicer):
    def __init__(self, units: UnitsOfWork[CasePlanRepository]) -> None:
        self._units = units

    async def _run(self, use_case: Callable[..., Any], request: Any) -> Any:
        return await asyncio.to_thread(use_case, self._units, caller(), request)

    async def CreatePlan(self, request, context):
        return await self._run(plaene.create_plan, request)

    async def GetPlan(self, request, context):
        return await self._run(abfragen.get_plan, request)

    async def ListPlans(self, request, context):
        return await self._run(abfragen.list_plans, request)

    async def UpdatePerson(self, request, context):
        return await self._run(plaene.update_person, request)

    async def AddZiel(self, request, context):
        return await self._run(plaene.add_ziel, request)

    async def UpdateZiel(self, request, context):
        return await self._run(plaene.update_ziel, request)

    async def RecordFortschreibung(self, request, context):
        return await self._run(plaene.record_fortschreibung, request)

    async def ClosePlan(self, request, context):
        return await self._run(plaene.close_plan, request)

    async def HandOverPlan(self, request, context):
        return await self._run(plaene.hand_over, request)

    async def WithdrawEinwilligung(self, request, context):
        return await self._run(plaene.withdraw_einwilligung, request)

    async def GetCaseload(self, request, context):
        return await self._run(abfragen.caseload, request)

    async def ExportPerson(self, request, context):
        return await self._run(betroffenenrechte.export_person, request)

    async def ErasePerson(self, request, context):
        return await self._run(betroffenenrechte.erase_person, request)

    async def GetFallzahlen(self, request, context):
        # Aggregates for every authenticated caller.
        return await self._run(abfragen.fallzahlen, request)

    async def Republish(self, request, context):
        return await self._run(betrieb.republish, request)
