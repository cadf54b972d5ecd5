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
Stichtag, Erhebung, Tranche), so AllocationService.recompute() keeps it in force until a parameter
version or an Erhebung changes that key; then a regular Verteilung of the whole budget replaces
it, refused as usual if a Planungsrahmen would drop below what is bound.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import IntegrityError

from pakt import texte
from pakt.allocation.v1.allocation_pb2 import (
    ApplyUmverteilungRequest,
    ApplyUmverteilungResponse,
    SimulateUmverteilungResponse,
    Umverteilung as UmverteilungProto,
)
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound
from services.allocation import verteilung as verteilung_rechnung
from services.allocation.service import AllocationService, _eingaben, _require_operator, _Violations
from services.allocation.tables import planungsrahmen, verteilung, verteilung_rahmen

log = logging.getLogger(__name__)

# verteilung.basis holds at most 100 characters: "Umverteilung; " (14), the pooled amount with
# " frei; " (at most 16 + 7 for budgets below 10 Mrd. €), then the Quelle.
QUELLE_MAX = 60
_BASIS = re.compile(r"Umverteilung; ([0-9.]+,[0-9]{2}) € frei; (.*)", re.DOTALL)


@dataclass(frozen=True)
class Rechnung:
    """One Umverteilung computed from the Planungsrahmen in force."""

    verteilung: Row  # the Verteilung in force
    rahmen: dict[str, Row]  # its planungsrahmen rows, by AGS
    anzahlen: dict[str, int]  # the weights it followed
    neu: dict[str, int]  # neuer_rahmen_cent by AGS
    frei_gesamt_cent: int

    @property
    def key(self) -> tuple:
        v = self.verteilung
        return (v.budget_parameter_id, v.stichtag_parameter_id, v.erhebung_id, v.tranche)


class Umverteilung:
    """Simulate and apply an Umverteilung; writes go through AllocationService._store."""

    def __init__(self, service: AllocationService) -> None:
        self.service = service

    def simulate(self, programm: int, foerderjahr: int) -> SimulateUmverteilungResponse:
        """What apply() would do now; changes nothing."""
        _validate(programm, foerderjahr)
        with self.service.engine.connect() as conn:
            r = _rechnen(conn, Programm.Name(programm), foerderjahr, lock=False)
            _check_in_force(conn, r)
        return SimulateUmverteilungResponse(
            frei_gesamt_cent=r.frei_gesamt_cent,
            kommunen=[
                UmverteilungProto(
                    kommune_ags=ags, kreis_ags=row.kreis_ags, rahmen_cent=row.rahmen_cent,
                    gebunden_cent=row.gebunden_cent, frei_cent=row.rahmen_cent - row.gebunden_cent,
                    neuer_rahmen_cent=r.neu[ags],
                )
                for ags, row in sorted(r.rahmen.items())
            ],
        )

    def apply(self, principal: Principal, request: ApplyUmverteilungRequest) -> ApplyUmverteilungResponse:
        """Store the Umverteilung as the Verteilung in force, in one transaction.

        The Planungsrahmen are locked (SELECT … FOR UPDATE in AGS order, as decide() locks them; on
        SQLite the transaction's BEGIN IMMEDIATE serialises writers) and the Umverteilung is computed
        again from the locked rows, so money bound since a simulation is respected. The same
        request_id again returns the first result; for another programme, year or Quelle it is
        refused.
        """
        _require_operator(principal)
        _validate(request.programm, request.foerderjahr, request)
        earlier = self._earlier(request)
        if earlier is not None:
            return earlier
        try:
            with self.service.engine.begin() as conn:
                response = self._apply(conn, principal, request)
        except IntegrityError:
            # The same request_id committed concurrently (for another programme and year: the
            # locks on the Planungsrahmen do not serialise the two).
            earlier = self._earlier(request)
            if earlier is None:
                raise
            return earlier
        self.service.on_events()
        return response

    def _apply(self, conn: Connection, principal: Principal, request: ApplyUmverteilungRequest) -> ApplyUmverteilungResponse:
        programm = Programm.Name(request.programm)
        r = _rechnen(conn, programm, request.foerderjahr, lock=True)
        # Checked again under the locks: a concurrent apply with this request_id has committed.
        earlier = conn.execute(select(verteilung).where(verteilung.c.request_id == request.request_id)).one_or_none()
        if earlier is not None:
            return _replay(earlier, request)
        e = _check_in_force(conn, r)
        if r.frei_gesamt_cent == 0:
            raise FailedPrecondition(
                f"In den Planungsrahmen von {texte.PROGRAMM.name(programm)} {request.foerderjahr} ist nichts frei: alles ist gebunden. "
                "Nichts wurde geändert."
            )
        if all(r.neu[ags] == row.rahmen_cent for ags, row in r.rahmen.items()):
            raise FailedPrecondition(
                f"Die freien Mittel von {texte.PROGRAMM.name(programm)} {request.foerderjahr} sind bereits nach der Regel verteilt: "
                "eine Umverteilung änderte keinen Planungsrahmen. Nichts wurde geändert."
            )
        # The weights recorded are the ones used; the key (parameter versions, Erhebung) is that of
        # the Verteilung in force.
        e = dataclasses.replace(e, anzahlen=r.anzahlen, basis=f"{euro(r.frei_gesamt_cent)} frei; {request.quelle}")
        verteilung_id = self.service._store(
            conn, e, budget_cent=sum(row.rahmen_cent for row in r.rahmen.values()), shares=r.neu,
            erfasst_von=principal.label, umverteilung=True, request_id=request.request_id,
        )
        log.info(
            "umverteilung applied",
            extra={"programm": programm, "foerderjahr": request.foerderjahr, "frei_cent": r.frei_gesamt_cent, "by": principal.label},
        )
        return ApplyUmverteilungResponse(verteilung_id=verteilung_id, frei_gesamt_cent=r.frei_gesamt_cent)

    def _earlier(self, request: ApplyUmverteilungRequest) -> ApplyUmverteilungResponse | None:
        with self.service.engine.connect() as conn:
            row = conn.execute(select(verteilung).where(verteilung.c.request_id == request.request_id)).one_or_none()
        return _replay(row, request) if row is not None else None


