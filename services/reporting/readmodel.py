"""Applying events to the read model, and the queries the dashboard asks: budget utilisation and
Integrationsmanagement casework (the latter under statistical confidentiality, geheimhaltung.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, case, distinct, func, or_, select, update

from pakt.allocation.v1.events_pb2 import VerteilungFestgelegt
from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus
from pakt.antrag.v1.events_pb2 import AntragBeschieden, AntragEingereicht, AntragFortgeschrieben
from pakt.caseplan.v1.caseplan_pb2 import Planstatus, Zielfeld, Zielstatus
from pakt.caseplan.v1.events_pb2 import PlanAbgeschlossen, PlanEroeffnet, PlanUebergeben, ZielFortgeschrieben
from pakt.common.v1.programm_pb2 import Programm
from pakt.platform.db import insert_ignore
from pakt.platform.errors import FieldViolation, InvalidArgument
from pakt.platform.events import Event
from pakt.platform.reconciliation import decode_page_token, encode_page_token, page_size
from pakt.referenzdaten import gebiete, programme
from pakt.reporting.v1.reporting_pb2 import AntragStand, Gliederung
from pakt import geheimhaltung, texte
from pakt.geheimhaltung import Zelle, ZielfeldZellen
from services.reporting.tables import (
    aggregation_erzeuger,
    aggregation_stand,
    antrag_stand,
    plan_stand,
    rahmen_stand,
    verteilung_stand,
    ziel_stand,
)

WITHDRAWN = AntragStatus.Name(AntragStatus.ANTRAG_STATUS_ZURUECKGEZOGEN)
PLAN_OFFEN = Planstatus.Name(Planstatus.PLANSTATUS_OFFEN)
PLAN_ABGESCHLOSSEN = Planstatus.Name(Planstatus.PLANSTATUS_ABGESCHLOSSEN)
ZIEL_ERREICHT = Zielstatus.Name(Zielstatus.ZIELSTATUS_ERREICHT)
CASEPLAN_EVENTS = (PlanEroeffnet, ZielFortgeschrieben, PlanAbgeschlossen, PlanUebergeben)


@dataclass(frozen=True)
class Zeile:
    key: str
    name: str
    planungsrahmen_cent: int
    beantragt_cent: int
    bewilligt_cent: int
    ausgezahlt_cent: int
    antraege: int


@dataclass(frozen=True)
class FaelleZeile:
    key: str
    name: str
    offene_plaene: Zelle


@dataclass(frozen=True)
class ZielfeldZeile:
    feld: int
    name: str
    zellen: ZielfeldZellen


@dataclass(frozen=True)
class Integrationsmanagement:
    rows: list[FaelleZeile]
    offene_plaene_gesamt: Zelle
    zielfelder: list[ZielfeldZeile]


class ReadModel:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def apply(self, event: Event) -> str:
        """Apply one event; returns the outcome for metrics. Idempotent by aggregate version."""
        payload = event.payload
        with self.engine.begin() as conn:
            if isinstance(payload, (AntragEingereicht, AntragBeschieden, AntragFortgeschrieben)):
                outcome = _apply_antrag(conn, payload.antrag)
            elif isinstance(payload, VerteilungFestgelegt):
                outcome = _apply_verteilung(conn, payload, event.envelope.aggregate_version)
            elif isinstance(payload, CASEPLAN_EVENTS):
                outcome = _apply_caseplan(conn, payload, event.envelope.aggregate_version)
            else:
                outcome = "ignored"
            _count_processed(conn, event.envelope.producer)
            if outcome == "applied":
                s = aggregation_stand.c
                occurred = event.envelope.occurred_at.ToDatetime(tzinfo=UTC)
                conn.execute(
                    update(aggregation_stand)
                    .where(s.id == 1)
                    .values(
                        events_applied=s.events_applied + 1,
                        aktualisiert_at=datetime.now(UTC),
                        neuestes_ereignis_at=case(
                            (or_(s.neuestes_ereignis_at.is_(None), s.neuestes_ereignis_at < occurred), occurred),
                            else_=s.neuestes_ereignis_at,
                        ),
                    )
                )
        return outcome

    def stand(self) -> tuple[int, datetime | None]:
        """Events applied, and when the newest of them happened."""
        s = aggregation_stand.c
        with self.engine.connect() as conn:
            applied, newest = conn.execute(select(s.events_applied, s.neuestes_ereignis_at)).one()
        if newest is not None and newest.tzinfo is None:  # SQLite keeps no zone; it was written in UTC
            newest = newest.replace(tzinfo=UTC)
        return applied, newest

    def events_applied(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(aggregation_stand.c.events_applied)).scalar_one()

    # -- reconciliation and rebuild ---------------------------------------------------------------

    def list_antrag_staende(self, size: int, token: str) -> tuple[list[AntragStand], str]:
        """The read model's Anträge, by id, in pages."""
        size = page_size(size)
        after = decode_page_token(token)
        query = select(antrag_stand).order_by(antrag_stand.c.antrag_id).limit(size + 1)
        if after is not None:
            query = query.where(antrag_stand.c.antrag_id > after)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        page = [
            AntragStand(
                antrag_id=r.antrag_id, version=r.version, antragsteller_ags=r.antragsteller_ags, kreis_ags=r.kreis_ags,
                programm=r.programm, foerderjahr=r.foerderjahr, status=r.status, betrag_cent=r.betrag_cent,
                bewilligt_cent=r.bewilligt_cent, ausgezahlt_cent=r.ausgezahlt_cent,
                freigegeben_cent=r.freigegeben_cent, rueckforderung_cent=r.rueckforderung_cent,
            )
            for r in rows[:size]
        ]
        return page, encode_page_token(page[-1].antrag_id) if len(rows) > size else ""

    def aggregation(self) -> tuple[int, dict[str, int]]:
        """Events applied, and events processed per producer, since creation or the last reset."""
        with self.engine.connect() as conn:
            applied = conn.execute(select(aggregation_stand.c.events_applied)).scalar_one()
            processed = dict(conn.execute(select(aggregation_erzeuger.c.producer, aggregation_erzeuger.c.events_processed)).all())
        return applied, processed

    def reset(self) -> int:
        """Empty the read model and its counters in one transaction, for a rebuild from the
        services' events. Returns the number of Antrag rows removed."""
        with self.engine.begin() as conn:
            removed = conn.execute(antrag_stand.delete()).rowcount
            for table in (ziel_stand, plan_stand, rahmen_stand, verteilung_stand, aggregation_erzeuger):
                conn.execute(table.delete())
            conn.execute(
                update(aggregation_stand)
                .where(aggregation_stand.c.id == 1)
                .values(events_applied=0, aktualisiert_at=datetime.now(UTC), neuestes_ereignis_at=None)
            )
        return removed

    def utilisation(self, by: int, foerderjahr: int) -> list[Zeile]:
        return self.utilisation_und_stand(by, foerderjahr)[0]

    def utilisation_und_stand(self, by: int, foerderjahr: int) -> tuple[list[Zeile], int]:
        """The figures and the number of events they stand for, read in one transaction."""
        jahre = {j for p in programme().values() for j in p.foerderjahre}
        violations = []
        if by not in (Gliederung.GLIEDERUNG_LANDKREIS, Gliederung.GLIEDERUNG_PROGRAMM):
            violations.append(FieldViolation("by", "Gliederung fehlt: LANDKREIS oder PROGRAMM"))
        if foerderjahr and foerderjahr not in jahre:
            violations.append(
                FieldViolation("foerderjahr", f"{foerderjahr} ist kein Förderjahr (möglich: {sorted(jahre)})")
            )
        if violations:
            raise InvalidArgument(violations)
        if by == Gliederung.GLIEDERUNG_LANDKREIS:
            names = {ags: k.bezeichnung for ags, k in sorted(gebiete().kreise.items())}
            antrag_key, rahmen_key = antrag_stand.c.kreis_ags, rahmen_stand.c.kreis_ags
        else:
            names = {key: p.name for key, p in programme().items()}
            antrag_key, rahmen_key = antrag_stand.c.programm, rahmen_stand.c.programm
        with self.engine.connect() as conn:
            rahmen = _sum_by(conn, rahmen_key, [func.sum(rahmen_stand.c.rahmen_cent)], rahmen_stand, foerderjahr)
            active = antrag_stand.c.status != WITHDRAWN
            antraege = _sum_by(
                conn,
                antrag_key,
                [
                    func.sum(case((active, antrag_stand.c.betrag_cent), else_=0)),
                    # What stays committed: the Verwendungsnachweis releases the unspent part.
                    func.sum(antrag_stand.c.bewilligt_cent - antrag_stand.c.freigegeben_cent),
                    func.sum(antrag_stand.c.ausgezahlt_cent),
                    func.sum(case((active, 1), else_=0)),
                ],
                antrag_stand,
                foerderjahr,
            )
            applied = conn.execute(select(aggregation_stand.c.events_applied)).scalar_one()
        rows = []
        for key, name in names.items():
            beantragt, bewilligt, ausgezahlt, anzahl = antraege.get(key, (0, 0, 0, 0))
            rows.append(Zeile(key, name, rahmen.get(key, (0,))[0], beantragt, bewilligt, ausgezahlt, anzahl))
        return rows, applied


    def integrationsmanagement(self, by: int, kreis_ags: str) -> Integrationsmanagement:
        """Open plans per Kreis (LANDKREIS) or per Kommune of one Kreis (KOMMUNE), and goals per
        field Land-wide (LANDKREIS only), with no published count describing fewer than 5 people."""
        kreise = gebiete().kreise
        violations = []
        if by not in (Gliederung.GLIEDERUNG_LANDKREIS, Gliederung.GLIEDERUNG_KOMMUNE):
            violations.append(FieldViolation("by", "Gliederung fehlt: LANDKREIS oder KOMMUNE"))
        elif by == Gliederung.GLIEDERUNG_KOMMUNE and kreis_ags not in kreise:
            violations.append(
                FieldViolation(
                    "kreis_ags",
                    f"{kreis_ags!r} ist kein Stadt- oder Landkreis in Baden-Württemberg; "
                    "erwartet wird der fünfstellige Kreisschlüssel (AGS), z. B. 08115.",
                )
            )
        elif by == Gliederung.GLIEDERUNG_LANDKREIS and kreis_ags:
            violations.append(FieldViolation("kreis_ags", "nur mit Gliederung KOMMUNE"))
        if violations:
            raise InvalidArgument(violations)
        p = plan_stand.c
        with self.engine.connect() as conn:
            offen = conn.execute(
                select(p.kreis_ags, p.kommune_ags, func.count())
                .where(p.status == PLAN_OFFEN)
                .group_by(p.kreis_ags, p.kommune_ags)
            ).all()
            ziele = _ziele_je_feld(conn) if by == Gliederung.GLIEDERUNG_LANDKREIS else {}
        # Every Kreis and Kommune, zeros included, and whatever else the events name: the rows of
        # each level must add up to the level above, or a withheld cell could be recovered.
        je_kommune: dict[str, dict[str, int]] = {ags: {} for ags in kreise}
        for g in gebiete().gemeinden.values():
            je_kommune[g.kreis_ags][g.ags] = 0
        for ags, k in kreise.items():
            if k.typ == "Landkreis":
                je_kommune[ags][ags] = 0  # a Landkreis running Integrationsmanagement for its Gemeinden
        for kreis, kommune, anzahl in offen:
            je_kommune.setdefault(kreis, {})[kommune] = int(anzahl)
        figures = geheimhaltung.fallzahlen(je_kommune)
        if by == Gliederung.GLIEDERUNG_LANDKREIS:
            rows = [FaelleZeile(ags, _name(ags), zelle) for ags, zelle in sorted(figures.kreise.items())]
            return Integrationsmanagement(
                rows=rows,
                offene_plaene_gesamt=figures.land,
                zielfelder=[
                    ZielfeldZeile(feld, name, geheimhaltung.zielfeld(ziele.get(Zielfeld.Name(feld), _KEINE_ZIELE)))
                    for feld, name in texte.ZIELFELD.items()
                ],
            )
        rows = [FaelleZeile(ags, _name(ags), zelle) for ags, zelle in sorted(figures.kommunen[kreis_ags].items())]
        return Integrationsmanagement(rows=rows, offene_plaene_gesamt=figures.kreise[kreis_ags], zielfelder=[])


