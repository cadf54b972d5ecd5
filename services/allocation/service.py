"""The allocation service layer: parameters, distributions, and decisions on Anträge."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, and_, func, select, update

from pakt.allocation.v1.allocation_pb2 import Ablehnungsgrund, Entscheidung, Planungsrahmen
from pakt.allocation.v1.events_pb2 import BescheidErlassen, KommunenRahmen, VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import Antrag
from pakt.common.v1.envelope_pb2 import Envelope
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform import events
from pakt.platform.errors import FieldViolation, InvalidArgument, NotFound
from pakt.platform.inbox import first_delivery
from pakt.platform.outbox import enqueue
from pakt.referenzdaten import Gebiete, gebiete
from services.allocation import domain
from services.allocation.tables import bescheid, bindung, inbox, outbox, parameter, planungsrahmen, verteilung

log = logging.getLogger(__name__)

PRODUCER = "allocation"
SEED = Path(__file__).parent / "parameter_seed.json"
# Until an Erhebung is imported, refugees are taken as proportional to population (DOMAIN.md).
BASIS_BEVOELKERUNG = "bevoelkerung_zensus2022"


class ConcurrentChange(RuntimeError):
    """The frame changed between read and write; the consumer retries the event."""


class AllocationService:
    def __init__(self, engine: Engine, on_events: Callable[[], None] = lambda: None) -> None:
        self.engine = engine
        self.on_events = on_events

    # -- parameters and distributions ------------------------------------------------------

    def seed_parameters(self, seed: Path = SEED) -> None:
        """Load the seeded parameters on the first start; later starts leave the table alone."""
        data = json.loads(seed.read_text(encoding="utf-8"))
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            if conn.execute(select(func.count()).select_from(parameter)).scalar_one():
                return
            rows = [
                {"art": "budget", "foerderjahr": b["foerderjahr"], **_common(b, now)} for b in data["budgets"]
            ] + [{"art": "schwellenwert", "foerderjahr": None, **_common(s, now)} for s in data["schwellenwerte"]]
            conn.execute(parameter.insert(), rows)

    def ensure_verteilungen(self) -> int:
        """Compute the Planungsrahmen for every budget that has no distribution yet."""
        created = 0
        with self.engine.begin() as conn:
            for budget in _current_budgets(conn):
                done = conn.execute(
                    select(verteilung.c.id).where(verteilung.c.budget_parameter_id == budget.id)
                ).first()
                if done is None:
                    self._verteilen(conn, budget, gebiete())
                    created += 1
        if created:
            self.on_events()
        return created

    def _verteilen(self, conn: Connection, budget, gebiete: Gebiete) -> None:
        weights = {ags: g.population for ags, g in gebiete.gemeinden.items()}
        shares = domain.largest_remainder(budget.betrag_cent, weights)
        verteilung_id = str(uuid.uuid4())
        conn.execute(
            verteilung.insert().values(
                id=verteilung_id,
                programm=budget.programm,
                foerderjahr=budget.foerderjahr,
                budget_parameter_id=budget.id,
                budget_cent=budget.betrag_cent,
                basis=BASIS_BEVOELKERUNG,
                berechnet_at=datetime.now(UTC),
            )
        )
        # A new distribution replaces the frames; what is already committed stays committed.
        key = and_(planungsrahmen.c.programm == budget.programm, planungsrahmen.c.foerderjahr == budget.foerderjahr)
        gebunden = dict(conn.execute(select(planungsrahmen.c.kommune_ags, planungsrahmen.c.gebunden_cent).where(key)).all())
        conn.execute(planungsrahmen.delete().where(key))
        conn.execute(
            planungsrahmen.insert(),
            [
                {
                    "kommune_ags": ags,
                    "programm": budget.programm,
                    "foerderjahr": budget.foerderjahr,
                    "kreis_ags": gebiete.gemeinden[ags].kreis_ags,
                    "rahmen_cent": cent,
                    "gebunden_cent": gebunden.get(ags, 0),
                    "verteilung_id": verteilung_id,
                }
                for ags, cent in sorted(shares.items())
            ],
        )
        event = VerteilungFestgelegt(
            verteilung_id=verteilung_id,
            programm=Programm.Value(budget.programm),
            foerderjahr=budget.foerderjahr,
            budget_cent=budget.betrag_cent,
            rahmen=[
                KommunenRahmen(kommune_ags=ags, kreis_ags=gebiete.gemeinden[ags].kreis_ags, rahmen_cent=cent)
                for ags, cent in sorted(shares.items())
            ],
        )
        enqueue(
            conn,
            outbox,
            events.ALLOCATION_EVENTS,
            events.wrap(
                event,
                aggregate_type="verteilung",
                aggregate_key=f"{budget.programm}/{budget.foerderjahr}",
                aggregate_version=budget.id,
                producer=PRODUCER,
            ),
        )
        log.info("verteilung computed", extra={"programm": budget.programm, "foerderjahr": budget.foerderjahr})

    # -- decisions ---------------------------------------------------------------------------

    def decide(self, envelope: Envelope, a: Antrag) -> str:
        """Decide an Antrag once, however often its event arrives; returns the outcome for metrics.

        The Antrag draws on the frames of its pool: its own, or for a Kooperation the lead's and
        the members', or for a Landkreis those of the Gemeinden that transferred the task to it.
        """
        programm = Programm.Name(a.programm)
        with self.engine.begin() as conn:
            if not first_delivery(conn, inbox, envelope.event_id):
                return "duplicate"
            if conn.execute(select(bescheid.c.id).where(bescheid.c.antrag_id == a.id)).first():
                return "duplicate"
            pool = frame_pool(a, gebiete())
            frames = []
            if pool:
                frames = conn.execute(
                    select(planungsrahmen)
                    .where(
                        planungsrahmen.c.kommune_ags.in_(pool),
                        planungsrahmen.c.programm == programm,
                        planungsrahmen.c.foerderjahr == a.foerderjahr,
                    )
                    .order_by(planungsrahmen.c.kommune_ags)
                    .with_for_update()
                ).all()
            if not frames or len(frames) != len(pool):
                entscheid = _kein_rahmen(conn, a.antragsteller_ags, programm, a.foerderjahr)
                rahmen_cent = gebunden_vorher = 0
            else:
                rahmen_cent = sum(f.rahmen_cent for f in frames)
                gebunden_vorher = sum(f.gebunden_cent for f in frames)
                entscheid = domain.decide(a.betrag_cent, rahmen_cent, gebunden_vorher, _schwelle(conn, programm))
            bescheid_id = str(uuid.uuid4())
            if entscheid.bewilligt_cent > 0:
                parts = domain.largest_remainder(
                    entscheid.bewilligt_cent, {f.kommune_ags: f.rahmen_cent - f.gebunden_cent for f in frames}
                )
                for f in frames:
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
            )
            enqueue(
                conn,
                outbox,
                events.ALLOCATION_EVENTS,
                events.wrap(event, aggregate_type="antrag", aggregate_key=a.id, aggregate_version=1, producer=PRODUCER),
            )
        self.on_events()
        return "applied"

    def release(self, envelope: Envelope, a: Antrag) -> str:
        """Give what the Verwendungsnachweis left unspent back to the frames it was bound to."""
        with self.engine.begin() as conn:
            if not first_delivery(conn, inbox, envelope.event_id):
                return "duplicate"
            entscheid = conn.execute(select(bescheid).where(bescheid.c.antrag_id == a.id)).one_or_none()
            if entscheid is None or a.freigegeben_cent <= 0:
                return "ignored"
            rows = conn.execute(
                select(bindung).where(bindung.c.bescheid_id == entscheid.id).order_by(bindung.c.kommune_ags).with_for_update()
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
            raise NotFound(f"Kein Planungsrahmen für {kommune_ags}, {Programm.Name(programm)}, {foerderjahr}")
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


def frame_pool(a: Antrag, gebiete: Gebiete) -> list[str]:
    """The Gemeinden whose Planungsrahmen an Antrag draws on, sorted.

    A Gemeinde draws on its own frame and, leading a Kooperation, on its members'; a Stadtkreis on
    its one city's; a Landkreis on the frames of the Gemeinden that transferred the task to it.
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
            f"Für {programm} ist im Förderjahr {foerderjahr} kein Budget festgelegt.",
        )
    return domain.ablehnung(
        Ablehnungsgrund.ABLEHNUNGSGRUND_KEIN_PLANUNGSRAHMEN,
        f"Für {ags} besteht kein Planungsrahmen. Ein Landkreis erhält einen Planungsrahmen nur für "
        "Gemeinden, die ihm die Aufgabe übertragen haben.",
    )


def _schwelle(conn: Connection, programm: str) -> int | None:
    return conn.execute(
        select(parameter.c.betrag_cent)
        .where(parameter.c.art == "schwellenwert", parameter.c.programm == programm)
        .order_by(parameter.c.gueltig_ab.desc(), parameter.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _current_budgets(conn: Connection):
    """The newest budget parameter per programme and year."""
    rows = conn.execute(
        select(parameter).where(parameter.c.art == "budget").order_by(parameter.c.gueltig_ab, parameter.c.id)
    ).all()
    latest = {(r.programm, r.foerderjahr): r for r in rows}
    return [latest[k] for k in sorted(latest)]


def _common(entry: dict, now: datetime) -> dict:
    return {
        "programm": entry["programm"],
        "betrag_cent": entry["betrag_cent"],
        "gueltig_ab": date.fromisoformat(entry["gueltig_ab"]),
        "quelle": entry["quelle"],
        "erfasst_von": "system:seed",
        "erfasst_at": now,
    }


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