def _validate(programm: int, foerderjahr: int, request: ApplyUmverteilungRequest | None = None) -> None:
    v = _Violations()
    if request is not None:
        v.request_id(request.request_id)
    v.programm(programm)
    if not 2000 <= foerderjahr <= 2100:
        v.add("foerderjahr", f"{foerderjahr} ist kein plausibles Förderjahr")
    if request is not None:
        if not request.quelle.strip():
            v.add("quelle", "fehlt: warum wird umverteilt (Beschluss, Datum)?")
        elif len(request.quelle) > QUELLE_MAX:
            v.add("quelle", f"höchstens {QUELLE_MAX} Zeichen (sie wird mit der Verteilung gespeichert)")
        else:
            v.characters(request.quelle, "quelle", single_line=True)
    v.raise_if_any()


def _rechnen(conn: Connection, programm: str, foerderjahr: int, lock: bool) -> Rechnung:
    """The Umverteilung of the Planungsrahmen in force; with lock, their rows stay locked until
    commit."""
    query = (
        select(planungsrahmen)
        .where(planungsrahmen.c.programm == programm, planungsrahmen.c.foerderjahr == foerderjahr)
        .order_by(planungsrahmen.c.kommune_ags)
    )
    rows = conn.execute(query.with_for_update() if lock else query).all()
    if not rows:
        raise NotFound(f"Für {texte.PROGRAMM.name(programm)} im Förderjahr {foerderjahr} ist keine Verteilung in Kraft (keine Planungsrahmen).")
    ids = {row.verteilung_id for row in rows}
    if len(ids) != 1:
        raise FailedPrecondition(
            f"Die Planungsrahmen von {texte.PROGRAMM.name(programm)} {foerderjahr} stammen aus {len(ids)} Verteilungen statt aus einer."
        )
    (verteilung_id,) = ids
    current = conn.execute(select(verteilung).where(verteilung.c.id == verteilung_id)).one()
    anzahlen = dict(
        conn.execute(
            select(verteilung_rahmen.c.kommune_ags, verteilung_rahmen.c.anzahl).where(
                verteilung_rahmen.c.verteilung_id == verteilung_id
            )
        ).all()
    )
    rahmen = {row.kommune_ags: row for row in rows}
    if set(anzahlen) != set(rahmen) or sum(anzahlen.values()) <= 0:
        raise FailedPrecondition(
            f"Zur Verteilung {verteilung_id} von {texte.PROGRAMM.name(programm)} {foerderjahr} fehlen die Anteile, nach denen umzuverteilen wäre."
        )
    frei = sum(row.rahmen_cent - row.gebunden_cent for row in rows)
    anteile = verteilung_rechnung.verteilen(frei, anzahlen)
    neu = {ags: row.gebunden_cent + anteile[ags] for ags, row in rahmen.items()}
    return Rechnung(current, rahmen, anzahlen, neu, frei)


def _check_in_force(conn: Connection, r: Rechnung):
    """The inputs in force today; refused if the Planungsrahmen no longer follow them."""
    v = r.verteilung
    e = _eingaben(conn, v.programm, v.foerderjahr, datetime.now(UTC).date())
    if e is None or e.key != r.key:
        raise FailedPrecondition(
            f"Die Planungsrahmen von {v.programm} {v.foerderjahr} beruhen nicht mehr auf den heute geltenden "
            "Parametern und Zahlen; sie werden neu berechnet, wenn der Dienst die Verteilungen abgleicht (Start, "
            "Parameteränderung, Erhebung). Erst danach umverteilen. Nichts wurde geändert."
        )
    return e


def _replay(row: Row, request: ApplyUmverteilungRequest) -> ApplyUmverteilungResponse:
    """The first result for a request_id, or InvalidArgument if it was used for something else."""
    match = _BASIS.fullmatch(row.basis) if row.umverteilung else None
    same = (
        match is not None
        and (row.programm, row.foerderjahr) == (Programm.Name(request.programm), request.foerderjahr)
        and match.group(2) == request.quelle
    )
    if not same:
        raise InvalidArgument([FieldViolation("request_id", "wurde bereits für eine andere Umverteilung oder Verteilung verwendet")])
    frei = int(match.group(1).replace(".", "").replace(",", ""))
    return ApplyUmverteilungResponse(verteilung_id=row.id, frei_gesamt_cent=frei)
