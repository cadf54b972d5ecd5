"""All SQL of the case-plan service: the plans, their encrypted content, the access log.

The use cases call a CasePlanRepository on their unit of work's connection. It hands out and takes
protobuf messages and the pseudonymous Planstand; ciphertexts never leave it (mapping.py encrypts
and decrypts with the plan's own data key, which only the master key unwraps). Row locks
(`with_for_update`) serialise the changes of one plan on PostgreSQL; SQLite has one writer anyway.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Row, Table, func, select, text, update

from pakt.caseplan.v1 import caseplan_pb2 as pb
from services.caseplan import audit, crypto, mapping
from services.caseplan.crypto import FieldCipher
from services.caseplan.domain import STATUS_ABGESCHLOSSEN, STATUS_OFFEN, ZIELSTATUS_OFFEN, Planstand
from services.caseplan.tables import (
    datenschluessel,
    fortschreibung,
    idempotenzschluessel,
    integrationsplan,
    person,
    ziel,
    zugriffsprotokoll,
)


class Zugriffsprotokoll:
    """The hash chain (audit.py) in its table, on the caller's connection: an entry is appended in
    the same transaction as the access it records, so both commit or neither does.

    Append as the last statement before the commit: on PostgreSQL the chain lock is held from
    append() to the end of the transaction, and every other transaction that appends waits for it.
    The transaction must be a real one (not AUTOCOMMIT). On PostgreSQL it must run at READ
    COMMITTED (the default): under REPEATABLE READ or SERIALIZABLE a snapshot taken before the lock
    may miss the newest entry, and the insert then fails on the primary key (no fork, but an
    error). On SQLite, use an engine from make_engine(), whose BEGIN IMMEDIATE takes the writer lock.
    """

    def __init__(self, conn: Connection, table: Table = zugriffsprotokoll) -> None:
        self.conn = conn
        self.table = table

    def head(self) -> tuple[int, str]:
        """(id, hash) of the newest entry; (0, GENESIS) if the log is empty. Use it as an anchor."""
        t = self.table.c
        row = self.conn.execute(select(t.id, t.hash).order_by(t.id.desc()).limit(1)).first()
        return (0, audit.GENESIS) if row is None else (row.id, row.hash)

    def append(
        self, *, akteur: str, plan_pseudonym: str, aktion: str, felder: str | Iterable[str], zweck: str,
        at: datetime | None = None,
    ) -> str:
        """Log one access; returns the new entry's hash. at: timezone-aware, default now.
        ValueError for what audit.new_entry() refuses (nothing is written then)."""
        if self.conn.dialect.name == "postgresql":
            # Held to the end of the transaction: no other append reads the head until this one commits.
            self.conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(self.table)})
        entry = audit.new_entry(
            self.head(), akteur=akteur, plan_pseudonym=plan_pseudonym, aktion=aktion, felder=felder, zweck=zweck,
            at=at or datetime.now(UTC),
        )
        self.conn.execute(self.table.insert().values(**entry))
        return entry["hash"]

    def verify(self, *, expect: tuple[int, str] | None = None, chunk_size: int = 1000) -> audit.Report:
        """Check the whole chain (audit.check), streaming it in id order chunk_size rows at a time."""
        if chunk_size < 1:
            raise ValueError("chunk_size muss mindestens 1 sein")
        return audit.check(self._stream(chunk_size), expect)

    def of_plan(self, plan_pseudonym: str) -> list[Row]:
        t = self.table
        return self.conn.execute(select(t).where(t.c.plan_pseudonym == plan_pseudonym).order_by(t.c.id)).all()

    def _stream(self, chunk_size: int) -> Iterator[Row]:
        """All entries in id order, one keyset-paginated query per chunk; never the whole table in memory."""
        t = self.table.c
        columns = [t.id, t.at, t.akteur, t.plan_pseudonym, t.aktion, t.felder, t.zweck, t.prev_hash, t.hash]
        after: int | None = None
        while True:
            query = select(*columns).order_by(t.id).limit(chunk_size)
            if after is not None:
                query = query.where(t.id > after)
            rows = self.conn.execute(query).all()
            yield from rows
            if len(rows) < chunk_size:
                return
            after = rows[-1].id


def _lock_key(table: Table) -> int:
    """The PostgreSQL advisory lock key of a table's chain: a constant per table name."""
    name = f"pakt.caseplan.audit.{table.fullname}"
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class CasePlanRepository:
    """The case-plan tables on one connection; cipher holds the master keys."""

    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher
        self.zugriffe = Zugriffsprotokoll(conn)

    # -- one plan -------------------------------------------------------------------------------------

    def plan(self, plan_id: str, *, lock: bool = False) -> Planstand | None:
        """The plan's state; lock: for a change, held to the end of the transaction."""
        query = select(integrationsplan).where(integrationsplan.c.id == plan_id)
        row = self.conn.execute(query.with_for_update() if lock else query).one_or_none()
        return None if row is None else mapping.planstand(row)

    def add_plan(self, plan_id: str, person_: pb.Person, **columns: Any) -> None:
        """A new plan with its own data key and its person."""
        self.conn.execute(integrationsplan.insert().values(id=plan_id, **columns))
        self.conn.execute(datenschluessel.insert().values(
            plan_id=plan_id, schluessel_enc=crypto.new_data_key(self.cipher, plan_id)
        ))
        self.conn.execute(person.insert().values(plan_id=plan_id, **self._person_columns(plan_id, person_)))

    def change_plan(self, plan_id: str, **columns: Any) -> None:
        self.conn.execute(update(integrationsplan).where(integrationsplan.c.id == plan_id).values(**columns))

    def replace_person(self, plan_id: str, person_: pb.Person) -> None:
        self.conn.execute(
            update(person).where(person.c.plan_id == plan_id).values(**self._person_columns(plan_id, person_))
        )

    def add_ziel(self, plan_id: str, ziel_id: str, z: pb.Ziel) -> None:
        """A goal after the plan's others."""
        position = self.conn.execute(select(func.count()).where(ziel.c.plan_id == plan_id)).scalar_one()
        columns = mapping.ziel_columns(z, self._plan_cipher(plan_id), ziel_id)
        self.conn.execute(ziel.insert().values(id=ziel_id, plan_id=plan_id, position=position, **columns))

    def change_ziel(self, plan_id: str, z: pb.Ziel) -> bool:
        """False if the plan has no goal z.id."""
        changed = self.conn.execute(
            update(ziel)
            .where(ziel.c.id == z.id, ziel.c.plan_id == plan_id)
            .values(**mapping.ziel_columns(z, self._plan_cipher(plan_id), z.id))
        )
        return changed.rowcount == 1

    def add_fortschreibung(self, plan_id: str, *, datum: date, naechste_am: date, akteur: str, notiz: str) -> None:
        self.conn.execute(fortschreibung.insert().values(
            plan_id=plan_id, datum=datum, naechste_am=naechste_am, akteur=akteur,
            notiz_enc=mapping.notiz_column(notiz, self._plan_cipher(plan_id), plan_id),
        ))

    def erase_personal_data(self, plan_id: str) -> None:
        """Every personal datum of the plan; its pseudonymous facts stay."""
        # Without its data key no copy of the plan's ciphertexts (WAL, backups, free pages) can be
        # read again; the rows go as well.
        self.conn.execute(datenschluessel.delete().where(datenschluessel.c.plan_id == plan_id))
        self.conn.execute(person.delete().where(person.c.plan_id == plan_id))
        self.conn.execute(update(ziel).where(ziel.c.plan_id == plan_id)
                          .values(beschreibung_enc=None, massnahmen_enc=None, verantwortlich_enc=None))
        self.conn.execute(update(fortschreibung).where(fortschreibung.c.plan_id == plan_id).values(notiz_enc=None))
        # A fingerprint of a request that held the person's data could be matched against guesses.
        self.conn.execute(idempotenzschluessel.delete().where(idempotenzschluessel.c.plan_id == plan_id))

    def remove(self, plan_id: str) -> None:
        """The plan and everything of it but its access log entries."""
        for table in (ziel, fortschreibung, idempotenzschluessel, person, datenschluessel):
            self.conn.execute(table.delete().where(table.c.plan_id == plan_id))
        self.conn.execute(integrationsplan.delete().where(integrationsplan.c.id == plan_id))

    def load(self, plan_id: str) -> pb.Plan:
        """The whole plan, decrypted (what the caller may see is the use case's concern)."""
        row = self.conn.execute(select(integrationsplan).where(integrationsplan.c.id == plan_id)).one()
        cipher = self._plan_cipher(plan_id) if row.geloescht_am is None else None
        return mapping.plan(
            row,
            self.conn.execute(select(person).where(person.c.plan_id == plan_id)).one_or_none(),
            self.conn.execute(select(ziel).where(ziel.c.plan_id == plan_id).order_by(ziel.c.position)),
            self.conn.execute(select(fortschreibung).where(fortschreibung.c.plan_id == plan_id).order_by(fortschreibung.c.id)),
            cipher,
        )

    def overview(self, plan_id: str) -> pb.PlanUebersicht:
        """The plan without anything of the person (and without counting its goals)."""
        return mapping.uebersicht(self.conn.execute(select(integrationsplan).where(integrationsplan.c.id == plan_id)).one(), 0)

    def log_access(
        self, akteur: str, plan_pseudonym: str, aktion: str, felder: Iterable[str], zweck: str, at: datetime
    ) -> None:
        self.zugriffe.append(akteur=akteur, plan_pseudonym=plan_pseudonym, aktion=aktion, felder=list(felder),
                             zweck=zweck, at=at)

    def accesses(self, plan_id: str) -> list[dict[str, str]]:
        """Who accessed the plan, for the person's Auskunft."""
        return [mapping.zugriff(row) for row in self.zugriffe.of_plan(plan_id)]

    # -- the Kommune's plans --------------------------------------------------------------------------

    def list_plans(self, kommune_ags: str, status: int, integrationsmanager: str) -> list[pb.PlanUebersicht]:
        """The worklist, next Fortschreibung first; status 0 and integrationsmanager "" for all."""
        p = integrationsplan.c
        offen = (
            select(func.count()).where(ziel.c.plan_id == p.id, ziel.c.status.in_(ZIELSTATUS_OFFEN)).scalar_subquery()
        )
        query = select(integrationsplan, offen.label("offene_ziele")).where(p.kommune_ags == kommune_ags)
        if status:
            query = query.where(p.status == mapping.STATUS_COLUMN[status])
        if integrationsmanager:
            query = query.where(p.integrationsmanager == integrationsmanager)
        rows = self.conn.execute(query.order_by(p.naechste_fortschreibung, p.id)).all()
        return [mapping.uebersicht(row, row.offene_ziele) for row in rows]

    def caseload(self, kommune_ags: str, stichtag: date) -> pb.GetCaseloadResponse:
        p = integrationsplan.c
        mine = (p.kommune_ags == kommune_ags, p.status == STATUS_OFFEN)
        load = self.conn.execute(
            select(p.integrationsmanager, func.count()).where(*mine)
            .group_by(p.integrationsmanager).order_by(p.integrationsmanager)
        ).all()
        reviews = self.conn.execute(
            select(p.id, p.integrationsmanager, p.naechste_fortschreibung).where(*mine, p.naechste_fortschreibung < stichtag)
        ).all()
        deadlines = self.conn.execute(
            select(p.id, p.integrationsmanager, ziel.c.feld, ziel.c.frist)
            .join(ziel, ziel.c.plan_id == p.id)
            .where(*mine, ziel.c.frist < stichtag, ziel.c.status.in_(ZIELSTATUS_OFFEN))
        ).all()
        return mapping.caseload(load, reviews, deadlines)

    def open_plans_per_kommune(self) -> dict[str, int]:
        p = integrationsplan.c
        query = select(p.kommune_ags, func.count()).where(p.status == STATUS_OFFEN).group_by(p.kommune_ags)
        return {ags: count for ags, count in self.conn.execute(query)}

    # -- retention and keys ---------------------------------------------------------------------------

    def closed_before(self, day: date, *, erased: bool) -> list[Planstand]:
        """Plans closed before day whose personal data is (erased) or is not yet erased, locked."""
        p = integrationsplan.c
        query = select(integrationsplan).where(
            p.status == STATUS_ABGESCHLOSSEN, p.abgeschlossen_am < day,
            p.geloescht_am.is_not(None) if erased else p.geloescht_am.is_(None),
        )
        return [mapping.planstand(row) for row in self.conn.execute(query.with_for_update())]

    @property
    def active_key_id(self) -> str:
        return self.cipher.keyring.active_id

    def rewrap_stale_data_keys(self, limit: int) -> int:
        """Re-wrap up to limit data keys not wrapped by the active master key; how many were."""
        rows = self.conn.execute(select(datenschluessel).order_by(datenschluessel.c.plan_id).with_for_update()).all()
        stale = [r for r in rows if self.cipher.needs_rotation(r.schluessel_enc)][:limit]
        for r in stale:
            self.conn.execute(
                update(datenschluessel)
                .where(datenschluessel.c.plan_id == r.plan_id)
                .values(schluessel_enc=crypto.rewrap_data_key(self.cipher, r.schluessel_enc, r.plan_id))
            )
        return len(stale)

    def data_keys_per_master_key(self) -> Counter[str]:
        """How many data keys each master key wraps, by key id."""
        blobs = self.conn.execute(select(datenschluessel.c.schluessel_enc)).scalars()
        return Counter(FieldCipher.key_id_of(b) for b in blobs)

    # -- mechanics --------------------------------------------------------------------------------------

    def _plan_cipher(self, plan_id: str) -> FieldCipher:
        wrapped = self.conn.execute(
            select(datenschluessel.c.schluessel_enc).where(datenschluessel.c.plan_id == plan_id)
        ).scalar_one()
        return crypto.plan_cipher(self.cipher, wrapped, plan_id)

    def _person_columns(self, plan_id: str, p: pb.Person) -> dict[str, Any]:
        return mapping.person_columns(p, self._plan_cipher(plan_id), plan_id, self.cipher.keyring)
