"""What allocation answers without changing anything: Planungsrahmen, their Rechenweg, the
provisional against the final Verteilung (Nachverteilung), the parameter versions, and for
operators every Bescheid (`pakt abgleich`)."""

from __future__ import annotations

from pakt import texte
from pakt.allocation.v1.allocation_pb2 import (
    CompareVerteilungenRequest,
    CompareVerteilungenResponse,
    ExplainPlanungsrahmenRequest,
    ExplainPlanungsrahmenResponse,
    GetPlanungsrahmenRequest,
    GetPlanungsrahmenResponse,
    ListBescheideRequest,
    ListBescheideResponse,
    ListParameterRequest,
    ListParameterResponse,
    ListPlanungsrahmenRequest,
    ListPlanungsrahmenResponse,
    Nachverteilung,
    Rechenweg,
    Tranche,
)
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from pakt.platform.reconciliation import decode_page_token, encode_page_token, page_size
from pakt.platform.unit_of_work import UnitsOfWork
from pakt.referenzdaten import gebiete
from services.allocation import domain, mapping, verteilung
from services.allocation.domain import ART_NAME, AllocationViolations
from services.allocation.repository import AllocationRepository

Reads = UnitsOfWork[AllocationRepository]  # queries need its read connection, not a unit of work


def get_planungsrahmen(units: Reads, principal: Principal, r: GetPlanungsrahmenRequest) -> GetPlanungsrahmenResponse:
    v = AllocationViolations()
    v.ags(r.kommune_ags, "kommune_ags", kind="gemeinde")
    v.programm(r.programm)
    v.raise_if_any()
    with units.read() as repo:
        row = repo.planungsrahmen(r.kommune_ags, Programm.Name(r.programm), r.foerderjahr)
    if row is None:
        raise NotFound(f"Kein Planungsrahmen für {r.kommune_ags}, {texte.PROGRAMM.get(r.programm, '?')}, {r.foerderjahr}")
    return GetPlanungsrahmenResponse(planungsrahmen=mapping.planungsrahmen(row))


def list_planungsrahmen(units: Reads, principal: Principal, r: ListPlanungsrahmenRequest) -> ListPlanungsrahmenResponse:
    size = min(r.page_size or 500, 5000)
    try:
        offset = int(r.page_token) if r.page_token else 0
    except ValueError:
        raise InvalidArgument([FieldViolation("page_token", "ungültiges Seitentoken")]) from None
    with units.read() as repo:
        rows = repo.list_planungsrahmen(
            r.kreis_ags or None, Programm.Name(r.programm) if r.programm else None, r.foerderjahr or None, offset, size + 1
        )
    return ListPlanungsrahmenResponse(
        planungsrahmen=[mapping.planungsrahmen(row) for row in rows[:size]],
        next_page_token=str(offset + size) if len(rows) > size else "",
    )


def explain(units: Reads, principal: Principal, r: ExplainPlanungsrahmenRequest) -> ExplainPlanungsrahmenResponse:
    """How one Planungsrahmen is computed, step by step, as of a date (default today)."""
    v = AllocationViolations()
    v.ags(r.kommune_ags, "kommune_ags", kind="gemeinde")
    v.programm(r.programm)
    day = v.datum(r.stand, "stand", required=False) or units.clock().date()
    if r.tranche and r.tranche not in Tranche.values():
        v.add("tranche", f"unbekannte Tranche ({r.tranche})")
    v.raise_if_any()
    programm = Programm.Name(r.programm)
    with units.read() as repo:
        e = verteilung.eingaben(repo, programm, r.foerderjahr, day, Tranche.Name(r.tranche) if r.tranche else None)
        # The Planungsrahmen in force may come from an Umverteilung, which the rule alone does not give.
        in_force = repo.umverteilung_in_force(r.kommune_ags, programm, r.foerderjahr)
    if e is None:
        raise NotFound(
            f"Am {day.isoformat()} galt für {texte.PROGRAMM.get(r.programm, '?')} im Förderjahr {r.foerderjahr} kein Budget"
            + (f" (Tranche {texte.TRANCHE[r.tranche]})" if r.tranche else "") + "."
        )
    s = domain.rechenweg(e.budget.betrag_cent, e.anzahlen, r.kommune_ags)
    erlaeuterung = domain.erlaeuterung(e.budget.betrag_cent, s, e.basis)
    if in_force is not None and day >= in_force.berechnet_at.date():
        erlaeuterung += (
            f" Seit der Umverteilung vom {in_force.berechnet_at.date().isoformat()} ({in_force.basis}) gilt "
            f"stattdessen ein Rahmen von {euro(in_force.rahmen_cent)}."
        )
    return ExplainPlanungsrahmenResponse(
        rechenweg=Rechenweg(
            kommune_ags=r.kommune_ags, programm=r.programm, foerderjahr=r.foerderjahr, tranche=Tranche.Value(e.tranche),
            stand=day.isoformat(), budget=mapping.parameter(e.budget),
            stichtag=mapping.parameter(e.stichtag) if e.stichtag is not None else None,
            basis=e.basis, erhebung_id=e.erhebung.id if e.erhebung is not None else "",
            anzahl=s.anzahl, anzahl_gesamt=s.anzahl_gesamt, quote_ganz_cent=s.quote_ganz_cent, rest=s.rest,
            restcents_gesamt=s.restcents_gesamt, rest_rang=s.rest_rang, plus_ein_cent=s.plus_ein_cent,
            rahmen_cent=s.rahmen_cent, erlaeuterung=erlaeuterung,
        )
    )


