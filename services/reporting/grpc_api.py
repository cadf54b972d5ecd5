"""gRPC entry point of the reporting service. The figures are for every authenticated caller; the
reconciliation and rebuild RPCs for operators of the Bewilligungsstelle only."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict

from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from pakt.geheimhaltung import Zelle
from pakt.platform.auth import Principal, caller
from pakt.platform.errors import PermissionDenied
from services.reporting.freshness import Freshness
from services.reporting.readmodel import ReadModel

log = logging.getLogger(__name__)


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    def __init__(self, readmodel: ReadModel, freshness: Freshness) -> None:
        self.readmodel = readmodel
        self.freshness = freshness

    async def GetAktualitaet(self, request, context):
        (applied, newest), rueckstand = await asyncio.gather(
            asyncio.to_thread(self.readmodel.stand), self.freshness.rueckstand()
        )
        reply = reporting_pb2.GetAktualitaetResponse(
            events_applied=applied,
            broker_erreichbar=rueckstand.broker_erreichbar,
            rueckstand_ereignisse=rueckstand.ereignisse,
            rueckstand_sekunden=rueckstand.sekunden,
        )
        if newest is not None:
            reply.neuestes_ereignis_at.FromDatetime(newest)
        return reply

    async def GetUtilisation(self, request, context):
        rows, applied = await asyncio.to_thread(self.readmodel.utilisation_und_stand, request.by, request.foerderjahr)
        return reporting_pb2.GetUtilisationResponse(
            rows=[reporting_pb2.UtilisationRow(**asdict(r)) for r in rows], events_applied=applied
        )

    async def GetIntegrationsmanagement(self, request, context):
        figures = await asyncio.to_thread(self.readmodel.integrationsmanagement, request.by, request.kreis_ags)
        applied = await asyncio.to_thread(self.readmodel.events_applied)
        return reporting_pb2.GetIntegrationsmanagementResponse(
            rows=[
                reporting_pb2.IntegrationsmanagementRow(key=r.key, name=r.name, offene_plaene=_zelle(r.offene_plaene))
                for r in figures.rows
            ],
            offene_plaene_gesamt=_zelle(figures.offene_plaene_gesamt),
            zielfelder=[
                reporting_pb2.ZielfeldRow(
                    feld=z.feld, name=z.name, ziele=_zelle(z.zellen.ziele), erreicht=_zelle(z.zellen.erreicht)
                )
                for z in figures.zielfelder
            ],
            events_applied=applied,
        )

    # -- reconciliation and rebuild (operators) ----------------------------------------------------

    async def ListAntragStaende(self, request, context):
        _require_operator(caller())
        rows, token = await asyncio.to_thread(self.readmodel.list_antrag_staende, request.page_size, request.page_token)
        return reporting_pb2.ListAntragStaendeResponse(antrag_staende=rows, next_page_token=token)

    async def GetAggregationStand(self, request, context):
        _require_operator(caller())
        applied, processed = await asyncio.to_thread(self.readmodel.aggregation)
        return reporting_pb2.GetAggregationStandResponse(events_applied=applied, events_processed=processed)

    async def ResetReadModel(self, request, context):
        principal = caller()
        _require_operator(principal)
        removed = await asyncio.to_thread(self.readmodel.reset)
        log.warning("read model reset for a rebuild", extra={"by": principal.label, "antraege_removed": removed})
        return reporting_pb2.ResetReadModelResponse(antraege_removed=removed)


def _require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise PermissionDenied("Abgleich und Neuaufbau sind der Bewilligungsstelle (RP Stuttgart) vorbehalten.")


def _zelle(z: Zelle) -> reporting_pb2.Zelle:
    return reporting_pb2.Zelle(value=z.value, suppressed=z.suppressed)
