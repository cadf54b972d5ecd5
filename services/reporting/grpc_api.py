"""gRPC entry point of the reporting service: each RPC hands its request (and, for the operators'
RPCs, the caller) to a use case off the event loop. The figures are for every authenticated
caller; the reconciliation and rebuild RPCs for operators of the Bewilligungsstelle only."""

from __future__ import annotations

import asyncio

from pakt.platform.grpc_server import use_case_rpc
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.reporting.v1 import reporting_pb2_grpc
from services.reporting import abfragen, mapping, neuaufbau
from services.reporting.freshness import Freshness
from services.reporting.repository import ReportingRepository


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    def __init__(self, units: UnitsOfWork[ReportingRepository], freshness: Freshness) -> None:
        self.units = units
        self.freshness = freshness

    async def GetAktualitaet(self, request, context):
        (applied, newest), rueckstand = await asyncio.gather(
            asyncio.to_thread(abfragen.stand, self.units), self.freshness.rueckstand()
        )
        return mapping.aktualitaet(applied, newest, rueckstand)

    async def GetUtilisation(self, request, context):
        return await asyncio.to_thread(abfragen.utilisation, self.units, request)

    async def GetIntegrationsmanagement(self, request, context):
        return await asyncio.to_thread(abfragen.integrationsmanagement, self.units, request)

    # -- reconciliation and rebuild (operators) ----------------------------------------------------

    ListAntragStaende = use_case_rpc(abfragen.antrag_staende)
    GetAggregationStand = use_case_rpc(neuaufbau.aggregation_stand)
    ResetReadModel = use_case_rpc(neuaufbau.reset)
