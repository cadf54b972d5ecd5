"""Zugriffsprotokoll: an append-only, hash-chained log of every access to social data (§35 SGB I).

Every read and change of a case plan's personal data gets one entry: who (akteur), which plan
(its pseudonym), what (aktion and the names of the fields), when (at) and why (zweck). Never
a personal VALUE: no names, no contents, only field names and pseudonyms.

The entry is written by append() on the caller's Connection, in the SAME transaction as the access
it records: if the use case commits, its entry is committed with it; if it rolls back, so does the
entry. Append as the last statement before the commit: on PostgreSQL the chain lock is held from
append() to the end of the transaction, and every other transaction that appends waits for it.

The chain
---------
Entries are numbered 1, 2, 3, … without gaps: append() assigns id = head id + 1 under the chain
lock instead of using a database sequence (a PostgreSQL sequence leaves a gap for every rolled-back
transaction, and then a gap would prove nothing). Each entry carries

    prev_hash = the hash of entry id - 1 (64 zeros, GENESIS, for entry 1)
    hash      = SHA-256 of canonical(entry), see entry_hash()

where canonical() is JSON with sorted keys, no whitespace, ASCII only, the timestamp in UTC as
"YYYY-MM-DDTHH:MM:SS.ffffffZ", over the fields v (format version, 1), id, at, akteur,
plan_pseudonym, aktion, felder, zweck and prev_hash. Anyone can re-check it without this code.

What verify() detects, and what it cannot
-----------------------------------------
verify() reads the entries in id order, in chunks, and stops at the first problem:

- a changed entry (any column): its hash no longer matches            "Prüfsumme stimmt nicht"
- a deleted entry in the middle: the numbers have a gap               "Lücke in den Nummern"
- deleted entries at the start: the first number is not 1
- an entry inserted in the middle (with its hash correctly recomputed, the later ones
  renumbered): its successor's prev_hash names the entry that used to precede it
                                                                      "Vorgänger passt nicht"
- reordered entries (swapped contents or swapped numbers): prev_hash no longer links up

It cannot detect, on its own:

- the tail cut off (the newest entries deleted): what is left is a valid, shorter chain;
- a rewrite from some entry to the end with all hashes recomputed (plain SHA-256 has no secret:
  whoever can write to the database can recompute the chain).

An anchor closes both gaps. head() returns (id, hash) of the newest entry; publish it outside the
database (the operator's log, a ticket, a signed e-mail; `pakt serve caseplan audit verify` prints it).
verify(conn, table, expect=(id, hash)) then also checks that the chain still reaches that entry
and that the entry still has that hash. Since that hash depends on every entry before it, a
matching anchor proves entries 1..id are exactly as they were when the anchor was taken.
Entries after the newest anchor remain as (un)protected as above, so take anchors regularly.

Append-only in the database
---------------------------
protect_audit_table() (an Alembic migration step) installs triggers that refuse UPDATE and DELETE
(and on PostgreSQL TRUNCATE) of the table. They stop mistakes and the service's own code, not a
DBA: the table owner can `ALTER TABLE … DISABLE TRIGGER`, a superuser can also `SET
session_replication_role = replica`, and on SQLite anyone who can write the file can drop the
trigger. That attacker is what the hash chain and the anchor are for. On PostgreSQL, let the
service log in with a role that does not own the table and holds only SELECT and INSERT on it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, Index, MetaData, Row, String, Table, select, text

from pakt.platform.db import AUTO_ID

TABLE_NAME = "zugriffsprotokoll"

# prev_hash of the first entry.
GENESIS = "0" * 64

# Version of the canonical serialisation, part of every hash.
FORMAT_VERSION = 1

LESEN = "LESEN"
ANLEGEN = "ANLEGEN"
AENDERN = "AENDERN"
EXPORT = "EXPORT"
LOESCHEN = "LOESCHEN"
UEBERGABE = "UEBERGABE"
SCHLUESSELWECHSEL = "SCHLUESSELWECHSEL"
AKTIONEN = frozenset({LESEN, ANLEGEN, AENDERN, EXPORT, LOESCHEN, UEBERGABE, SCHLUESSELWECHSEL})

# Column sizes; append() checks them so that SQLite refuses what PostgreSQL would.
_AKTEUR_LEN = 200
_PSEUDONYM_LEN = 64
_AKTION_LEN = 20
_FELDER_LEN = 1000
_ZWECK_LEN = 200

# A field name, e.g. "geburtsdatum" or "massnahme.ziel"; never a value.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def audit_table(metadata: MetaData) -> Table:
    """The Zugriffsprotokoll. id is assigned by append() (head + 1), never by a sequence."""
    return Table(
        TABLE_NAME,
        metadata,
        Column("id", AUTO_ID, primary_key=True, autoincrement=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("akteur", String(_AKTEUR_LEN), nullable=False),
        Column("plan_pseudonym", String(_PSEUDONYM_LEN), nullable=False),
        Column("aktion", String(_AKTION_LEN), nullable=False),
        Column("felder", String(_FELDER_LEN), nullable=False),
        Column("zweck", String(_ZWECK_LEN), nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        # Who accessed plan X (Auskunft nach Art. 15 DSGVO, Datenschutzkontrolle).
        Index(f"ix_{TABLE_NAME}_plan_pseudonym", "plan_pseudonym", "id"),
    )


# --- the chain --------------------------------------------------------------------------------


def canonical(
    *,
    id: int,
    at: datetime,
    akteur: str,
    plan_pseudonym: str,
    aktion: str,
    felder: str,
    zweck: str,
    prev_hash: str,
) -> bytes:
    """The bytes an entry's hash is taken over (see the module docstring)."""
    document = {
        "v": FORMAT_VERSION,
        "id": id,
        "at": _iso_utc(at),
        "akteur": akteur,
        "plan_pseudonym": plan_pseudonym,
        "aktion": aktion,
        "felder": felder,
        "zweck": zweck,
        "prev_hash": prev_hash,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(
    *,
    id: int,
    at: datetime,
    akteur: str,
    plan_pseudonym: str,
    aktion: str,
    felder: str,
    zweck: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of canonical(entry)."""
    return hashlib.sha256(
        canonical(
            id=id,
            at=at,
            akteur=akteur,
            plan_pseudonym=plan_pseudonym,
            aktion=aktion,
            felder=felder,
            zweck=zweck,
            prev_hash=prev_hash,
        )
    ).hexdigest()


def _iso_utc(at: datetime) -> str:
    # SQLite hands back naive datetimes; append() only ever stores UTC.
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_key(table: Table) -> int:
    """The PostgreSQL advisory lock key of a table's chain: a constant per table name."""
    name = f"pakt.caseplan.audit.{table.fullname}"
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def head(conn: Connection, table: Table) -> tuple[int, str]:
    """(id, hash) of the newest entry; (0, GENESIS) if the log is empty. Use it as an anchor."""
    row = conn.execute(select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)).first()
    return (0, GENESIS) if row is None else (row.id, row.hash)


def append(
    conn: Connection,
    table: Table,
    *,
    akteur: str,
    plan_pseudonym: str,
    aktion: str,
    felder: str | Iterable[str],
    zweck: str,
    at: datetime | None = None,
) -> str:
    """Log one access in the caller's transaction; returns the new entry's hash.

    felder: field names, as "a,b" or ["a", "b"] (may be empty). at: timezone-aware, default now.
    Raises ValueError for an unknown aktion, a malformed field name, an empty akteur,
    plan_pseudonym or zweck, or anything longer than its column.

    The caller's transaction must be a real one (not AUTOCOMMIT). On PostgreSQL it must run at
    READ COMMITTED (the default): under REPEATABLE READ or SERIALIZABLE a snapshot taken before the
    lock may miss the newest entry, and the insert then fails on the primary key (no fork, but an
    error). On SQLite, use an engine from make_engine(), whose BEGIN IMMEDIATE takes the writer lock.
    """
    felder_text = _felder(felder)
    _check_text("akteur", akteur, _AKTEUR_LEN)
    _check_text("plan_pseudonym", plan_pseudonym, _PSEUDONYM_LEN)
    _check_text("zweck", zweck, _ZWECK_LEN)
    if aktion not in AKTIONEN:
        raise ValueError(f"unbekannte aktion {aktion!r}; erlaubt: {', '.join(sorted(AKTIONEN))}")
    if at is not None and at.tzinfo is None:
        raise ValueError("at muss eine Zeitzone haben (z. B. datetime.now(UTC))")

    if conn.dialect.name == "postgresql":
        # Held to the end of the transaction: no other append reads the head until this one commits.
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(table)})
    prev_id, prev_hash = head(conn, table)
    entry = {
        "id": prev_id + 1,
        # Stored in UTC at microsecond precision, which both databases keep exactly.
        "at": (at or datetime.now(UTC)).astimezone(UTC),
        "akteur": akteur,
        "plan_pseudonym": plan_pseudonym,
        "aktion": aktion,
        "felder": felder_text,
        "zweck": zweck,
        "prev_hash": prev_hash,
    }
    entry["hash"] = entry_hash(**entry)
    conn.execute(table.insert().values(**entry))
    return entry["hash"]