_KEINE_ZIELE = geheimhaltung.ZieleImFeld(0, 0, 0, 0, 0)


def _name(ags: str) -> str:
    g = gebiete()
    if ags in g.kreise:
        return g.kreise[ags].bezeichnung
    if ags in g.gemeinden:
        return g.gemeinden[ags].name
    return ags


def _ziele_je_feld(conn: Connection) -> dict[str, geheimhaltung.ZieleImFeld]:
    z = ziel_stand.c
    erreicht = z.status == ZIEL_ERREICHT
    query = select(
        z.feld,
        func.count(),
        func.sum(case((erreicht, 1), else_=0)),
        func.count(distinct(z.plan_id)),
        func.count(distinct(case((erreicht, z.plan_id)))),
        func.count(distinct(case((~erreicht, z.plan_id)))),
    ).group_by(z.feld)
    return {row[0]: geheimhaltung.ZieleImFeld(*(int(v or 0) for v in row[1:])) for row in conn.execute(query)}


def _sum_by(conn: Connection, key, sums: list, table, foerderjahr: int) -> dict[str, tuple[int, ...]]:
    query = select(key, *sums).group_by(key)
    if foerderjahr:
        query = query.where(table.c.foerderjahr == foerderjahr)
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in conn.execute(query)}


def _apply_antrag(conn: Connection, a: Antrag) -> str:
    current = conn.execute(
        select(antrag_stand.c.version).where(antrag_stand.c.antrag_id == a.id)
    ).scalar_one_or_none()
    if current is not None and current >= a.version:
        return "stale"
    values = {
        "version": a.version,
        "antragsteller_ags": a.antragsteller_ags,
        "kreis_ags": a.kreis_ags,
        "programm": Programm.Name(a.programm),
        "foerderjahr": a.foerderjahr,
        "status": AntragStatus.Name(a.status),
        "betrag_cent": a.betrag_cent,
        "bewilligt_cent": a.bewilligt_cent,
        "ausgezahlt_cent": a.ausgezahlt_cent,
        "freigegeben_cent": a.freigegeben_cent,
        "rueckforderung_cent": a.rueckforderung_cent,
    }
    if current is None:
        conn.execute(antrag_stand.insert().values(antrag_id=a.id, **values))
    else:
        conn.execute(update(antrag_stand).where(antrag_stand.c.antrag_id == a.id).values(**values))
    return "applied"


