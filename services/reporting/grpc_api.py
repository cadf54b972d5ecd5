"""gRPC entry point of the reporting service."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc
from pakt.geheimhaltung import Zelle
from services.reporting.readmodel import ReadModel


class ReportingServicer(reporting_pb2_grpc.ReportingServiceServicer):
    def __init__(self, readmodel: ReadModel) -> None:
        self.readmodel = readmodel

    async def GetUtilisation(self, request, context):
        rows = await asyncio.to_thread(self.readmodel.utilisation, request.by, request.foerderjahr)
        applied = await asyncio.to_thread(self.readmodel.events_applied)
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


def _zelle(z: Zelle) -> reporting_pb2.Zelle:
    return reporting_pb2.Zelle(value=z.value, suppressed=z.suppressed)
