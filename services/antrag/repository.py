"""All SQL of the antrag service: Anträge with their Stellen, Beteiligte, Mittelabrufe and history,
and the Übertragungen of Gemeinden to their Landkreis. One repository per connection; the unit of
work owns the transaction."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import Connection, Row, and_, exists, or_, select, text, update

from pakt.antrag.v1.antrag_pb2 import Antrag, AntragStatus, MittelabrufStatus
from pakt.platform.auth import Principal
from pakt.referenzdaten import gebiete
from services.antrag import domain
from services.antrag.mapping import to_proto
from services.antrag.tables import (
    antrag,
    beteiligung,
    historie,
    mittelabruf,
    stelle,
    uebertragung,
)

BEENDET = [AntragStatus.Name(s) for s in domain.BEENDET]
ANGEFORDERT = MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_ANGEFORDERT)
AUSGEZAHLT = MittelabrufStatus.Name(MittelabrufStatus.MITTELABRUF_STATUS_AUSGEZAHLT)
ENTSCHEIDUNGSREIF = AntragStatus.Name(AntragStatus.ANTRAG_STATUS_ENTSCHEIDUNGSREIF)


class AntragRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- Anträge ------------------------------------------------------------------------------

    def find(self, antrag_id: str, *, lock: bool = False) -> Row | None:
        query = select(antrag).where(antrag.c.id == antrag_id)
        return self.conn.execute(query.with_for_update() if lock else query).one_or_none()

    def add(self, row: dict, stellen: list[dict], beteiligte: list[tuple[str, str, int]]) -> None:
        """A new Antrag with its Stellen and Beteiligte (ags, rolle, anteil) in their order."""
        self.conn.execute(antrag.insert().values(**row))
        if stellen:
            self.conn.execute(
                stelle.insert(), [{"antrag_id": row["id"], "position": i, **s} for i, s in enumerate(stellen)]
            )
        self.conn.execute(
            beteiligung.insert(),
            [
                {"antrag_id": row["id"], "ags": ags, "rolle": rolle, "anteil_prozent": anteil, "position": i}
                for i, (ags, rolle, anteil) in enumerate(beteiligte)
            ],
        )

    def change(self, row: Row, values: dict) -> None:
        """Write a change of a locked Antrag; values include its next version."""
        changed = self.conn.execute(
            update(antrag).where(antrag.c.id == row.id, antrag.c.version == row.version).values(**values)
        )
        if changed.rowcount != 1:  # the row lock makes this impossible; never write over a change
            raise RuntimeError(f"Antrag {row.id} changed concurrently")

    def record(
        self, antrag_id: str, version: int, zeitpunkt: datetime, akteur: str, schritt: str,
        vorher: str, nachher: str, begruendung: str, betrag_cent: int,
    ) -> None:
        """The history entry of a change."""
        self.conn.execute(
            historie.insert().values(
                antrag_id=antrag_id, version=version, zeitpunkt=zeitpunkt, akteur=akteur, schritt=schritt,
                status_vorher=vorher, status_nachher=nachher, begruendung=begruendung, betrag_cent=betrag_cent,
            )
        )

    def load(self, ids: list[str]) -> list[Antrag]:
        """Full Anträge with their Stellen, Beteiligte and Mittelabrufe, in the order of ids."""
        if not ids:
            return []
        c = self.conn
        rows = {row.id: row for row in c.execute(select(antrag).where(antrag.c.id.in_(ids)))}
        stellen = _grouped(c.execute(select(stelle).where(stelle.c.antrag_id.in_(ids)).order_by(stelle.c.position)))
        beteiligte = _grouped(
            c.execute(select(beteiligung).where(beteiligung.c.antrag_id.in_(ids)).order_by(beteiligung.c.position))
        )
        abrufe = _grouped(
            c.execute(
                select(mittelabruf)
                .where(mittelabruf.c.antrag_id.in_(ids))
                .order_by(mittelabruf.c.angefordert_at, mittelabruf.c.id)
            )
        )
        return [to_proto(rows[i], stellen.get(i, []), beteiligte.get(i, []), abrufe.get(i, [])) for i in ids]

    def history(self, antrag_id: str) -> list[Row]:
        return self.conn.execute(
            select(historie).where(historie.c.antrag_id == antrag_id).order_by(historie.c.version)
        ).all()

    # -- who reads what -------------------------------------------------------------------------

    def visible(self, principal: Principal, antrag_id: str) -> bool:
        """May this Kommune read the Antrag (applicant, member, or Landkreis it was transferred to)?"""
        return self.conn.execute(select(exists().where(antrag.c.id == antrag_id, _visible_to(principal)))).scalar_one()

    def reads_for(self, principal: Principal, kommune_ags: str) -> bool:
        """A Landkreis reads the Anträge of Gemeinden that transferred a programme to it."""
        return self.conn.execute(
            select(uebertragung.c.id).where(
                uebertragung.c.gemeinde_ags == kommune_ags, uebertragung.c.kreis_ags == principal.ags
            )
        ).first() is not None

    def page(self, principal: Principal | None, filters: dict, after: tuple[datetime, str] | None, size: int) -> list[str]:
        """Ids of Anträge by Eingang, at most size + 1 (to know whether there is a next page);
        principal None: every Antrag (an operator)."""
        query = select(antrag.c.id)
        if principal is not None:
            query = query.where(_visible_to(principal))
        for column, value in filters.items():
            query = query.where(antrag.c[column] == value)
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(antrag.c.eingegangen_at > at, and_(antrag.c.eingegangen_at == at, antrag.c.id > last_id))
            )
        query = query.order_by(antrag.c.eingegangen_at, antrag.c.id).limit(size + 1)
        return list(self.conn.execute(query).scalars())

    def money_page(self, after: str | None, size: int) -> list[Row]:
        """Anträge by id for the reconciliation, at most size + 1."""
        query = select(antrag).order_by(antrag.c.id).limit(size + 1)
        if after is not None:
            query = query.where(antrag.c.id > after)
        return self.conn.execute(query).all()

    def undecided(self, completed_before: datetime, limit: int) -> list[str]:
        """Anträge whose Prüfung was completed before then and that have no Bescheid, oldest first."""
        return list(
            self.conn.execute(
                select(antrag.c.id)
                .where(
                    antrag.c.status == ENTSCHEIDUNGSREIF,
                    antrag.c.bescheid_id.is_(None),
                    antrag.c.geaendert_at < completed_before,
                )
                .order_by(antrag.c.geaendert_at, antrag.c.id)
                .limit(limit)
            ).scalars()
        )

    # -- participation: Kooperationen and Übertragungen -----------------------------------------

    def lock_kommunen(self, ags_list: Iterable[str], programm: str) -> None:
        """Serialise the participation rules per Kommune and programme (SQLite: BEGIN IMMEDIATE
        already serialises writers)."""
        if self.conn.dialect.name != "postgresql":
            return
        for key in sorted({zlib.crc32(f"antrag/{ags}/{programm}".encode()) for ags in ags_list}):
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def role_in_active_antrag(self, ags: str, roles: list[str], programm: str, beginn: date, ende: date) -> str | None:
        """The role the Kommune has in an active Antrag of the programme overlapping the period."""
        clash = self.conn.execute(
            select(beteiligung.c.rolle)
            .join(antrag, antrag.c.id == beteiligung.c.antrag_id)
            .where(
                beteiligung.c.ags == ags,
                beteiligung.c.rolle.in_(roles),
                antrag.c.programm == programm,
                antrag.c.beginn <= ende,
                antrag.c.ende >= beginn,
                antrag.c.status.not_in(BEENDET),
            )
        ).first()
        return None if clash is None else clash.rolle

    def uebertragung_overlapping(self, gemeinde_ags: str, programm: str, beginn: date, ende: date) -> Row | None:
        return self.conn.execute(
            select(uebertragung).where(
                uebertragung.c.gemeinde_ags == gemeinde_ags,
                uebertragung.c.programm == programm,
                uebertragung.c.beginn <= ende,
                uebertragung.c.ende >= beginn,
            )
        ).first()

    def uebertragende(self, kreis_ags: str, programm: str, beginn: date, ende: date) -> list[str]:
        """The Gemeinden that transferred the programme to the Landkreis for part of the period."""
        return list(
            self.conn.execute(
                select(uebertragung.c.gemeinde_ags)
                .where(
                    uebertragung.c.kreis_ags == kreis_ags,
                    uebertragung.c.programm == programm,
                    uebertragung.c.beginn <= ende,
                    uebertragung.c.ende >= beginn,
                )
                .distinct()
                .order_by(uebertragung.c.gemeinde_ags)
            ).scalars()
        )

    def add_uebertragung(self, row: dict) -> None:
        self.conn.execute(uebertragung.insert().values(**row))

    def uebertragungen(self, of: str | None, gemeinde_ags: str, kreis_ags: str) -> list[Row]:
        """Übertragungen, filtered; of: only those a Kommune is party to (None: all)."""
        query = select(uebertragung)
        if of is not None:
            query = query.where(or_(uebertragung.c.gemeinde_ags == of, uebertragung.c.kreis_ags == of))
        if gemeinde_ags:
            query = query.where(uebertragung.c.gemeinde_ags == gemeinde_ags)
        if kreis_ags:
            query = query.where(uebertragung.c.kreis_ags == kreis_ags)
        return self.conn.execute(query.order_by(uebertragung.c.gemeinde_ags, uebertragung.c.beginn)).all()

    # -- Mittelabrufe ---------------------------------------------------------------------------

    def add_mittelabruf(self, abruf_id: str, antrag_id: str, betrag_cent: int, now: datetime) -> None:
        self.conn.execute(
            mittelabruf.insert().values(
                id=abruf_id, antrag_id=antrag_id, betrag_cent=betrag_cent, status=ANGEFORDERT,
                angefordert_at=now, ausgezahlt_at=None,
            )
        )

    def mittelabruf(self, abruf_id: str, antrag_id: str) -> Row | None:
        return self.conn.execute(
            select(mittelabruf).where(mittelabruf.c.id == abruf_id, mittelabruf.c.antrag_id == antrag_id)
        ).one_or_none()

    def has_open_mittelabruf(self, antrag_id: str) -> bool:
        return self.conn.execute(
            select(mittelabruf.c.id).where(mittelabruf.c.antrag_id == antrag_id, mittelabruf.c.status == ANGEFORDERT)
        ).first() is not None

    def mark_paid(self, abruf_id: str, now: datetime) -> None:
        self.conn.execute(
            update(mittelabruf).where(mittelabruf.c.id == abruf_id).values(status=AUSGEZAHLT, ausgezahlt_at=now)
        )


def _visible_to(principal: Principal):
    """SQL condition: the Anträge a Kommune may read."""
    ags = principal.ags
    involved = select(beteiligung.c.antrag_id).where(beteiligung.c.ags == ags)
    condition = or_(antrag.c.antragsteller_ags == ags, antrag.c.id.in_(involved))
    kreis = gebiete().kreise.get(ags)
    if kreis is not None and kreis.typ == "Landkreis":
        transferred = exists().where(
            uebertragung.c.gemeinde_ags == antrag.c.antragsteller_ags,
            uebertragung.c.kreis_ags == ags,
            uebertragung.c.programm == antrag.c.programm,
        )
        condition = or_(condition, transferred)
    return condition


def _grouped(rows) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.antrag_id, []).append(row)
    return grouped