def compare(units: Reads, principal: Principal, r: CompareVerteilungenRequest) -> CompareVerteilungenResponse:
    """The provisional Verteilung against the final one, each with the inputs in force today."""
    v = AllocationViolations()
    v.programm(r.programm)
    if r.kreis_ags:
        v.ags(r.kreis_ags, "kreis_ags", kind="kreis")
    v.raise_if_any()
    name, today = Programm.Name(r.programm), units.clock().date()
    with units.read() as repo:
        vorl = verteilung.eingaben(repo, name, r.foerderjahr, today, "TRANCHE_VORLAEUFIG")
        endg = verteilung.eingaben(repo, name, r.foerderjahr, today, "TRANCHE_ENDGUELTIG")
        gebunden = repo.gebunden(name, r.foerderjahr)
    if vorl is None or endg is None:
        fehlt = "vorläufige" if vorl is None else "endgültige"
        raise FailedPrecondition(f"Für {name} {r.foerderjahr} gibt es keine {fehlt} Verteilung zum Vergleich.")
    a = domain.verteilen(vorl.budget.betrag_cent, vorl.anzahlen)
    b = domain.verteilen(endg.budget.betrag_cent, endg.anzahlen)
    g = gebiete()
    return CompareVerteilungenResponse(
        vorlaeufig_budget_cent=vorl.budget.betrag_cent,
        endgueltig_budget_cent=endg.budget.betrag_cent,
        vorlaeufig_basis=vorl.basis,
        endgueltig_basis=endg.basis,
        kommunen=[
            Nachverteilung(
                kommune_ags=ags, kreis_ags=g.gemeinden[ags].kreis_ags, vorlaeufig_cent=a[ags],
                endgueltig_cent=b[ags], differenz_cent=b[ags] - a[ags], gebunden_cent=gebunden.get(ags, 0),
            )
            for ags in sorted(b)
            if not r.kreis_ags or g.gemeinden[ags].kreis_ags == r.kreis_ags
        ],
    )


def list_parameter(units: Reads, principal: Principal, r: ListParameterRequest) -> ListParameterResponse:
    """Every parameter version, oldest first, with its source and who set it."""
    with units.read() as repo:
        rows = repo.list_parameters(
            ART_NAME.get(r.art, "?") if r.art else None,
            Programm.Name(r.programm) if r.programm else None,
            r.foerderjahr or None,
        )
    return ListParameterResponse(parameter=[mapping.parameter(row) for row in rows])


def list_bescheide(units: Reads, principal: Principal, r: ListBescheideRequest) -> ListBescheideResponse:
    """Every Bescheid with what its Bindungen released again, by id, in pages (`pakt abgleich`)."""
    guards.operator(principal)
    size = page_size(r.page_size)
    after = decode_page_token(r.page_token)
    with units.read() as repo:
        rows = repo.bescheide(after, size + 1)
    page = [mapping.bescheid_stand(row) for row in rows[:size]]
    return ListBescheideResponse(bescheide=page, next_page_token=encode_page_token(page[-1].bescheid_id) if len(rows) > size else "")