def _count_processed(conn: Connection, producer: str) -> None:
    key = producer or "unbekannt"
    insert_ignore(conn, aggregation_erzeuger, producer=key, events_processed=0)
    conn.execute(
        update(aggregation_erzeuger)
        .where(aggregation_erzeuger.c.producer == key)
        .values(events_processed=aggregation_erzeuger.c.events_processed + 1)
    )


def _apply_verteilung(conn: Connection, v: VerteilungFestgelegt, version: int) -> str:
    programm = Programm.Name(v.programm)
    key = and_(verteilung_stand.c.programm == programm, verteilung_stand.c.foerderjahr == v.foerderjahr)
    current = conn.execute(select(verteilung_stand.c.version).where(key)).scalar_one_or_none()
    if current is not None and current >= version:
        return "stale"
    if current is None:
        conn.execute(
            verteilung_stand.insert().values(
                programm=programm, foerderjahr=v.foerderjahr, version=version, verteilung_id=v.verteilung_id
            )
        )
    else:
        conn.execute(update(verteilung_stand).where(key).values(version=version, verteilung_id=v.verteilung_id))
    conn.execute(
        rahmen_stand.delete().where(rahmen_stand.c.programm == programm, rahmen_stand.c.foerderjahr == v.foerderjahr)
    )
    conn.execute(
        rahmen_stand.insert(),
        [
            {
                "kommune_ags": r.kommune_ags,
                "programm": programm,
                "foerderjahr": v.foerderjahr,
                "kreis_ags": r.kreis_ags,
                "rahmen_cent": r.rahmen_cent,
            }
            for r in v.rahmen
        ],
    )
    return "applied"


