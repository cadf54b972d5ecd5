"""Between the read model's rows and protobuf: the events' payloads into rows, rows and figures
into the API's messages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import Row

from pakt.allocation.v1.events_pb2 import VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus
from pakt.caseplan.v1.caseplan_pb2 import Zielfeld, Zielstatus
from pakt.caseplan.v1.events_pb2 import ZielFortgeschrieben
from pakt.common.v1.programm_pb2 import Programm
from pakt.geheimhaltung import Zelle
from pakt.reporting.v1 import reporting_pb2
from services.reporting.domain import Integrationsmanagement, Plan, Zeile
from services.reporting.freshness import Rueckstand


def enum_name(enum, value: int) -> str:
    """The value's name; a value this build does not know yet (a newer producer) by its number."""
    return enum.Name(value) if value in enum.values() else str(value)


def programm(value: int) -> str:
    return Programm.Name(value)


def antrag_werte(a: Antrag) -> dict:
    """An Antrag's row as of the event's version."""
    return {
        "version": a.version,
        "antragsteller_ags": a.antragsteller_ags,
        "kreis_ags": a.kreis_ags,
        "programm": programm(a.programm),
        "foerderjahr": a.foerderjahr,
        "status": AntragStatus.Name(a.status),
        "betrag_cent": a.betrag_cent,
        "bewilligt_cent": a.bewilligt_cent,
        "ausgezahlt_cent": a.ausgezahlt_cent,
        "freigegeben_cent": a.freigegeben_cent,
        "rueckforderung_cent": a.rueckforderung_cent,
    }


def rahmen_zeilen(v: VerteilungFestgelegt) -> list[dict]:
    return [
        {
            "kommune_ags": r.kommune_ags,
            "programm": programm(v.programm),
            "foerderjahr": v.foerderjahr,
            "kreis_ags": r.kreis_ags,
            "rahmen_cent": r.rahmen_cent,
        }
        for r in v.rahmen
    ]


def ziel_werte(z: ZielFortgeschrieben, version: int, plan: Plan) -> dict:
    """A goal's row, counted where its plan is."""
    return {
        "plan_id": z.plan_id,
        "version": version,
        "feld": enum_name(Zielfeld, z.feld),
        "status": enum_name(Zielstatus, z.status),
        "kommune_ags": plan.kommune_ags,
        "kreis_ags": plan.kreis_ags,
    }


def antrag_stand(r: Row) -> reporting_pb2.AntragStand:
    return reporting_pb2.AntragStand(
        antrag_id=r.antrag_id, version=r.version, antragsteller_ags=r.antragsteller_ags, kreis_ags=r.kreis_ags,
        programm=r.programm, foerderjahr=r.foerderjahr, status=r.status, betrag_cent=r.betrag_cent,
        bewilligt_cent=r.bewilligt_cent, ausgezahlt_cent=r.ausgezahlt_cent,
        freigegeben_cent=r.freigegeben_cent, rueckforderung_cent=r.rueckforderung_cent,
    )


def utilisation(rows: list[Zeile], applied: int) -> reporting_pb2.GetUtilisationResponse:
    return reporting_pb2.GetUtilisationResponse(
        rows=[reporting_pb2.UtilisationRow(**asdict(r)) for r in rows], events_applied=applied
    )


def integrationsmanagement(figures: Integrationsmanagement, applied: int) -> reporting_pb2.GetIntegrationsmanagementResponse:
    return reporting_pb2.GetIntegrationsmanagementResponse(
        rows=[
            reporting_pb2.IntegrationsmanagementRow(key=r.key, name=r.name, offene_plaene=zelle(r.offene_plaene))
            for r in figures.rows
        ],
        offene_plaene_gesamt=zelle(figures.offene_plaene_gesamt),
        zielfelder=[
            reporting_pb2.ZielfeldRow(feld=z.feld, name=z.name, ziele=zelle(z.zellen.ziele), erreicht=zelle(z.zellen.erreicht))
            for z in figures.zielfelder
        ],
        events_applied=applied,
    )


def zelle(z: Zelle) -> reporting_pb2.Zelle:
    return reporting_pb2.Zelle(value=z.value, suppressed=z.suppressed)


def aktualitaet(applied: int, newest: datetime | None, rueckstand: Rueckstand) -> reporting_pb2.GetAktualitaetResponse:
    reply = reporting_pb2.GetAktualitaetResponse(
        events_applied=applied,
        broker_erreichbar=rueckstand.broker_erreichbar,
        rueckstand_ereignisse=rueckstand.ereignisse,
        rueckstand_sekunden=rueckstand.sekunden,
    )
    if newest is not None:
        reply.neuestes_ereignis_at.FromDatetime(newest)
    return reply
