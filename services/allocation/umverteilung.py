"""Umverteilung: the money the Planungsrahmen in force have not bound, pooled and distributed again
by the same rule the Planungsrahmen follow.

For one programme and Förderjahr, with the Planungsrahmen in force (rahmen_i, gebunden_i):

    frei_i        = rahmen_i − gebunden_i
    F             = Σ frei_i
    anteil        = largest remainder of F over the weights of the Verteilung in force (the
                    `anzahl` of its verteilung_rahmen rows: refugees counted, or population)
    neuer_rahmen_i = gebunden_i + anteil_i

So Σ neuer_rahmen = Σ gebunden + F = Σ rahmen (the budget, to the cent), and no Planungsrahmen
drops below what is bound in it. A Gemeinde that has bound its whole Planungsrahmen gets room
again; one that bound nothing ends up where it started or a little lower, as it shares its unspent
money with the rest.

Applying it makes a new version of the Verteilung, not of a parameter: the budget, the Stichtag
and the counts stay as they are, so no parameter row is added. What is new is a `verteilung` row
with umverteilung = true, who applied it (erfasst_von "rp:<kennung>"), when (berechnet_at), the
caller's request_id and, in `basis`, the money pooled and the Quelle ("Umverteilung; 1.234,56 €
frei; <Quelle>"), with the Planungsrahmen in verteilung_rahmen (under the same weights). The rows
of planungsrahmen then point to it. It carries the input key of the Verteilung it replaces (budget,
Stichtag, Erhebung, Tranche), so verteilung.recompute() keeps it in force until a parameter
version or an Erhebung changes that key; then a regular Verteilung of the whole budget replaces
it, refused as usual if a Planungsrahmen would drop below what is bound.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row

from pakt import texte
from pakt.allocation.v1.allocation_pb2 import (
    ApplyUmverteilungRequest,
    ApplyUmverteilungResponse,
    SimulateUmverteilungRequest,
    SimulateUmverteilungResponse,
)
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform import guards
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, NotFound
from pakt.platform.idempotency import response_bytes
from pakt.platform.unit_of_work import UnitOfWork, Units, UnitsOfWork
from services.allocation import domain, mapping, verteilung
from services.allocation.repository import AllocationRepository

log = logging.getLogger(__name__)

METHOD = "ApplyUmverteilung"


@dataclass(frozen=True)
class Rechnung:
    """One Umverteilung computed from the Planungsrahmen in force."""

    verteilung: Row  # the Verteilung in force
    rahmen: dict[str, Row]  # its planungsrahmen rows, by AGS
    anzahlen: dict[str, int]  # the weights it followed
    stand: dict[str, tuple[int, int]]  # rahmen_cent and gebunden_cent, by AGS
    umverteilung: domain.Umverteilung


class _AppliedMeanwhile(Exception):
    """A concurrent call with the same request_id committed while this one waited for the locks."""


def simulate(
    units: UnitsOfWork[AllocationRepository], principal: Principal, request: SimulateUmverteilungRequest
) -> SimulateUmverteilungResponse:
    """What apply() would do now; changes nothing."""
    domain.check_umverteilung(request.programm, request.foerderjahr)
    with units.read() as repo:
        r = _rechnen(repo, Programm.Name(request.programm), request.foerderjahr, lock=False)
        _check_in_force(repo, r, units.clock())
    return SimulateUmverteilungResponse(
        frei_gesamt_cent=r.umverteilung.frei_gesamt_cent,
        kommunen=[mapping.umverteilung(row, r.umverteilung.neu[ags]) for ags, row in sorted(r.rahmen.items())],
    )


def apply(units: Units[AllocationRepository], principal: Principal, request: ApplyUmverteilungRequest) -> ApplyUmverteilungResponse:
    """Store the Umverteilung as the Verteilung in force, in one transaction.

    The Planungsrahmen are locked (SELECT … FOR UPDATE in AGS order, as an Entscheidung locks
    them; on SQLite the transaction's BEGIN IMMEDIATE serialises writers) and the Umverteilung is
    computed again from the locked rows, so money bound since a simulation is respected. The same
    request_id again returns the first result; for another programme, year or Quelle it is refused.
    """
    guards.operator(principal)
    domain.check_umverteilung(request.programm, request.foerderjahr, request.request_id, request.quelle)

    def once() -> ApplyUmverteilungResponse:
        return units.run_once(
            domain.BEWILLIGUNGSSTELLE, METHOD, request, lambda uow: _apply(uow, principal, request),
            response_bytes(ApplyUmverteilungResponse),
        )

    try:
        return once()
    except _AppliedMeanwhile:
        return once()  # now answered from the key the other call committed


def _apply(
    uow: UnitOfWork[AllocationRepository], principal: Principal, request: ApplyUmverteilungRequest
) -> ApplyUmverteilungResponse:
    programm = Programm.Name(request.programm)
    r = _rechnen(uow.repo, programm, request.foerderjahr, lock=True)
    if uow.repo.verteilung_of_request(request.request_id) is not None:
        raise _AppliedMeanwhile(request.request_id)
    e = _check_in_force(uow.repo, r, uow.now)
    domain.umverteilung_changes_something(programm, request.foerderjahr, r.stand, r.umverteilung)
    frei = r.umverteilung.frei_gesamt_cent
    # The weights recorded are the ones used; the key (parameter versions, Erhebung) is that of
    # the Verteilung in force.
    e = dataclasses.replace(e, anzahlen=r.anzahlen, basis=f"{euro(frei)} frei; {request.quelle}")
    verteilung_id = verteilung.store(
        uow, e, budget_cent=sum(row.rahmen_cent for row in r.rahmen.values()), shares=r.umverteilung.neu,
        erfasst_von=principal.label, umverteilung=True, request_id=request.request_id,
    )
    log.info(
        "umverteilung applied",
        extra={"programm": programm, "foerderjahr": request.foerderjahr, "frei_cent": frei, "by": principal.label},
    )
    return ApplyUmverteilungResponse(verteilung_id=verteilung_id, frei_gesamt_cent=frei)


def _rechnen(repo: AllocationRepository, programm: str, foerderjahr: int, lock: bool) -> Rechnung:
    """The Umverteilung of the Planungsrahmen in force; with lock, their rows stay locked until
    commit."""
    rows = repo.rahmen_of(programm, foerderjahr, lock=lock)
    name = texte.PROGRAMM.name(programm)
    if not rows:
        raise NotFound(f"Für {name} im Förderjahr {foerderjahr} ist keine Verteilung in Kraft (keine Planungsrahmen).")
    ids = {row.verteilung_id for row in rows}
    if len(ids) != 1:
        raise FailedPrecondition(f"Die Planungsrahmen von {name} {foerderjahr} stammen aus {len(ids)} Verteilungen statt aus einer.")
    (verteilung_id,) = ids
    anzahlen = repo.gewichte(verteilung_id)
    rahmen = {row.kommune_ags: row for row in rows}
    if set(anzahlen) != set(rahmen) or sum(anzahlen.values()) <= 0:
        raise FailedPrecondition(
            f"Zur Verteilung {verteilung_id} von {name} {foerderjahr} fehlen die Anteile, nach denen umzuverteilen wäre."
        )
    stand = {ags: (row.rahmen_cent, row.gebunden_cent) for ags, row in rahmen.items()}
    return Rechnung(repo.verteilung(verteilung_id), rahmen, anzahlen, stand, domain.umverteilen(stand, anzahlen))


def _check_in_force(repo: AllocationRepository, r: Rechnung, now: datetime) -> verteilung.Eingaben:
    """The inputs in force today; refused if the Planungsrahmen no longer follow them."""
    v = r.verteilung
    e = verteilung.eingaben(repo, v.programm, v.foerderjahr, now.date())
    if e is None or e.key != verteilung.key_of(v):
        raise FailedPrecondition(
            f"Die Planungsrahmen von {v.programm} {v.foerderjahr} beruhen nicht mehr auf den heute geltenden "
            "Parametern und Zahlen; sie werden neu berechnet, wenn der Dienst die Verteilungen abgleicht (Start, "
            "Parameteränderung, Erhebung). Erst danach umverteilen. Nichts wurde geändert."
        )
    return e