def _felder(felder: str | Iterable[str]) -> str:
    names = [n.strip() for n in felder.split(",")] if isinstance(felder, str) else [str(n).strip() for n in felder]
    names = [n for n in names if n]
    for name in names:
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"felder: {name!r} ist kein Feldname (nur Namen, niemals Werte)")
    result = ",".join(names)
    if len(result) > _FELDER_LEN:
        raise ValueError(f"felder: länger als {_FELDER_LEN} Zeichen")
    return result


def _check_text(name: str, value: str, max_len: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} fehlt")
    if len(value) > max_len:
        raise ValueError(f"{name}: länger als {max_len} Zeichen")
    if any(ord(c) < 32 for c in value):
        raise ValueError(f"{name}: enthält Steuerzeichen")


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The result of verify().

    entries: how many entries verified correctly (all of them if ok; before the problem if not).
    head_id, head_hash: the last entry that verified correctly ((0, GENESIS) if none); if ok, the
    head of the chain, i.e. the anchor to publish.
    first_bad_id: the entry where the problem shows (for a cut-off tail: the first missing id).
    problem: for the operator, in German; "" if ok.
    """

    ok: bool
    entries: int
    first_bad_id: int | None
    problem: str
    head_hash: str
    head_id: int = 0

    @property
    def anchor(self) -> str:
        """head_id:head_hash, as format_anchor() writes it."""
        return format_anchor((self.head_id, self.head_hash))


def verify(
    conn: Connection,
    table: Table,
    *,
    expect: tuple[int, str] | None = None,
    chunk_size: int = 1000,
) -> Report:
    """Check the whole chain, streaming it in id order chunk_size rows at a time.

    expect: an anchor (id, hash) taken earlier with head(); the chain must still contain entry id
    with exactly that hash, which also detects a cut-off tail and a recomputed chain.
    """
    if expect is not None:
        expect = _check_anchor(expect)
    if chunk_size < 1:
        raise ValueError("chunk_size muss mindestens 1 sein")

    prev_id, prev_hash, count = 0, GENESIS, 0

    def bad(first_bad_id: int, problem: str) -> Report:
        return Report(False, count, first_bad_id, problem, prev_hash, prev_id)

    for row in _stream(conn, table, chunk_size):
        if row.id != prev_id + 1:
            if prev_id == 0:
                return bad(row.id, f"Eintrag {row.id}: das Protokoll beginnt nicht bei Eintrag 1 (Anfang gelöscht)")
            return bad(row.id, f"Lücke in den Nummern zwischen {prev_id} und {row.id} (Eintrag gelöscht)")
        if row.prev_hash != prev_hash:
            return bad(row.id, f"Eintrag {row.id}: Vorgänger passt nicht (Eintrag gelöscht oder eingefügt)")
        computed = entry_hash(
            id=row.id,
            at=row.at,
            akteur=row.akteur,
            plan_pseudonym=row.plan_pseudonym,
            aktion=row.aktion,
            felder=row.felder,
            zweck=row.zweck,
            prev_hash=row.prev_hash,
        )
        if computed != row.hash:
            return bad(row.id, f"Eintrag {row.id}: Prüfsumme stimmt nicht (verändert)")
        if expect is not None and row.id == expect[0] and row.hash != expect[1]:
            return bad(
                row.id,
                f"Eintrag {row.id}: Prüfsumme weicht vom Anker ab (Protokoll bis hier neu berechnet)",
            )
        prev_id, prev_hash = row.id, row.hash
        count += 1

    if expect is not None and prev_id < expect[0]:
        return bad(
            prev_id + 1,
            f"Anker-Eintrag {expect[0]} fehlt: das Protokoll endet bei Eintrag {prev_id} "
            "(Ende abgeschnitten)",
        )
    return Report(True, count, None, "", prev_hash, prev_id)


def _stream(conn: Connection, table: Table, chunk_size: int) -> Iterator[Row]:
    """All entries in id order, one keyset-paginated query per chunk; never the whole table in memory."""
    columns = [
        table.c.id,
        table.c.at,
        table.c.akteur,
        table.c.plan_pseudonym,
        table.c.aktion,
        table.c.felder,
        table.c.zweck,
        table.c.prev_hash,
        table.c.hash,
    ]
    after: int | None = None
    while True:
        query = select(*columns).order_by(table.c.id).limit(chunk_size)
        if after is not None:
            query = query.where(table.c.id > after)
        rows = conn.execute(query).all()
        yield from rows
        if len(rows) < chunk_size:
            return
        after = rows[-1].id


def format_anchor(anchor: tuple[int, str]) -> str:
    """"id:hash", e.g. for the operator's log or a --expect option."""
    anchor_id, anchor_hash = _check_anchor(anchor)
    return f"{anchor_id}:{anchor_hash}"


