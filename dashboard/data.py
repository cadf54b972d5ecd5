"""What the dashboard shows, fetched from the ReportingService and shaped into German tables.

The dashboard runs on the operator's side: it calls as PAKT_DASHBOARD_IDENTITY if set, else with
the certificate PAKT_CLIENT_CERT names, else as "rp:dashboard" with a certificate of the local CA.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC

from pakt import texte
from pakt.geld import euro, quote
from pakt.platform.client import acting_as, call
from pakt.reporting.v1 import reporting_pb2, reporting_pb2_grpc


@dataclass(frozen=True)
class Auslastung:
    by: int  # reporting_pb2.Gliederung: what one row stands for
    rows: list[reporting_pb2.UtilisationRow]
    events_applied: int

    def total(self, field: str) -> int:
        return sum(getattr(r, field) for r in self.rows)


def fetch(target: str, by: int, foerderjahr: int) -> Auslastung:
    reply = call(
        target,
        reporting_pb2_grpc.ReportingServiceStub,
        "GetUtilisation",
        reporting_pb2.GetUtilisationRequest(by=by, foerderjahr=foerderjahr),
        acting_as(os.environ.get("PAKT_DASHBOARD_IDENTITY"), "rp:dashboard"),
    )
    return Auslastung(by=by, rows=list(reply.rows), events_applied=reply.events_applied)


# Figures more than this far behind the topics carry a warning.
VERALTET_AB_S = 10.0


def fetch_aktualitaet(target: str) -> reporting_pb2.GetAktualitaetResponse:
    return call(
        target,
        reporting_pb2_grpc.ReportingServiceStub,
        "GetAktualitaet",
        reporting_pb2.GetAktualitaetRequest(),
        acting_as(os.environ.get("PAKT_DASHBOARD_IDENTITY"), "rp:dashboard"),
    )


def warnung(stand: reporting_pb2.GetAktualitaetResponse) -> str | None:
    """Why the figures may not be current, judged by the read model's lag behind the topics (not by
    the clock: an idle platform is current); None when they are."""
    if not stand.broker_erreichbar:
        return "Aktualität nicht feststellbar: Kafka ist nicht erreichbar. Die Zahlen können veraltet sein."
    if stand.rueckstand_sekunden > VERALTET_AB_S:
        return (
            f"Die Zahlen sind nicht aktuell: {stand.rueckstand_ereignisse:,} Ereignisse warten seit "
            f"{stand.rueckstand_sekunden:,.0f} s auf die Auswertung.".replace(",", ".")
        )
    return None


def stand_text(stand: reporting_pb2.GetAktualitaetResponse) -> str:
    neuestes = (
        stand.neuestes_ereignis_at.ToDatetime(tzinfo=UTC).astimezone().strftime("%d.%m.%Y %H:%M:%S")
        if stand.HasField("neuestes_ereignis_at")
        else "noch keines"
    )
    return f"Stand: neuestes Ereignis {neuestes} · {stand.events_applied:,} Ereignisse verarbeitet".replace(",", ".")


def table(auslastung: Auslastung, key_label: str) -> list[dict[str, str]]:
    """One row per Kreis (by its AGS) or programme (by its German name), money formatted the German way."""
    return [
        {
            key_label: texte.PROGRAMM.name(r.key) if auslastung.by == reporting_pb2.GLIEDERUNG_PROGRAMM else r.key,
            "Name": r.name,
            "Planungsrahmen": euro(r.planungsrahmen_cent),
            "beantragt": euro(r.beantragt_cent),
            "bewilligt": euro(r.bewilligt_cent),
            "ausgezahlt": euro(r.ausgezahlt_cent),
            "Anträge": str(r.antraege),
            "Auslastung": quote(r.bewilligt_cent, r.planungsrahmen_cent),
        }
        for r in auslastung.rows
    ]


# -- Integrationsmanagement (Fälle) -------------------------------------------------------------------

# A withheld count. Not "< 5": a cell is also withheld, whatever its size, so that a small one
# cannot be recovered from a total, and the reader must not learn which is which.
GEHEIM = "geheim"


@dataclass(frozen=True)
class Faelle:
    kreise: list[reporting_pb2.IntegrationsmanagementRow]
    gesamt: reporting_pb2.Zelle
    zielfelder: list[reporting_pb2.ZielfeldRow]


def fetch_faelle(target: str) -> Faelle:
    reply = call(
        target,
        reporting_pb2_grpc.ReportingServiceStub,
        "GetIntegrationsmanagement",
        reporting_pb2.GetIntegrationsmanagementRequest(by=reporting_pb2.GLIEDERUNG_LANDKREIS),
        acting_as(os.environ.get("PAKT_DASHBOARD_IDENTITY"), "rp:dashboard"),
    )
    return Faelle(kreise=list(reply.rows), gesamt=reply.offene_plaene_gesamt, zielfelder=list(reply.zielfelder))


def zahl(zelle: reporting_pb2.Zelle) -> str:
    """A published count the German way (1.234), or GEHEIM."""
    return GEHEIM if zelle.suppressed else f"{zelle.value:,}".replace(",", ".")


def faelle_table(faelle: Faelle) -> list[dict[str, str]]:
    """Open plans per Kreis, by name (the AGS is in the utilisation table above)."""
    return [{"Stadt- oder Landkreis": r.name, "offene Integrationspläne": zahl(r.offene_plaene)} for r in faelle.kreise]


def zielfeld_table(faelle: Faelle) -> list[dict[str, str]]:
    return [
        {"Zielfeld": texte.ZIELFELD.get(z.feld, z.name), "Ziele": zahl(z.ziele), "davon erreicht": zahl(z.erreicht)}
        for z in faelle.zielfelder
    ]