def _apply_caseplan(conn: Connection, payload, version: int) -> str:
    """A plan's events all name its Kommune as it was then (a handover: the new one): the newest
    event applied decides where the plan and its goals are counted. Closing is final."""
    kommune = payload.an_kommune_ags if isinstance(payload, PlanUebergeben) else payload.kommune_ags
    changed = _apply_plan(conn, payload.plan_id, kommune, version, isinstance(payload, PlanAbgeschlossen))
    if isinstance(payload, ZielFortgeschrieben):
        changed = _apply_ziel(conn, payload, version) or changed
    return "applied" if changed else "stale"


def _apply_plan(conn: Connection, plan_id: str, kommune: str, version: int, abgeschlossen: bool) -> bool:
    p = plan_stand.c
    current = conn.execute(select(p.version, p.kommune_ags, p.status).where(p.plan_id == plan_id)).one_or_none()
    status = PLAN_ABGESCHLOSSEN if abgeschlossen else PLAN_OFFEN
    if current is None:
        conn.execute(
            plan_stand.insert().values(
                plan_id=plan_id, version=version, kommune_ags=kommune, kreis_ags=_kreis(kommune), status=status
            )
        )
        return True
    values: dict[str, object] = {}
    if version > current.version:
        values["version"] = version
        if kommune != current.kommune_ags:
            values.update(kommune_ags=kommune, kreis_ags=_kreis(kommune))
    if abgeschlossen and current.status != PLAN_ABGESCHLOSSEN:
        values["status"] = PLAN_ABGESCHLOSSEN
    if not values:
        return False
    conn.execute(update(plan_stand).where(p.plan_id == plan_id).values(**values))
    if "kommune_ags" in values:
        conn.execute(
            update(ziel_stand)
            .where(ziel_stand.c.plan_id == plan_id)
            .values(kommune_ags=values["kommune_ags"], kreis_ags=values["kreis_ags"])
        )
    return True


