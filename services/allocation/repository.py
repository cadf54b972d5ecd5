"""All of allocation's SQL: the tables of tables.py read and written for the use cases, on one
connection (SQLite and PostgreSQL). Rows that a decision depends on are locked with
SELECT … FOR UPDATE, always in AGS order, so that concurrent writers wait for each other instead of
deadlocking; on SQLite the transaction's BEGIN IMMEDIATE serialises writers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from sqlalchemy import Connection, Row, and_, bindparam, func, select, update

from pakt.platform.outbox import republish
from services.allocation.tables import (
    bescheid,
    bindung,
    erhebung,
    erhebung_anzahl,
    outbox,
    parameter,
    planungsrahmen,
    verteilung,
    verteilung_rahmen,
)

p, v, pr, b = parameter.c, verteilung.c, planungsrahmen.c, bindung.c


class AllocationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- parameters ------------------------------------------------------------------------------

    def parameters(self) -> list[Row]:
        return self.conn.execute(select(parameter)).all()

    def parameters_valid_by(self, stand: date) -> list[Row]:
        """Every version valid by that date, in the order they came into force."""
        return self.conn.execute(select(parameter).where(p.gueltig_ab <= stand).order_by(p.gueltig_ab, p.id)).all()

    def list_parameters(self, art: str | None, programm: str | None, foerderjahr: int | None) -> list[Row]:
        query = select(parameter).order_by(p.gueltig_ab, p.id)
        if art is not None:
            query = query.where(p.art == art)
        if programm is not None:
            query = query.where(p.programm == programm)
        if foerderjahr is not None:
            query = query.where(p.foerderjahr == foerderjahr)
        return self.conn.execute(query).all()

    def add_parameters(self, rows: list[dict]) -> None:
        self.conn.execute(parameter.insert(), rows)

    def add_parameter(self, row: dict) -> Row:
        new_id = self.conn.execute(parameter.insert().values(**row).returning(p.id)).scalar_one()
        return self.conn.execute(select(parameter).where(p.id == new_id)).one()

    def has_budget(self, programm: str, foerderjahr: int) -> bool:
        query = select(p.id).where(p.art == "budget", p.programm == programm, p.foerderjahr == foerderjahr)
        return self.conn.execute(query).first() is not None

    # -- Erhebungen ------------------------------------------------------------------------------

    def erhebung_for(self, stichtag: date, imported_before: datetime) -> Row | None:
        """The Erhebung a Verteilung follows for a Stichtag: a final one before a provisional one,
        then the newest import."""
        e = erhebung.c
        return self.conn.execute(
            select(erhebung)
            .where(e.stichtag == stichtag, e.importiert_at < imported_before)
            .order_by((e.art == "ERHEBUNG_ART_ENDGUELTIG").desc(), e.importiert_at.desc(), e.id)
            .limit(1)
        ).first()

    def anzahlen(self, erhebung_id: str) -> dict[str, int]:
        a = erhebung_anzahl.c
        return dict(self.conn.execute(select(a.kommune_ags, a.anzahl).where(a.erhebung_id == erhebung_id)).all())

    def add_erhebung(self, row: dict, anzahlen: Mapping[str, int]) -> None:
        self.conn.execute(erhebung.insert().values(**row))
        self.conn.execute(
            erhebung_anzahl.insert(),
            [{"erhebung_id": row["id"], "kommune_ags": ags, "anzahl": n} for ags, n in sorted(anzahlen.items())],
        )

    # -- Verteilungen ----------------------------------------------------------------------------

    def verteilung(self, verteilung_id: str) -> Row:
        return self.conn.execute(select(verteilung).where(v.id == verteilung_id)).one()

    def verteilung_in_force(self, programm: str, foerderjahr: int) -> Row | None:
        """The Verteilung the Planungsrahmen of a programme and year follow."""
        return self.conn.execute(
            select(verteilung)
            .join(planungsrahmen, pr.verteilung_id == v.id)
            .where(pr.programm == programm, pr.foerderjahr == foerderjahr)
            .limit(1)
        ).first()

    def verteilung_of_request(self, request_id: str) -> Row | None:
        return self.conn.execute(select(verteilung).where(v.request_id == request_id)).one_or_none()

    def add_verteilung(self, row: dict, rahmen: Iterable[dict]) -> None:
        """A Verteilung and every Gemeinde's Planungsrahmen in it (kommune_ags, anzahl, rahmen_cent)."""
        self.conn.execute(verteilung.insert().values(**row))
        self.conn.execute(verteilung_rahmen.insert(), [{"verteilung_id": row["id"], **r} for r in rahmen])

    def gewichte(self, verteilung_id: str) -> dict[str, int]:
        """The weight every Gemeinde's share in a Verteilung followed."""
        r = verteilung_rahmen.c
        return dict(self.conn.execute(select(r.kommune_ags, r.anzahl).where(r.verteilung_id == verteilung_id)).all())

    def umverteilung_in_force(self, kommune_ags: str, programm: str, foerderjahr: int) -> Row | None:
        """The Planungsrahmen in force (rahmen_cent, basis, berechnet_at), if an Umverteilung gave it."""
        return self.conn.execute(
            select(pr.rahmen_cent, v.basis, v.berechnet_at)
            .join(verteilung, v.id == pr.verteilung_id)
            .where(pr.kommune_ags == kommune_ags, pr.programm == programm, pr.foerderjahr == foerderjahr, v.umverteilung.is_(True))
        ).first()

    # -- Planungsrahmen --------------------------------------------------------------------------

    def planungsrahmen(self, kommune_ags: str, programm: str, foerderjahr: int) -> Row | None:
        return self.conn.execute(
            select(planungsrahmen).where(pr.kommune_ags == kommune_ags, pr.programm == programm, pr.foerderjahr == foerderjahr)
        ).one_or_none()

    def list_planungsrahmen(
        self, kreis_ags: str | None, programm: str | None, foerderjahr: int | None, offset: int, limit: int
    ) -> list[Row]:
        query = select(planungsrahmen)
        if kreis_ags is not None:
            query = query.where(pr.kreis_ags == kreis_ags)
        if programm is not None:
            query = query.where(pr.programm == programm)
        if foerderjahr is not None:
            query = query.where(pr.foerderjahr == foerderjahr)
        query = query.order_by(pr.kommune_ags, pr.programm, pr.foerderjahr).offset(offset).limit(limit)
        return self.conn.execute(query).all()

    def rahmen_of(self, programm: str, foerderjahr: int, *, lock: bool) -> list[Row]:
        """Every Planungsrahmen of a programme and year, in AGS order; with lock, locked until commit."""
        query = select(planungsrahmen).where(pr.programm == programm, pr.foerderjahr == foerderjahr).order_by(pr.kommune_ags)
        return self.conn.execute(query.with_for_update() if lock else query).all()

    def gebunden(self, programm: str, foerderjahr: int, *, lock: bool = False) -> dict[str, int]:
        """What is bound in each Planungsrahmen of a programme and year."""
        query = (
            select(pr.kommune_ags, pr.gebunden_cent)
            .where(pr.programm == programm, pr.foerderjahr == foerderjahr)
            .order_by(pr.kommune_ags)
        )
        return dict(self.conn.execute(query.with_for_update() if lock else query).all())

    def pool(self, kommunen: list[str], programm: str, foerderjahr: int) -> list[Row]:
        """The Planungsrahmen of an Antrag's Pool, locked in AGS order."""
        return self.conn.execute(
            select(planungsrahmen)
            .where(pr.kommune_ags.in_(kommunen), pr.programm == programm, pr.foerderjahr == foerderjahr)
            .order_by(pr.kommune_ags)
            .with_for_update()
        ).all()

    def set_rahmen(
        self, programm: str, foerderjahr: int, verteilung_id: str, shares: Mapping[str, int],
        kreise: Mapping[str, str], existing: Iterable[str],
    ) -> None:
        """Make a Verteilung's shares the Planungsrahmen in force, keeping what is bound in them.

        Updated in place, not deleted and inserted again: an Entscheidung waiting on a
        Planungsrahmen's row lock then decides against the new Planungsrahmen; a deleted row it
        would skip, and find no Planungsrahmen at all.
        """
        key = and_(pr.programm == programm, pr.foerderjahr == foerderjahr)
        existing = set(existing)
        if gone := sorted(existing - set(shares)):
            self.conn.execute(planungsrahmen.delete().where(key, pr.kommune_ags.in_(gone)))
        if kept := [{"b_ags": ags, "b_rahmen": cent} for ags, cent in sorted(shares.items()) if ags in existing]:
            self.conn.execute(
                update(planungsrahmen)
                .where(key, pr.kommune_ags == bindparam("b_ags"))
                .values(rahmen_cent=bindparam("b_rahmen"), verteilung_id=verteilung_id),
                kept,
            )
        if new := [
            {
                "kommune_ags": ags, "programm": programm, "foerderjahr": foerderjahr, "kreis_ags": kreise[ags],
                "rahmen_cent": cent, "gebunden_cent": 0, "verteilung_id": verteilung_id,
            }
            for ags, cent in sorted(shares.items())
            if ags not in existing
        ]:
            self.conn.execute(planungsrahmen.insert(), new)

    def bind(self, kommune_ags: str, programm: str, foerderjahr: int, gebunden_vorher: int, cent: int) -> bool:
        """Bind cent in a Planungsrahmen if what is bound in it is still gebunden_vorher; False if not."""
        bound = self.conn.execute(
            update(planungsrahmen)
            .where(
                pr.kommune_ags == kommune_ags, pr.programm == programm, pr.foerderjahr == foerderjahr,
                pr.gebunden_cent == gebunden_vorher,
            )
            .values(gebunden_cent=pr.gebunden_cent + cent)
        )
        return bound.rowcount == 1

    # -- Bescheide and their Bindungen -----------------------------------------------------------

    def bescheid_of(self, antrag_id: str) -> Row | None:
        return self.conn.execute(select(bescheid).where(bescheid.c.antrag_id == antrag_id)).one_or_none()

    def add_bescheid(self, row: dict, bindungen: Iterable[dict]) -> None:
        """A Bescheid and its Bindungen (kommune_ags, programm, foerderjahr, gebunden_cent)."""
        self.conn.execute(bescheid.insert().values(**row))
        for r in bindungen:
            self.conn.execute(bindung.insert().values(bescheid_id=row["id"], freigegeben_cent=0, **r))

    def bindungen(self, bescheid_id: str) -> list[Row]:
        """A Bescheid's Bindungen, locked in AGS order."""
        return self.conn.execute(
            select(bindung).where(b.bescheid_id == bescheid_id).order_by(b.kommune_ags).with_for_update()
        ).all()

    def release(self, r: Row, cent: int) -> None:
        """Record what a Bindung released and give it back to its Planungsrahmen."""
        self.conn.execute(
            update(bindung).where(b.bescheid_id == r.bescheid_id, b.kommune_ags == r.kommune_ags).values(freigegeben_cent=cent)
        )
        self.conn.execute(
            update(planungsrahmen)
            .where(pr.kommune_ags == r.kommune_ags, pr.programm == r.programm, pr.foerderjahr == r.foerderjahr)
            .values(gebunden_cent=pr.gebunden_cent - cent)
        )

    def bescheide(self, after: str | None, limit: int) -> list[Row]:
        """Bescheide by id after a key, with what their Bindungen released (freigegeben_cent)."""
        freigegeben = select(func.coalesce(func.sum(b.freigegeben_cent), 0)).where(b.bescheid_id == bescheid.c.id).scalar_subquery()
        c = bescheid.c
        query = (
            select(
                c.id, c.antrag_id, c.kommune_ags, c.programm, c.foerderjahr, c.entscheidung, c.bewilligt_cent,
                freigegeben.label("freigegeben_cent"),
            )
            .order_by(c.id)
            .limit(limit)
        )
        if after is not None:
            query = query.where(c.id > after)
        return self.conn.execute(query).all()

    # -- events ----------------------------------------------------------------------------------

    def publish_again(self, antrag_ids: list[str]) -> int:
        """Queue the published events about these Anträge (their Bescheide) to be published again."""
        return republish(self.conn, outbox, antrag_ids)
