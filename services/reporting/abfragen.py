"""The questions reporting answers from its read model: the Auslastung (GetUtilisation), the
Integrationsmanagement figures with small cells withheld, the Stand of the aggregation, and, for
the Abgleich, the Anträge as reporting has them.

Every answer reads its rows and the number of events they stand for on one read connection, in one
transaction (ReportingRepository: one snapshot on PostgreSQL too). The figures are for every
authenticated caller (the gRPC interceptor has refused everyone else), so they take no principal;
the list for the Abgleich is for operators only.
"""

from __future__ import annotations

from datetime import datetime

from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.reconciliation import decode_page_token, encode_page_token, page_size
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.reporting.v1 import reporting_pb2
from services.reporting import domain, mapping
from services.reporting.repository import ReportingRepository


def utilisation(
    units: UnitsOfWork[ReportingRepository], request: reporting_pb2.GetUtilisationRequest
) -> reporting_pb2.GetUtilisationResponse:
    """Planungsrahmen, beantragt, bewilligt (what stays committed) and ausgezahlt per Kreis or programme."""
    domain.pruefe_auslastung(request.by, request.foerderjahr)
    nach = "kreis_ags" if request.by == domain.LANDKREIS else "programm"
    with units.read() as repo:
        rahmen = repo.rahmen_summen(nach, request.foerderjahr)
        antraege = repo.antrag_summen(nach, request.foerderjahr)
        applied = repo.events_applied()
    return mapping.utilisation(domain.auslastung(request.by, rahmen, antraege), applied)


def integrationsmanagement(
    units: UnitsOfWork[ReportingRepository], request: reporting_pb2.GetIntegrationsmanagementRequest
) -> reporting_pb2.GetIntegrationsmanagementResponse:
    domain.pruefe_integrationsmanagement(request.by, request.kreis_ags)
    with units.read() as repo:
        offen = repo.offene_plaene()
        ziele = repo.ziele_je_feld() if request.by == domain.LANDKREIS else {}
        applied = repo.events_applied()
    return mapping.integrationsmanagement(domain.integrationsmanagement(request.by, request.kreis_ags, offen, ziele), applied)


def stand(units: UnitsOfWork[ReportingRepository]) -> tuple[int, datetime | None]:
    """Events applied, and when the newest of them happened (GetAktualitaet adds the lag the
    broker shows)."""
    with units.read() as repo:
        return repo.stand()


def antrag_staende(
    units: UnitsOfWork[ReportingRepository], principal: Principal, request: reporting_pb2.ListAntragStaendeRequest
) -> reporting_pb2.ListAntragStaendeResponse:
    """The read model's Anträge, by id, in pages: what `pakt abgleich` compares with antrag."""
    guards.operator(principal, domain.NUR_BEWILLIGUNGSSTELLE)
    size = page_size(request.page_size)
    after = decode_page_token(request.page_token)
    with units.read() as repo:
        rows = repo.antrag_staende(after, size + 1)
    page = [mapping.antrag_stand(r) for r in rows[:size]]
    token = encode_page_token(page[-1].antrag_id) if len(rows) > size else ""
    return reporting_pb2.ListAntragStaendeResponse(antrag_staende=page, next_page_token=token)