def _apply_ziel(conn: Connection, z: ZielFortgeschrieben, version: int) -> bool:
    current = conn.execute(
        select(ziel_stand.c.version).where(ziel_stand.c.ziel_id == z.ziel_id)
    ).scalar_one_or_none()
    if current is not None and current >= version:
        return False
    plan = conn.execute(
        select(plan_stand.c.kommune_ags, plan_stand.c.kreis_ags).where(plan_stand.c.plan_id == z.plan_id)
    ).one()
    values = {
        "plan_id": z.plan_id,
        "version": version,
        "feld": _enum_name(Zielfeld, z.feld),
        "status": _enum_name(Zielstatus, z.status),
        "kommune_ags": plan.kommune_ags,
        "kreis_ags": plan.kreis_ags,
    }
    if current is None:
        conn.execute(ziel_stand.insert().values(ziel_id=z.ziel_id, **values))
    else:
        conn.execute(update(ziel_stand).where(ziel_stand.c.ziel_id == z.ziel_id).values(**values))
    return True


def _kreis(kommune_ags: str) -> str:
    return gebiete().kreis_of(kommune_ags) or kommune_ags[:5]


def _enum_name(enum, value: int) -> str:
    """The value's name; a value this build does not know yet (a newer producer) by its number."""
    return enum.Name(value) if value in enum.values() else str(value)
