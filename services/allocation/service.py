"""The allocation service layer: parameters, Verteilungen, and Entscheidungen on Anträge."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import Connection, Engine, Row, and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from pakt import texte
from pakt.allocation.v1.allocation_pb2 import (
    Ablehnungsgrund,
    BescheidStand,
    CompareVerteilungenResponse,
    Entscheidung,
    ListBescheideRequest,
    ListBescheideResponse,
    Nachverteilung,
    Parameter,
    ParameterArt,
    Planungsrahmen,
    Rechenweg,
    RepublishRequest,
    RepublishResponse,
    SetParameterRequest,
    SetParameterResponse,
    Tranche,
)
from pakt.allocation.v1.events_pb2 import BescheidErlassen, Bindung, KommunenRahmen, VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import Antrag, Schritt
from pakt.antrag.v1.events_pb2 import AntragFortgeschrieben
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.geld import euro
from pakt.platform import events
from pakt.platform.auth import Principal
from pakt.platform.errors import FailedPrecondition, FieldViolation, InvalidArgument, NotFound, PermissionDenied
from pakt.platform.validation import Violations
from pakt.platform.inbox import first_delivery
from pakt.platform.outbox import enqueue, republish
from pakt.platform.reconciliation import decode_page_token, encode_page_token, page_size, queue_again, republish_selection
from pakt.referenzdaten import Gebiete, gebiete
from services.allocation import domain
from services.allocation import verteilung as verteilung_rechnung
from services.allocation.tables import (
    bescheid,
    bindung,
    erhebung,
    erhebung_anzahl,
    inbox,
    outbox,
    parameter,
    planungsrahmen,
    verteilung,
    verteilung_rahmen,
)

log = logging.getLogger(__name__)

PRODUCER = "allocation"
SEED = Path(__file__).parent / "parameter_seed.json"
BUDGET, SCHWELLENWERT, STICHTAG = "budget", "schwellenwert", "stichtag"
# In order of precedence: the final tranche replaces the provisional one once in force.
TRANCHEN = ["TRANCHE_VORLAEUFIG", "TRANCHE_ENDGUELTIG"]
DATUM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ANTRAG_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class ConcurrentChange(RuntimeError):
    """The Planungsrahmen changed between read and write; the consumer retries the event."""


class AllocationService:
    def __init__(self, engine: Engine, on_events: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        self.on_events = on_events

    # -- parameters and Verteilungen ------------------------------------------------------

    def seed_parameters(self, seed: Path = SEED) -> None:
        """Add the seeded parameter versions the table does not have yet; changes stay changes."""
        data = json.loads(seed.read_text(encoding="utf-8"))
        entries = (
            [{"art": BUDGET, "stichtag": None, **b} for b in data["budgets"]]
            + [{"art": SCHWELLENWERT, "foerderjahr": None, "tranche": None, "stichtag": None, **s} for s in data["schwellenwerte"]]
            + [{"art": STICHTAG, "programm": "", "betrag_cent": 0, **s} for s in data["stichtage"]]
        )
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            have = {_seed_key(r._asdict()) for r in conn.execute(select(parameter))}
            rows = [
                {
                    **e,
                    "gueltig_ab": date.fromisoformat(e["gueltig_ab"]),
                    "stichtag": date.fromisoformat(e["stichtag"]) if e["stichtag"] else None,
                    "erfasst_von": "system:seed",
                    "erfasst_at": now,
                }
                for e in entries
            ]
            missing = [r for r in rows if _seed_key(r) not in have]
            if missing:
                conn.execute(parameter.insert(), missing)

    def ensure_verteilungen(self) -> int:
        """Bring the Planungsrahmen in line with the parameters and counts in force today."""
        with self.engine.begin() as conn:
            created = self.recompute(conn, "system")
        if created:
            self.on_events()
        return len(created)

    def recompute(self, conn: Connection, erfasst_von: str) -> list[str]:
        """Compute a new Verteilung for every programme and year whose inputs changed.

        A Planungsrahmen never drops below what is already bound in it: such a change is refused whole.
        """
        today = datetime.now(UTC).date()
        created = []
        for programm, foerderjahr in sorted({(r.programm, r.foerderjahr) for r in _in_force(conn, today).values() if r.art == BUDGET}):
            e = _eingaben(conn, programm, foerderjahr, today)
            if e is None:
                continue
            current = conn.execute(
                select(verteilung)
                .join(planungsrahmen, planungsrahmen.c.verteilung_id == verteilung.c.id)
                .where(planungsrahmen.c.programm == programm, planungsrahmen.c.foerderjahr == foerderjahr)
                .limit(1)
            ).first()
            if current is not None and (
                current.budget_parameter_id, current.stichtag_parameter_id, current.erhebung_id, current.tranche
            ) == e.key:
                continue
            shares = verteilung_rechnung.verteilen(e.budget.betrag_cent, e.anzahlen)
            created.append(self._store(conn, e, e.budget.betrag_cent, shares, erfasst_von, umverteilung=False))
        return created

    def _store(
        self, conn: Connection, e: Eingaben, budget_cent: int, shares: dict[str, int], erfasst_von: str,
        umverteilung: bool, request_id: str | None = None,
    ) -> str:
        """Record a Verteilung and make its Planungsrahmen the ones in force, keeping what is bound."""
        now = datetime.now(UTC)
        verteilung_id = str(uuid.uuid4())
        budget_id, stichtag_id, erhebung_id, tranche = e.key
        conn.execute(
            verteilung.insert().values(
                id=verteilung_id, programm=e.programm, foerderjahr=e.foerderjahr, budget_parameter_id=budget_id,
                budget_cent=budget_cent, basis=("Umverteilung; " if umverteilung else "") + e.basis,
                berechnet_at=now, tranche=tranche, stichtag_parameter_id=stichtag_id, erhebung_id=erhebung_id,
                umverteilung=umverteilung, erfasst_von=erfasst_von, request_id=request_id,
            )
        )
        conn.execute(
            verteilung_rahmen.insert(),
            [
                {"verteilung_id": verteilung_id, "kommune_ags": ags, "anzahl": e.anzahlen[ags], "rahmen_cent": cent}
                for ags, cent in sorted(shares.items())
            ],
        )
        key = and_(planungsrahmen.c.programm == e.programm, planungsrahmen.c.foerderjahr == e.foerderjahr)
        # Locked (in AGS order, as decide() locks them) so no binding slips in between this read
        # and the write below.
        gebunden = dict(
            conn.execute(
                select(planungsrahmen.c.kommune_ags, planungsrahmen.c.gebunden_cent)
                .where(key)
                .order_by(planungsrahmen.c.kommune_ags)
                .with_for_update()
            ).all()
        )
        if over := sorted(ags for ags in {*shares, *gebunden} if gebunden.get(ags, 0) > shares.get(ags, 0)):
            liste = ", ".join(f"{ags} (gebunden {euro(gebunden[ags])}, neu {euro(shares.get(ags, 0))})" for ags in over[:10])
            raise FailedPrecondition(
                f"Die neue Verteilung läge für {len(over)} Gemeinde(n) unter dem bereits gebundenen Betrag: {liste}"
                + (" …" if len(over) > 10 else "") + ". Nichts wurde geändert."
            )
        # Updated in place, not deleted and inserted again: an Entscheidung waiting on a
        # Planungsrahmen's row lock then decides against the new Planungsrahmen; a deleted row it
        # would skip, and find no Planungsrahmen at all.
        g = gebiete()
        if gone := sorted(set(gebunden) - set(shares)):
            conn.execute(planungsrahmen.delete().where(key, planungsrahmen.c.kommune_ags.in_(gone)))
        if kept := [{"b_ags": ags, "b_rahmen": cent} for ags, cent in sorted(shares.items()) if ags in gebunden]:
            conn.execute(
                update(planungsrahmen)
                .where(key, planungsrahmen.c.kommune_ags == bindparam("b_ags"))
                .values(rahmen_cent=bindparam("b_rahmen"), verteilung_id=verteilung_id),
                kept,
            )
        if new := [
            {
                "kommune_ags": ags, "programm": e.programm, "foerderjahr": e.foerderjahr,
                "kreis_ags": g.gemeinden[ags].kreis_ags, "rahmen_cent": cent, "gebunden_cent": 0,
                "verteilung_id": verteilung_id,
            }
            for ags, cent in sorted(shares.items())
            if ags not in gebunden
        ]:
            conn.execute(planungsrahmen.insert(), new)
        event = VerteilungFestgelegt(
            verteilung_id=verteilung_id,
            programm=Programm.Value(e.programm),
            foerderjahr=e.foerderjahr,
            budget_cent=budget_cent,
            rahmen=[
                KommunenRahmen(kommune_ags=ags, kreis_ags=g.gemeinden[ags].kreis_ags, rahmen_cent=cent)
                for ags, cent in sorted(shares.items())
            ],
        )
        # Versions order Verteilungen of one programme and year; time keeps them increasing.
        version = int(now.timestamp() * 1000)
        enqueue(
            conn,
            outbox,
            events.ALLOCATION_EVENTS,
            events.wrap(
                event, aggregate_type="verteilung", aggregate_key=f"{e.programm}/{e.foerderjahr}",
                aggregate_version=version, producer=PRODUCER,
            ),
        )
        log.info("verteilung stored", extra={"programm": e.programm, "foerderjahr": e.foerderjahr, "umverteilung": umverteilung})
        return verteilung_id

    def explain(self, kommune_ags: str, programm: int, foerderjahr: int, stand: str, tranche: int) -> Rechenweg:
        v = _Violations()
        v.gemeinde(kommune_ags, "kommune_ags")
        v.programm(programm)
        day = v.datum(stand, "stand", required=False) or datetime.now(UTC).date()
        if tranche and tranche not in Tranche.values():
            v.add("tranche", f"unbekannte Tranche ({tranche})")
        v.raise_if_any()
        with self.engine.connect() as conn:
            e = _eingaben(conn, Programm.Name(programm), foerderjahr, day, Tranche.Name(tranche) if tranche else None)
            # The Planungsrahmen in force may come from an Umverteilung, which the rule alone does not
            # give.
            in_force = conn.execute(
                select(planungsrahmen.c.rahmen_cent, verteilung.c.basis, verteilung.c.berechnet_at)
                .join(verteilung, verteilung.c.id == planungsrahmen.c.verteilung_id)
                .where(
                    planungsrahmen.c.kommune_ags == kommune_ags,
                    planungsrahmen.c.programm == Programm.Name(programm),
                    planungsrahmen.c.foerderjahr == foerderjahr,
                    verteilung.c.umverteilung.is_(True),
                )
            ).first()
        if e is None:
            raise NotFound(
                f"Am {day.isoformat()} galt für {texte.PROGRAMM.get(programm, '?')} im Förderjahr {foerderjahr} kein Budget"
                + (f" (Tranche {texte.TRANCHE[tranche]})" if tranche else "") + "."
            )
        s = verteilung_rechnung.rechenweg(e.budget.betrag_cent, e.anzahlen, kommune_ags)
        erlaeuterung = verteilung_rechnung.erlaeuterung(e.budget.betrag_cent, s, e.basis)
        if in_force is not None and day >= in_force.berechnet_at.date():
            erlaeuterung += (
                f" Seit der Umverteilung vom {in_force.berechnet_at.date().isoformat()} ({in_force.basis}) gilt "
                f"stattdessen ein Rahmen von {euro(in_force.rahmen_cent)}."
            )
        return Rechenweg(
            kommune_ags=kommune_ags, programm=programm, foerderjahr=foerderjahr, tranche=Tranche.Value(e.tranche),
            stand=day.isoformat(), budget=_parameter_proto(e.budget),
            stichtag=_parameter_proto(e.stichtag) if e.stichtag is not None else None,
            basis=e.basis, erhebung_id=e.erhebung.id if e.erhebung is not None else "",
            anzahl=s.anzahl, anzahl_gesamt=s.anzahl_gesamt, quote_ganz_cent=s.quote_ganz_cent, rest=s.rest,
            restcents_gesamt=s.restcents_gesamt, rest_rang=s.rest_rang, plus_ein_cent=s.plus_ein_cent,
            rahmen_cent=s.rahmen_cent,
            erlaeuterung=erlaeuterung,
        )

    def compare(self, programm: int, foerderjahr: int, kreis_ags: str) -> CompareVerteilungenResponse:
        """The provisional Verteilung against the final one, each with the inputs in force today."""
        v = _Violations()
        v.programm(programm)
        if kreis_ags and kreis_ags not in gebiete().kreise:
            v.add("kreis_ags", f"„{kreis_ags[:30]}“ ist kein Kreis in Baden-Württemberg")
        v.raise_if_any()
        name, today = Programm.Name(programm), datetime.now(UTC).date()
        with self.engine.connect() as conn:
            vorl = _eingaben(conn, name, foerderjahr, today, "TRANCHE_VORLAEUFIG")
            endg = _eingaben(conn, name, foerderjahr, today, "TRANCHE_ENDGUELTIG")
            gebunden = dict(
                conn.execute(
                    select(planungsrahmen.c.kommune_ags, planungsrahmen.c.gebunden_cent).where(
                        planungsrahmen.c.programm == name, planungsrahmen.c.foerderjahr == foerderjahr
                    )
                ).all()
            )
        if vorl is None or endg is None:
            fehlt = "vorläufige" if vorl is None else "endgültige"
            raise FailedPrecondition(f"Für {name} {foerderjahr} gibt es keine {fehlt} Verteilung zum Vergleich.")
        a = verteilung_rechnung.verteilen(vorl.budget.betrag_cent, vorl.anzahlen)
        b = verteilung_rechnung.verteilen(endg.budget.betrag_cent, endg.anzahlen)
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
                if not kreis_ags or g.gemeinden[ags].kreis_ags == kreis_ags
            ],
        )

    def list_parameter(self, art: int, programm: int, foerderjahr: int) -> list[Parameter]:
        query = select(parameter).order_by(parameter.c.gueltig_ab, parameter.c.id)
        if art:
            query = query.where(parameter.c.art == _ART_NAME.get(art, "?"))
        if programm:
            query = query.where(parameter.c.programm == Programm.Name(programm))
        if foerderjahr:
            query = query.where(parameter.c.foerderjahr == foerderjahr)
        with self.engine.connect() as conn:
            return [_parameter_proto(r) for r in conn.execute(query)]

    def set_parameter(self, principal: Principal, r: SetParameterRequest) -> SetParameterResponse:
        """Record a new parameter version and recompute what depends on it, in one transaction."""
        _require_operator(principal)
        row = _validate_parameter(r)
        if (earlier := self._parameter_replay(r.request_id, row)) is not None:
            return earlier
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(
                    parameter.insert().values(
                        **row, request_id=r.request_id, erfasst_von=principal.label, erfasst_at=datetime.now(UTC)
                    ).returning(parameter.c.id)
                ).scalar_one()
                created = self.recompute(conn, principal.label)
                stored = conn.execute(select(parameter).where(parameter.c.id == new_id)).one()
        except IntegrityError:
            # A concurrent call with the same request_id won the race; answer as it did.
            if (earlier := self._parameter_replay(r.request_id, row)) is None:
                raise
            return earlier
        self.on_events()
        log.info("parameter set", extra={"art": row["art"], "programm": row["programm"], "by": principal.label})
        return SetParameterResponse(parameter=_parameter_proto(stored), verteilung_ids=created)

    def _parameter_replay(self, request_id: str, row: dict) -> SetParameterResponse | None:
        with self.engine.connect() as conn:
            earlier = conn.execute(select(parameter).where(parameter.c.request_id == request_id)).one_or_none()
        if earlier is None:
            return None
        if _seed_key(earlier._asdict()) != _seed_key(row):
            raise InvalidArgument([FieldViolation("request_id", "wurde bereits für einen anderen Parameter verwendet")])
        return SetParameterResponse(parameter=_parameter_proto(earlier))

    # -- Entscheidungen ---------------------------------------------------------------------------

    def apply_antrag_event(self, event: events.Event) -> str:
        """The steps of an Antrag that commit money (Prüfung completed) or release it
        (Verwendungsnachweis); returns the outcome for metrics."""
        payload = event.payload
        if not isinstance(payload, AntragFortgeschrieben):
            return "ignored"
        if payload.schritt == Schritt.SCHRITT_PRUEFUNG_ABGESCHLOSSEN:
            return self.decide(event.envelope, payload.antrag)
        if payload.schritt == Schritt.SCHRITT_VERWENDUNGSNACHWEIS_EINGEGANGEN:
            return self.release(event.envelope, payload.antrag)
        return "ignored"

    def decide(self, envelope: Envelope, a: Antrag) -> str:
        """Decide an Antrag once, however often its event arrives; returns the outcome for metrics.

        The Antrag draws on the Planungsrahmen of its pool: its own, or for a Kooperation the lead's and
        the members', or for a Landkreis those of the Gemeinden that transferred the task to it.
        """
        with self.engine.begin() as conn:
            first = first_delivery(conn, inbox, envelope.event_id)
            if conn.execute(select(bescheid.c.id).where(bescheid.c.antrag_id == a.id)).first():
                # Decided already. The Antrag's completed Prüfung arriving again (redelivered, or
                # published again because antrag still waits for its Bescheid) may mean that the
                # Bescheid never reached antrag: publish it again; antrag applies it once. (While
                # the Bescheid still waits in the outbox, nothing is queued twice.)
                outcome = "republished" if republish(conn, outbox, [a.id]) else "duplicate"
            elif not first:
                # Cannot happen: the inbox entry and the Bescheid are written in one transaction.
                outcome = "duplicate"
            else:
                outcome = self._decide(conn, envelope, a)
        if outcome == "republished":
            log.info("Bescheid published again", extra={"antrag_id": a.id})
        if outcome in ("applied", "republished"):
            self.on_events()
        return outcome

    def _decide(self, conn: Connection, envelope: Envelope, a: Antrag) -> str:
        """The Entscheidung itself, in the caller's transaction, which recorded the event in the
        inbox."""
        programm = Programm.Name(a.programm)
        pool = rahmen_pool(a, gebiete())
        pool_rahmen = []
        if pool:
            pool_rahmen = conn.execute(
                select(planungsrahmen)
                .where(
                    planungsrahmen.c.kommune_ags.in_(pool),
                    planungsrahmen.c.programm == programm,
                    planungsrahmen.c.foerderjahr == a.foerderjahr,
                )
                .order_by(planungsrahmen.c.kommune_ags)
                .with_for_update()
            ).all()
        if not pool_rahmen or len(pool_rahmen) != len(pool):
            entscheid = _kein_rahmen(conn, a.antragsteller_ags, programm, a.foerderjahr)
            rahmen_cent = gebunden_vorher = 0
        else:
            rahmen_cent = sum(f.rahmen_cent for f in pool_rahmen)
            gebunden_vorher = sum(f.gebunden_cent for f in pool_rahmen)
            entscheid = domain.decide(a.betrag_cent, rahmen_cent, gebunden_vorher, _schwelle(conn, programm))
        bescheid_id = str(uuid.uuid4())
        parts: dict[str, int] = {}
        if entscheid.bewilligt_cent > 0:
            parts = domain.largest_remainder(
                entscheid.bewilligt_cent, {f.kommune_ags: f.rahmen_cent - f.gebunden_cent for f in pool_rahmen}
            )
            for f in pool_rahmen:
                if parts[f.kommune_ags] == 0:
                    continue
                bound = conn.execute(
                    update(planungsrahmen)
                    .where(
                        planungsrahmen.c.kommune_ags == f.kommune_ags,
                        planungsrahmen.c.programm == programm,
                        planungsrahmen.c.foerderjahr == a.foerderjahr,
                        planungsrahmen.c.gebunden_cent == f.gebunden_cent,
                    )
                    .values(gebunden_cent=planungsrahmen.c.gebunden_cent + parts[f.kommune_ags])
                )
                if bound.rowcount != 1:
                    raise ConcurrentChange(a.id)
                conn.execute(
                    bindung.insert().values(
                        bescheid_id=bescheid_id,
                        kommune_ags=f.kommune_ags,
                        programm=programm,
                        foerderjahr=a.foerderjahr,
                        gebunden_cent=parts[f.kommune_ags],
                        freigegeben_cent=0,
                    )
                )
        conn.execute(
            bescheid.insert().values(
                id=bescheid_id,
                antrag_id=a.id,
                antrag_event_id=envelope.event_id,
                kommune_ags=a.antragsteller_ags,
                rahmen_ags=pool[0] if len(pool) == 1 else None,
                programm=programm,
                foerderjahr=a.foerderjahr,
                entscheidung=Entscheidung.Name(entscheid.entscheidung),
                ablehnungsgrund=Ablehnungsgrund.Name(entscheid.ablehnungsgrund),
                beantragt_cent=a.betrag_cent,
                bewilligt_cent=entscheid.bewilligt_cent,
                rahmen_cent=rahmen_cent,
                gebunden_vorher_cent=gebunden_vorher,
                begruendung=entscheid.begruendung,
                erlassen_at=datetime.now(UTC),
            )
        )
        event = BescheidErlassen(
            bescheid_id=bescheid_id,
            antrag_id=a.id,
            kommune_ags=a.antragsteller_ags,
            programm=a.programm,
            foerderjahr=a.foerderjahr,
            entscheidung=entscheid.entscheidung,
            ablehnungsgrund=entscheid.ablehnungsgrund,
            beantragt_cent=a.betrag_cent,
            bewilligt_cent=entscheid.bewilligt_cent,
            rahmen_cent=rahmen_cent,
            gebunden_vorher_cent=gebunden_vorher,
            begruendung=entscheid.begruendung,
            bindungen=[
                Bindung(
                    kommune_ags=f.kommune_ags, verteilung_id=f.verteilung_id, rahmen_cent=f.rahmen_cent,
                    frei_vorher_cent=f.rahmen_cent - f.gebunden_cent, gebunden_cent=parts.get(f.kommune_ags, 0),
                )
                for f in pool_rahmen
            ],
        )
        enqueue(
            conn,
            outbox,
            events.ALLOCATION_EVENTS,
            events.wrap(event, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=1, producer=PRODUCER),
        )
        return "applied"

    def release(self, envelope: Envelope, a: Antrag) -> str:
        """Give what the Verwendungsnachweis left unspent back to the Planungsrahmen it was bound to."""
        with self.engine.begin() as conn:
            if not first_delivery(conn, inbox, envelope.event_id):
                return "duplicate"
            erlassen = conn.execute(select(bescheid).where(bescheid.c.antrag_id == a.id)).one_or_none()
            if erlassen is None or a.freigegeben_cent <= 0:
                return "ignored"
            rows = conn.execute(
                select(bindung).where(bindung.c.bescheid_id == erlassen.id).order_by(bindung.c.kommune_ags).with_for_update()
            ).all()
            if any(r.freigegeben_cent for r in rows):
                return "duplicate"
            if a.freigegeben_cent > sum(r.gebunden_cent for r in rows):
                log.error("release exceeds the binding", extra={"antrag_id": a.id})
                return "rejected"
            parts = domain.largest_remainder(a.freigegeben_cent, {r.kommune_ags: r.gebunden_cent for r in rows})
            for r in rows:
                conn.execute(
                    update(bindung)
                    .where(bindung.c.bescheid_id == r.bescheid_id, bindung.c.kommune_ags == r.kommune_ags)
                    .values(freigegeben_cent=parts[r.kommune_ags])
                )
                conn.execute(
                    update(planungsrahmen)
                    .where(
                        planungsrahmen.c.kommune_ags == r.kommune_ags,
                        planungsrahmen.c.programm == r.programm,
                        planungsrahmen.c.foerderjahr == r.foerderjahr,
                    )
                    .values(gebunden_cent=planungsrahmen.c.gebunden_cent - parts[r.kommune_ags])
                )
        return "applied"

    # -- queries ------------------------------------------------------------------------------

    def get_planungsrahmen(self, kommune_ags: str, programm: int, foerderjahr: int) -> Planungsrahmen:
        violations = []
        if kommune_ags not in gebiete().gemeinden:
            violations.append(FieldViolation("kommune_ags", f"{kommune_ags!r} ist keine Gemeinde in Baden-Württemberg"))
        if programm == Programm.PROGRAMM_UNSPECIFIED or programm not in Programm.values():
            violations.append(FieldViolation("programm", "fehlt oder ist unbekannt"))
        if violations:
            raise InvalidArgument(violations)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(planungsrahmen).where(
                    planungsrahmen.c.kommune_ags == kommune_ags,
                    planungsrahmen.c.programm == Programm.Name(programm),
                    planungsrahmen.c.foerderjahr == foerderjahr,
                )
            ).one_or_none()
        if row is None:
            raise NotFound(f"Kein Planungsrahmen für {kommune_ags}, {texte.PROGRAMM.get(programm, '?')}, {foerderjahr}")
        return _to_proto(row)

    def list_planungsrahmen(
        self, kreis_ags: str, programm: int, foerderjahr: int, page_size: int, page_token: str
    ) -> tuple[list[Planungsrahmen], str]:
        page_size = min(page_size or 500, 5000)
        try:
            offset = int(page_token) if page_token else 0
        except ValueError:
            raise InvalidArgument([FieldViolation("page_token", "ungültiges Seitentoken")]) from None
        query = select(planungsrahmen)
        if kreis_ags:
            query = query.where(planungsrahmen.c.kreis_ags == kreis_ags)
        if programm:
            query = query.where(planungsrahmen.c.programm == Programm.Name(programm))
        if foerderjahr:
            query = query.where(planungsrahmen.c.foerderjahr == foerderjahr)
        pk = planungsrahmen.c
        query = query.order_by(pk.kommune_ags, pk.programm, pk.foerderjahr).offset(offset).limit(page_size + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        next_token = str(offset + page_size) if len(rows) > page_size else ""
        return [_to_proto(r) for r in rows[:page_size]], next_token

    # -- reconciliation (operators) ---------------------------------------------------------------

    def list_bescheide(self, principal: Principal, r: ListBescheideRequest) -> ListBescheideResponse:
        """Every Bescheid with what its Bindungen released again, by id, in pages (`pakt abgleich`)."""
        _require_operator(principal)
        size = page_size(r.page_size)
        after = decode_page_token(r.page_token)
        freigegeben = (
            select(func.coalesce(func.sum(bindung.c.freigegeben_cent), 0))
            .where(bindung.c.bescheid_id == bescheid.c.id)
            .scalar_subquery()
        )
        query = (
            select(
                bescheid.c.id, bescheid.c.antrag_id, bescheid.c.kommune_ags, bescheid.c.programm,
                bescheid.c.foerderjahr, bescheid.c.entscheidung, bescheid.c.bewilligt_cent,
                freigegeben.label("freigegeben_cent"),
            )
            .order_by(bescheid.c.id)
            .limit(size + 1)
        )
        if after is not None:
            query = query.where(bescheid.c.id > after)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        page = [
            BescheidStand(
                bescheid_id=row.id, antrag_id=row.antrag_id, kommune_ags=row.kommune_ags,
                programm=Programm.Value(row.programm), foerderjahr=row.foerderjahr,
                entscheidung=Entscheidung.Value(row.entscheidung), bewilligt_cent=row.bewilligt_cent,
                freigegeben_cent=int(row.freigegeben_cent),
            )
            for row in rows[:size]
        ]
        token = encode_page_token(page[-1].bescheid_id) if len(rows) > size else ""
        return ListBescheideResponse(bescheide=page, next_page_token=token)

    def republish(self, principal: Principal, r: RepublishRequest) -> RepublishResponse:
        """Queue the published events about the given Anträge (their Bescheide), or every event
        (Bescheide and Verteilungen), to be published again."""
        _require_operator(principal)
        ids = republish_selection(r.antrag_ids, r.alle, ANTRAG_ID)
        queued = queue_again(self.engine, outbox, ids, principal.label, self.on_events)
        return RepublishResponse(events_queued=queued)


def rahmen_pool(a: Antrag, gebiete: Gebiete) -> list[str]:
    """The Gemeinden whose Planungsrahmen an Antrag draws on, sorted.

    A Gemeinde draws on its own Planungsrahmen and, leading a Kooperation, on its members'; a
    Stadtkreis on its one city's; a Landkreis on the Planungsrahmen of the Gemeinden that transferred
    the task to it.
    """
    ags = a.antragsteller_ags
    if ags in gebiete.gemeinden:
        return sorted({ags, *(m.ags for m in a.mitglieder)})
    kreis = gebiete.kreise.get(ags)
    if kreis is not None and kreis.typ == "Stadtkreis":
        return [ags + "000"]
    return sorted(set(a.uebertragende_ags))


def _kein_rahmen(conn: Connection, ags: str, programm: str, foerderjahr: int) -> domain.Entscheid:
    has_budget = conn.execute(
        select(parameter.c.id).where(
            parameter.c.art == "budget", parameter.c.programm == programm, parameter.c.foerderjahr == foerderjahr
        )
    ).first()
    if has_budget is None:
        return domain.ablehnung(
            Ablehnungsgrund.ABLEHNUNGSGRUND_KEIN_BUDGET,
            f"Für {texte.PROGRAMM.name(programm)} ist im Förderjahr {foerderjahr} kein Budget festgelegt.",
        )
    return domain.ablehnung(
        Ablehnungsgrund.ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN,
        f"Für {ags} besteht kein Planungsrahmen. Ein Landkreis erhält einen Planungsrahmen nur für "
        "Gemeinden, die ihm die Aufgabe übertragen haben.",
    )


def _schwelle(conn: Connection, programm: str) -> int | None:
    row = _in_force(conn, datetime.now(UTC).date()).get((SCHWELLENWERT, programm, None, None))
    return row.betrag_cent if row is not None else None


@dataclass(frozen=True)
class Eingaben:
    """Everything one Verteilung depends on, as in force on a date."""

    programm: str
    foerderjahr: int
    tranche: str
    budget: Row
    stichtag: Row | None
    erhebung: Row | None
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


def _in_force(conn: Connection, stand: date) -> dict[tuple, Row]:
    """Per parameter (art, programm, foerderjahr, tranche): the version in force on that date."""
    rows = conn.execute(
        select(parameter).where(parameter.c.gueltig_ab <= stand).order_by(parameter.c.gueltig_ab, parameter.c.id)
    ).all()
    return {(r.art, r.programm, r.foerderjahr, r.tranche): r for r in rows}


def _eingaben(conn: Connection, programm: str, foerderjahr: int, stand: date, tranche: str | None = None) -> Eingaben | None:
    """The inputs of a programme's Verteilung on a date; None if no budget is in force.

    Without a tranche: the final one once its budget is in force, before that the provisional one.
    Counts: the Erhebung for the tranche's Stichtag (a final one before a provisional one, then the
    newest import), else the population.
    """
    params = _in_force(conn, stand)
    budgets = {t: params.get((BUDGET, programm, foerderjahr, t)) for t in TRANCHEN}
    tranche = tranche or next((t for t in reversed(TRANCHEN) if budgets[t] is not None), None)
    if tranche is None or budgets[tranche] is None:
        return None
    stichtag = params.get((STICHTAG, "", foerderjahr, tranche))
    counted = None
    if stichtag is not None:
        counted = conn.execute(
            select(erhebung)
            .where(
                erhebung.c.stichtag == stichtag.stichtag,
                # Imported by the end of that day (UTC), independent of the database's time zone.
                erhebung.c.importiert_at < datetime.combine(stand + timedelta(days=1), time.min, tzinfo=UTC),
            )
            .order_by(
                (erhebung.c.art == "ERHEBUNG_ART_ENDGUELTIG").desc(), erhebung.c.importiert_at.desc(), erhebung.c.id
            )
            .limit(1)
        ).first()
    if counted is not None:
        anzahlen = dict(
            conn.execute(
                select(erhebung_anzahl.c.kommune_ags, erhebung_anzahl.c.anzahl).where(erhebung_anzahl.c.erhebung_id == counted.id)
            ).all()
        )
        basis = f"Erhebung zum Stichtag {counted.stichtag.isoformat()} ({texte.ERHEBUNG_ART.name(counted.art)})"
    else:
        anzahlen = {ags: g.population for ags, g in gebiete().gemeinden.items()}
        basis = "Bevölkerung (Zensus 2022), solange keine Erhebung vorliegt"
    return Eingaben(programm, foerderjahr, tranche, budgets[tranche], stichtag, counted, anzahlen, basis)


def _seed_key(row: dict) -> tuple:
    """What makes two parameter versions the same entry."""
    return tuple(
        row.get(k) for k in ("art", "programm", "foerderjahr", "tranche", "stichtag", "betrag_cent", "gueltig_ab", "quelle")
    )


_ART_NAME = {
    ParameterArt.PARAMETER_ART_BUDGET: BUDGET,
    ParameterArt.PARAMETER_ART_SCHWELLENWERT: SCHWELLENWERT,
    ParameterArt.PARAMETER_ART_STICHTAG: STICHTAG,
}
_ART_VALUE = {name: value for value, name in _ART_NAME.items()}


class _Violations(Violations):
    def gemeinde(self, ags: str, field: str) -> None:
        if ags not in gebiete().gemeinden:
            self.add(field, f"„{ags[:30]}“ ist keine Gemeinde in Baden-Württemberg")

    def programm(self, programm: int, field: str = "programm") -> None:
        if programm == Programm.PROGRAMM_UNSPECIFIED or programm not in Programm.values():
            self.add(field, "fehlt oder ist unbekannt")

    def datum(self, value: str, field: str, required: bool = True) -> date | None:
        if not value:
            if required:
                self.add(field, "fehlt")
            return None
        if not DATUM.fullmatch(value):
            self.add(field, f"„{value[:30]}“ ist kein Datum im Format JJJJ-MM-TT")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.add(field, f"„{value}“ ist kein gültiges Datum")
            return None


def _validate_parameter(r: SetParameterRequest) -> dict:
    """The parameter table row for a valid request; every violation reported at once."""
    v = _Violations()
    v.request_id(r.request_id)
    p = r.parameter
    art = _ART_NAME.get(p.art)
    if art is None:
        v.add("parameter.art", "fehlt oder ist unbekannt: BUDGET, SCHWELLENWERT oder STICHTAG")
    if art in (BUDGET, SCHWELLENWERT):
        v.programm(p.programm, "parameter.programm")
        if p.betrag_cent <= 0:
            v.add("parameter.betrag_cent", "muss größer als 0 sein")
    elif art == STICHTAG and p.programm:
        v.add("parameter.programm", "ein Stichtag gilt für alle Programme: leer lassen")
    if art in (BUDGET, STICHTAG):
        if not 2000 <= p.foerderjahr <= 2100:
            v.add("parameter.foerderjahr", f"{p.foerderjahr} ist kein plausibles Förderjahr")
        if p.tranche not in (Tranche.TRANCHE_VORLAEUFIG, Tranche.TRANCHE_ENDGUELTIG):
            v.add("parameter.tranche", "fehlt: VORLAEUFIG oder ENDGUELTIG")
    elif art == SCHWELLENWERT and (p.foerderjahr or p.tranche):
        v.add("parameter.foerderjahr", "ein Schwellenwert gilt je Programm, ohne Förderjahr und Tranche")
    stichtag = v.datum(p.stichtag, "parameter.stichtag", required=art == STICHTAG)
    if art != STICHTAG and p.stichtag:
        v.add("parameter.stichtag", "nur bei einem Stichtag anzugeben")
    if art == STICHTAG and p.betrag_cent:
        v.add("parameter.betrag_cent", "ein Stichtag hat keinen Betrag")
    gueltig_ab = v.datum(p.gueltig_ab, "parameter.gueltig_ab")
    if not p.quelle.strip():
        v.add("parameter.quelle", "fehlt: woher stammt der Wert (Beschluss, Erlass, Annahme)?")
    elif len(p.quelle) > 2000:
        v.add("parameter.quelle", "höchstens 2000 Zeichen")
    else:
        v.characters(p.quelle, "parameter.quelle", single_line=True)
    v.raise_if_any()
    return {
        "art": art,
        "programm": Programm.Name(p.programm) if art != STICHTAG else "",
        "foerderjahr": p.foerderjahr if art != SCHWELLENWERT else None,
        "tranche": Tranche.Name(p.tranche) if art != SCHWELLENWERT else None,
        "stichtag": stichtag if art == STICHTAG else None,
        "betrag_cent": p.betrag_cent if art != STICHTAG else 0,
        "gueltig_ab": gueltig_ab,
        "quelle": p.quelle,
    }


def _require_operator(principal: Principal) -> None:
    if not principal.is_operator:
        raise PermissionDenied("Diesen Schritt geht nur die Bewilligungsstelle (RP Stuttgart).")


def _parameter_proto(row) -> Parameter:
    return Parameter(
        id=row.id,
        art=_ART_VALUE[row.art],
        programm=Programm.Value(row.programm) if row.programm else 0,
        foerderjahr=row.foerderjahr or 0,
        tranche=Tranche.Value(row.tranche) if row.tranche else 0,
        betrag_cent=row.betrag_cent,
        stichtag=row.stichtag.isoformat() if row.stichtag else "",
        gueltig_ab=row.gueltig_ab.isoformat(),
        quelle=row.quelle,
        erfasst_von=row.erfasst_von,
        erfasst_at=_timestamp(row.erfasst_at),
    )


def _timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    return ts


def _to_proto(row) -> Planungsrahmen:
    return Planungsrahmen(
        kommune_ags=row.kommune_ags,
        kreis_ags=row.kreis_ags,
        programm=Programm.Value(row.programm),
        foerderjahr=row.foerderjahr,
        rahmen_cent=row.rahmen_cent,
        gebunden_cent=row.gebunden_cent,
        verteilung_id=row.verteilung_id,
    )
