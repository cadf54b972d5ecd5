"""All SQL of the reporting service: the read model's rows, its counters and the sums the figures
are made of (SQLAlchemy Core; SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    Column,
    Connection,
    Row,
    and_,
    bindparam,
    case,
    distinct,
    func,
    or_,
    select,
    update,
)

from pakt import geheimhaltung
from pakt.platform.db import insert_ignore
from pakt.platform.times import utc
from services.reporting.domain import (
    PLAN_OFFEN,
    WITHDRAWN,
    ZIEL_ERREICHT,
    Antragssummen,
    Plan,
)
from services.reporting.tables import (
    aggregation_erzeuger,
    aggregation_stand,
    antrag_stand,
    plan_stand,
    rahmen_stand,
    verteilung_stand,
    ziel_stand,
)


class ReportingRepository:
    def __init__(self, conn: Connection) -> None:
        if conn.dialect.name == "postgresql" and not conn.in_transaction():
            # Opened for a query (UnitsOfWork.read): its figures and the count of events they
            # stand for come from one snapshot; under READ COMMITTED each statement sees its own.
            conn.execution_options(isolation_level="REPEATABLE READ")
        self.conn = conn

    # -- the projection ---------------------------------------------------------------------------

    def antrag_version(self, antrag_id: str) -> int | None:
        return self.conn.execute(
            select(antrag_stand.c.version).where(antrag_stand.c.antrag_id == antrag_id)
        ).scalar_one_or_none()

    def save_antrag(self, antrag_id: str, values: dict, *, neu: bool) -> None:
        if neu:
            self.conn.execute(antrag_stand.insert().values(antrag_id=antrag_id, **values))
        else:
            self.conn.execute(update(antrag_stand).where(antrag_stand.c.antrag_id == antrag_id).values(**values))

    def antrag_versionen(self, antrag_ids: Iterable[str]) -> dict[str, int]:
        """The versions of those of these Anträge the read model has."""
        ids = sorted(set(antrag_ids))
        found: dict[str, int] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            a = antrag_stand.c
            found.update(self.conn.execute(select(a.antrag_id, a.version).where(a.antrag_id.in_(ids[start : start + _IN_CHUNK]))).all())
        return found

    def save_antraege(self, neu: list[dict], geaendert: list[dict]) -> None:
        """Many Anträge at once (rows with antrag_id): new rows inserted, the others updated."""
        if neu:
            self.conn.execute(antrag_stand.insert(), neu)
        if geaendert:
            a = antrag_stand.c
            values = {c.name: bindparam(f"w_{c.name}") for c in antrag_stand.columns if c.name != "antrag_id"}
            self.conn.execute(
                update(antrag_stand).where(a.antrag_id == bindparam("w_antrag_id")).values(values),
                [{f"w_{k}": v for k, v in row.items()} for row in geaendert],
            )

    def verteilung_version(self, programm: str, foerderjahr: int) -> int | None:
        return self.conn.execute(
            select(verteilung_stand.c.version).where(_verteilung(programm, foerderjahr))
        ).scalar_one_or_none()

    def save_verteilung(self, programm: str, foerderjahr: int, version: int, verteilung_id: str, *, neu: bool) -> None:
        if neu:
            self.conn.execute(
                verteilung_stand.insert().values(
                    programm=programm, foerderjahr=foerderjahr, version=version, verteilung_id=verteilung_id
                )
            )
        else:
            self.conn.execute(
                update(verteilung_stand)
                .where(_verteilung(programm, foerderjahr))
                .values(version=version, verteilung_id=verteilung_id)
            )

    def replace_rahmen(self, programm: str, foerderjahr: int, rows: list[dict]) -> None:
        """The Planungsrahmen of a programme and year: exactly those of its newest Verteilung."""
        self.conn.execute(
            rahmen_stand.delete().where(rahmen_stand.c.programm == programm, rahmen_stand.c.foerderjahr == foerderjahr)
        )
        if rows:
            self.conn.execute(rahmen_stand.insert(), rows)

    def plan(self, plan_id: str) -> Plan | None:
        p = plan_stand.c
        row = self.conn.execute(
            select(p.version, p.kommune_ags, p.kreis_ags, p.status).where(p.plan_id == plan_id)
        ).one_or_none()
        return None if row is None else Plan(row.version, row.kommune_ags, row.kreis_ags, row.status)

    def save_plan(self, plan_id: str, plan: Plan, *, neu: bool) -> None:
        values = {"version": plan.version, "kommune_ags": plan.kommune_ags, "kreis_ags": plan.kreis_ags, "status": plan.status}
        if neu:
            self.conn.execute(plan_stand.insert().values(plan_id=plan_id, **values))
        else:
            self.conn.execute(update(plan_stand).where(plan_stand.c.plan_id == plan_id).values(**values))

    def move_ziele(self, plan_id: str, kommune_ags: str, kreis_ags: str) -> None:
        """A plan's goals are counted where the plan is."""
        self.conn.execute(
            update(ziel_stand).where(ziel_stand.c.plan_id == plan_id).values(kommune_ags=kommune_ags, kreis_ags=kreis_ags)
        )

    def ziel_version(self, ziel_id: str) -> int | None:
        return self.conn.execute(
            select(ziel_stand.c.version).where(ziel_stand.c.ziel_id == ziel_id)
        ).scalar_one_or_none()

    def save_ziel(self, ziel_id: str, values: dict, *, neu: bool) -> None:
        if neu:
            self.conn.execute(ziel_stand.insert().values(ziel_id=ziel_id, **values))
        else:
            self.conn.execute(update(ziel_stand).where(ziel_stand.c.ziel_id == ziel_id).values(**values))

    def count_processed(self, producer: str, events: int = 1) -> None:
        insert_ignore(self.conn, aggregation_erzeuger, producer=producer, events_processed=0)
        self.conn.execute(
            update(aggregation_erzeuger)
            .where(aggregation_erzeuger.c.producer == producer)
            .values(events_processed=aggregation_erzeuger.c.events_processed + events)
        )

    def count_applied(self, occurred_at: datetime, now: datetime, events: int = 1) -> None:
        """More events changed the read model; the newest of them happened at occurred_at."""
        s = aggregation_stand.c
        self.conn.execute(
            update(aggregation_stand)
            .where(s.id == 1)
            .values(
                events_applied=s.events_applied + events,
                aktualisiert_at=now,
                neuestes_ereignis_at=case(
                    (or_(s.neuestes_ereignis_at.is_(None), s.neuestes_ereignis_at < occurred_at), occurred_at),
                    else_=s.neuestes_ereignis_at,
                ),
            )
        )

    def reset(self, now: datetime) -> int:
        """Empty the read model and its counters; returns the number of Antrag rows removed."""
        removed = self.conn.execute(antrag_stand.delete()).rowcount
        for table in (ziel_stand, plan_stand, rahmen_stand, verteilung_stand, aggregation_erzeuger):
            self.conn.execute(table.delete())
        self.conn.execute(
            update(aggregation_stand)
            .where(aggregation_stand.c.id == 1)
            .values(events_applied=0, aktualisiert_at=now, neuestes_ereignis_at=None)
        )
        return removed

    # -- the queries ------------------------------------------------------------------------------

    def events_applied(self) -> int:
        return self.conn.execute(select(aggregation_stand.c.events_applied)).scalar_one()

    def stand(self) -> tuple[int, datetime | None]:
        """Events applied, and when the newest of them happened."""
        s = aggregation_stand.c
        applied, newest = self.conn.execute(select(s.events_applied, s.neuestes_ereignis_at)).one()
        return applied, None if newest is None else utc(newest)

    def events_processed(self) -> dict[str, int]:
        """Events processed per producer since creation or the last reset."""
        c = aggregation_erzeuger.c
        return dict(self.conn.execute(select(c.producer, c.events_processed)).all())

    def rahmen_summen(self, nach: str, foerderjahr: int) -> dict[str, int]:
        """Σ Planungsrahmen per Kreis ("kreis_ags") or programme ("programm"); 0: every year."""
        sums = _sum_by(self.conn, rahmen_stand.c[nach], [func.sum(rahmen_stand.c.rahmen_cent)], rahmen_stand, foerderjahr)
        return {key: values[0] for key, values in sums.items()}

    def antrag_summen(self, nach: str, foerderjahr: int) -> dict[str, Antragssummen]:
        a = antrag_stand.c
        active = a.status != WITHDRAWN
        sums = _sum_by(
            self.conn,
            a[nach],
            [
                func.sum(case((active, a.betrag_cent), else_=0)),
                func.sum(a.bewilligt_cent - a.freigegeben_cent),
                func.sum(a.ausgezahlt_cent),
                func.sum(case((active, 1), else_=0)),
            ],
            antrag_stand,
            foerderjahr,
        )
        return {key: Antragssummen(*values) for key, values in sums.items()}

    def offene_plaene(self) -> list[tuple[str, str, int]]:
        """(Kreis, Kommune, open plans) for every Kommune with open plans."""
        p = plan_stand.c
        rows = self.conn.execute(
            select(p.kreis_ags, p.kommune_ags, func.count()).where(p.status == PLAN_OFFEN).group_by(p.kreis_ags, p.kommune_ags)
        ).all()
        return [(kreis, kommune, int(anzahl)) for kreis, kommune, anzahl in rows]

    def ziele_je_feld(self) -> dict[str, geheimhaltung.ZieleImFeld]:
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
        return {row[0]: geheimhaltung.ZieleImFeld(*(int(v or 0) for v in row[1:])) for row in self.conn.execute(query)}

    def antrag_staende(self, after: str | None, limit: int) -> list[Row]:
        """Up to `limit` Anträge by id, after the given one."""
        query = select(antrag_stand).order_by(antrag_stand.c.antrag_id).limit(limit)
        if after is not None:
            query = query.where(antrag_stand.c.antrag_id > after)
        return list(self.conn.execute(query).all())


# Ids per IN list: well below SQLite's limit of bound parameters.
_IN_CHUNK = 500


def _verteilung(programm: str, foerderjahr: int):
    return and_(verteilung_stand.c.programm == programm, verteilung_stand.c.foerderjahr == foerderjahr)


def _sum_by(conn: Connection, key: Column, sums: list, table, foerderjahr: int) -> dict[str, tuple[int, ...]]:
    query = select(key, *sums).group_by(key)
    if foerderjahr:
        query = query.where(table.c.foerderjahr == foerderjahr)
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in conn.execute(query)}
