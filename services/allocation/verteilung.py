"""Verteilungen: which inputs are in force (budget, Stichtag, Erhebung or population), a new
Verteilung wherever they changed, and storing one as the Planungsrahmen in force. The arithmetic is
domain.verteilen(); the other use cases (parameters, Erhebung, Umverteilung) store their
Verteilungen through recompute() and store() in their own unit of work."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pakt import texte
from pakt.platform import events
from pakt.platform.unit_of_work import UnitOfWork, Units
from pakt.referenzdaten import gebiete
from services.allocation import domain, mapping
from services.allocation.domain import BUDGET, STICHTAG, TRANCHEN
from services.allocation.repository import AllocationRepository

log = logging.getLogger(__name__)

BEVOELKERUNG = "Bevölkerung (Zensus 2022), solange keine Erhebung vorliegt"


@dataclass(frozen=True)
class Eingaben:
    """Everything one Verteilung depends on, as in force on a date."""

    programm: str
    foerderjahr: int
    tranche: str
    budget: Any  # parameter row
    stichtag: Any | None  # parameter row
    erhebung: Any | None  # erhebung row
    anzahlen: dict[str, int]
    basis: str

    @property
    def key(self) -> tuple:
        """What identifies the inputs: a Verteilung with the same key need not be recomputed."""
        return (
            self.budget.id,
            self.stichtag.id if self.stichtag is not None else None,
            self.erhebung.id if self.erhebung is not None else None,
            self.tranche,
        )


def key_of(verteilung) -> tuple:
    """The inputs a stored Verteilung followed, as Eingaben.key names them."""
    return (verteilung.budget_parameter_id, verteilung.stichtag_parameter_id, verteilung.erhebung_id, verteilung.tranche)


def eingaben(
    repo: AllocationRepository, programm: str, foerderjahr: int, stand: date, tranche: str | None = None
) -> Eingaben | None:
    """The inputs of a programme's Verteilung on a date; None if no budget is in force.

    Without a tranche: the final one once its budget is in force, before that the provisional one.
    Counts: the Erhebung for the tranche's Stichtag (a final one before a provisional one, then the
    newest import), else the population.
    """
    params = domain.in_force(repo.parameters_valid_by(stand))
    budgets = {t: params.get((BUDGET, programm, foerderjahr, t)) for t in TRANCHEN}
    tranche = domain.tranche_in_force(budgets, tranche)
    if tranche is None:
        return None
    stichtag = params.get((STICHTAG, "", foerderjahr, tranche))
    # Imported by the end of that day (UTC), independent of the database's time zone.
    counted = (
        repo.erhebung_for(stichtag.stichtag, datetime.combine(stand + timedelta(days=1), time.min, tzinfo=UTC))
        if stichtag is not None
        else None
    )
    if counted is not None:
        anzahlen = repo.anzahlen(counted.id)
        basis = f"Erhebung zum Stichtag {counted.stichtag.isoformat()} ({texte.ERHEBUNG_ART.name(counted.art)})"
    else:
        anzahlen = {ags: g.population for ags, g in gebiete().gemeinden.items()}
        basis = BEVOELKERUNG
    return Eingaben(programm, foerderjahr, tranche, budgets[tranche], stichtag, counted, anzahlen, basis)


def ensure_verteilungen(units: Units[AllocationRepository]) -> int:
    """Bring the Planungsrahmen in line with the parameters and counts in force today (at start,
    and when a version dated in the future comes into force); how many Verteilungen were new."""
    return len(units.run(lambda uow: recompute(uow, "system")))


def recompute(uow: UnitOfWork[AllocationRepository], erfasst_von: str) -> list[str]:
    """Compute a new Verteilung for every programme and year whose inputs changed.

    A Planungsrahmen never drops below what is already bound in it: such a change is refused whole.
    """
    today = uow.now.date()
    params = domain.in_force(uow.repo.parameters_valid_by(today))
    created = []
    for programm, foerderjahr in sorted({(r.programm, r.foerderjahr) for r in params.values() if r.art == BUDGET}):
        e = eingaben(uow.repo, programm, foerderjahr, today)
        if e is None:
            continue
        current = uow.repo.verteilung_in_force(programm, foerderjahr)
        if current is not None and key_of(current) == e.key:
            continue
        shares = domain.verteilen(e.budget.betrag_cent, e.anzahlen)
        created.append(store(uow, e, e.budget.betrag_cent, shares, erfasst_von, umverteilung=False))
    return created


def store(
    uow: UnitOfWork[AllocationRepository], e: Eingaben, budget_cent: int, shares: dict[str, int], erfasst_von: str,
    umverteilung: bool, request_id: str | None = None,
) -> str:
    """Record a Verteilung and make its Planungsrahmen the ones in force, keeping what is bound."""
    verteilung_id = str(uuid.uuid4())
    budget_id, stichtag_id, erhebung_id, tranche = e.key
    uow.repo.add_verteilung(
        {
            "id": verteilung_id, "programm": e.programm, "foerderjahr": e.foerderjahr, "budget_parameter_id": budget_id,
            "budget_cent": budget_cent, "basis": ("Umverteilung; " if umverteilung else "") + e.basis,
            "berechnet_at": uow.now, "tranche": tranche, "stichtag_parameter_id": stichtag_id,
            "erhebung_id": erhebung_id, "umverteilung": umverteilung, "erfasst_von": erfasst_von,
            "request_id": request_id,
        },
        [{"kommune_ags": ags, "anzahl": e.anzahlen[ags], "rahmen_cent": cent} for ags, cent in sorted(shares.items())],
    )
    # Locked (in AGS order, as an Entscheidung locks them) so no binding slips in between this read
    # and the write below.
    gebunden = uow.repo.gebunden(e.programm, e.foerderjahr, lock=True)
    domain.keep_what_is_bound(shares, gebunden)
    kreise = {ags: gebiete().gemeinden[ags].kreis_ags for ags in shares}
    uow.repo.set_rahmen(e.programm, e.foerderjahr, verteilung_id, shares, kreise, gebunden)
    uow.publish(
        events.ALLOCATION_EVENTS,
        mapping.verteilung_festgelegt(verteilung_id, e.programm, e.foerderjahr, budget_cent, shares, kreise, uow.now),
    )
    log.info("verteilung stored", extra={"programm": e.programm, "foerderjahr": e.foerderjahr, "umverteilung": umverteilung})
    return verteilung_id