def parse_anchor(value: str) -> tuple[int, str]:
    """The inverse of format_anchor(); ValueError if malformed."""
    id_text, sep, anchor_hash = value.strip().partition(":")
    if not sep or not id_text.isdigit():
        raise ValueError(f"Anker {value!r}: erwartet wird <nummer>:<sha256-hex>")
    return _check_anchor((int(id_text), anchor_hash))


def _check_anchor(anchor: tuple[int, str]) -> tuple[int, str]:
    anchor_id, anchor_hash = anchor
    anchor_hash = anchor_hash.lower()
    if anchor_id < 0 or not _HEX64.fullmatch(anchor_hash):
        raise ValueError(f"Anker {anchor!r}: erwartet wird (nummer >= 0, 64 Hex-Zeichen)")
    if anchor_id == 0 and anchor_hash != GENESIS:
        raise ValueError("Anker 0 ist das leere Protokoll; sein Hash ist GENESIS (64 Nullen)")
    return anchor_id, anchor_hash


# --- append-only in the database ------------------------------------------------------------------


def protection_ddl(dialect: str, table_name: str = TABLE_NAME) -> list[str]:
    """Statements that make the table refuse UPDATE and DELETE (PostgreSQL: also TRUNCATE).

    The one source for the migration (protect_audit_table) and for tests (install_protection).
    """
    message = f"{table_name} ist unveränderlich (nur anhängen)"
    if dialect == "postgresql":
        function = f"{table_name}_append_only"
        return [
            # No % and no :name in these texts: they go through text() and a pyformat driver.
            f"""CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING
        MESSAGE = '{message}: ' || TG_OP || ' nicht erlaubt',
        ERRCODE = 'insufficient_privilege';
END
$$""",
            f"CREATE TRIGGER {table_name}_no_update_delete BEFORE UPDATE OR DELETE ON {table_name} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()",
            f"CREATE TRIGGER {table_name}_no_truncate BEFORE TRUNCATE ON {table_name} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
        ]
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table_name}_no_{op.lower()} BEFORE {op} ON {table_name} "
            f"BEGIN SELECT RAISE(ABORT, '{message}: {op} nicht erlaubt'); END"
            for op in ("UPDATE", "DELETE")
        ]
    raise ValueError(f"kein Schutz für die Datenbank {dialect!r}")


