"""gRPC entry point: authenticates the caller and hands the request to the service layer, off the
event loop. Every RPC passes through _run, which refuses Integrationsmanager identities (they are
for the case-plan service only); the rest of authorisation and validation live in the service
layer."""

from __future__ import annotations

import asyncio

from pakt.antrag.v1 import antrag_pb2 as pb
from pakt.antrag.v1 import antrag_pb2_grpc
from pakt.platform.auth import kommune_or_operator
from services.antrag.service import AntragService


class AntragServicer(antrag_pb2_grpc.AntragServiceServicer):
    def __init__(self, service: AntragService) -> None:
        self.service = service

    async def _run(self, context, method, request):
        principal = kommune_or_operator()
        return await asyncio.to_thread(method, principal, request)

    async def SubmitAntrag(self, request, context):
        return await self._run(context, self.service.submit, request)

    async def WithdrawAntrag(self, request, context):
        return await self._run(context, self.service.withdraw, request)

    async def AnswerNachforderung(self, request, context):
        return await self._run(context, self.service.answer_nachforderung, request)

    async def RequestMittelabruf(self, request, context):
        return await self._run(context, self.service.request_mittelabruf, request)

    async def SubmitVerwendungsnachweis(self, request, context):
        return await self._run(context, self.service.submit_verwendungsnachweis, request)

    async def RecordUebertragung(self, request, context):
        return await self._run(context, self.service.record_uebertragung, request)

    async def BeginPruefung(self, request, context):
        return await self._run(context, self.service.begin_pruefung, request)

    async def RequestNachforderung(self, request, context):
        return await self._run(context, self.service.request_nachforderung, request)

    async def CompletePruefung(self, request, context):
        return await self._run(context, self.service.complete_pruefung, request)

    async def ConfirmAuszahlung(self, request, context):
        return await self._run(context, self.service.confirm_auszahlung, request)

    async def GetAntrag(self, request, context):
        antrag = await self._run(context, lambda p, r: self.service.get(p, r.id), request)
        return pb.GetAntragResponse(antrag=antrag)

    async def ListAntraege(self, request, context):
        return await self._run(context, self.service.list, request)

    async def GetAntragHistory(self, request, context):
        eintraege = await self._run(context, lambda p, r: self.service.history(p, r.antrag_id), request)
        return pb.GetAntragHistoryResponse(eintraege=eintraege)

    async def ListUebertragungen(self, request, context):
        uebertragungen = await self._run(context, self.service.list_uebertragungen, request)
        return pb.ListUebertragungenResponse(uebertragungen=uebertragungen)

    # -- reconciliation and rebuild: operators only, checked in the service layer --

    async def ListGeldstaende(self, request, context):
        return await self._run(context, self.service.list_geldstaende, request)

    async def Republish(self, request, context):
        return await self._run(context, self.service.republish, request)