def unprotection_ddl(dialect: str, table_name: str = TABLE_NAME) -> list[str]:
    """The reverse of protection_ddl(), for a downgrade."""
    if dialect == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table_name}_no_truncate ON {table_name}",
            f"DROP TRIGGER IF EXISTS {table_name}_no_update_delete ON {table_name}",
            f"DROP FUNCTION IF EXISTS {table_name}_append_only()",
        ]
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table_name}_no_{op}" for op in ("update", "delete")]
    raise ValueError(f"kein Schutz für die Datenbank {dialect!r}")


def install_protection(conn: Connection, table_name: str = TABLE_NAME) -> None:
    """protection_ddl() on a plain Connection, where no migration runs (tests, tools)."""
    for statement in protection_ddl(conn.dialect.name, table_name):
        conn.execute(text(statement))


def create_audit_table() -> None:
    """For a migration: the table as audit_table() describes it, with its index."""
    from alembic import op

    table = audit_table(MetaData())
    op.create_table(table.name, *[c._copy() for c in table.columns])
    for index in table.indexes:
        op.create_index(index.name, table.name, [c.name for c in index.columns])


def protect_audit_table() -> None:
    """For a migration, after create_audit_table(): the append-only triggers."""
    from alembic import op

    for statement in protection_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def unprotect_audit_table() -> None:
    """For a migration's downgrade, before dropping the table."""
    from alembic import op

    for statement in unprotection_ddl(op.get_bind().dialect.name):
        op.execute(statement)
