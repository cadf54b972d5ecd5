"""The case-plan Zugriffsprotokoll on a real database: the hash chain, tampering, the anchor,
the append-only triggers, concurrent appends and streaming verification.

Tampering is done the way a DBA would: with the append-only triggers switched off inside the
tampering transaction (PostgreSQL: ALTER TABLE … DISABLE TRIGGER USER; SQLite: drop and re-create).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Connection, Engine, MetaData, delete, event, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from pakt.platform.db import make_engine
from services.caseplan.audit import AENDERN, GENESIS, LESEN, canonical, entry_hash, format_anchor, parse_anchor
from services.caseplan.repository import Zugriffsprotokoll
from services.caseplan.tables import AUDIT_TABLE as TABLE_NAME
from services.caseplan.tables import (
    audit_table,
    create_audit_table,
    install_protection,
    protect_audit_table,
    unprotect_audit_table,
    unprotection_ddl,
)

metadata = MetaData()
log = audit_table(metadata)

AKTEUR = "kommune:08111000/im:mueller"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        install_protection(conn)
    try:
        yield engine
    finally:
        engine.dispose()


def _append(conn: Connection, i: int, **overrides) -> str:
    values = {
        "akteur": AKTEUR,
        "plan_pseudonym": f"plan-{i % 7:04d}",
        "aktion": LESEN if i % 3 else AENDERN,
        "felder": ["ziele", "massnahmen"] if i % 2 else "sprachstand",
        "zweck": "Fallbearbeitung",
    } | overrides
    return Zugriffsprotokoll(conn, log).append(**values)


def _fill(engine: Engine, n: int) -> list[str]:
    """n entries, each in a transaction of its own; their hashes in order."""
    hashes = []
    for i in range(1, n + 1):
        with engine.begin() as conn:
            hashes.append(_append(conn, i))
    return hashes


def _bulk_chain(engine: Engine, n: int) -> str:
    """n valid entries written directly (much faster than n appends); returns the head hash."""
    prev_hash = GENESIS
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        batch = []
        for i in range(1, n + 1):
            entry = {
                "id": i,
                "at": start + timedelta(seconds=i, microseconds=i),
                "akteur": AKTEUR,
                "plan_pseudonym": f"plan-{i % 97:04d}",
                "aktion": LESEN,
                "felder": "ziele,massnahmen",
                "zweck": "Fallbearbeitung",
                "prev_hash": prev_hash,
            }
            entry["hash"] = prev_hash = entry_hash(**entry)
            batch.append(entry)
            if len(batch) == 1000:
                conn.execute(insert(log), batch)
                batch = []
        if batch:
            conn.execute(insert(log), batch)
    return prev_hash


@contextmanager
def _as_attacker(engine: Engine) -> Iterator[Connection]:
    """A transaction with the append-only triggers off, as the table owner / a DBA could."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE {TABLE_NAME} DISABLE TRIGGER USER"))
        else:
            for statement in unprotection_ddl("sqlite"):
                conn.execute(text(statement))
        yield conn
        # Leaves no trace of the switch: the triggers are back on when the transaction commits.
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"ALTER TABLE {TABLE_NAME} ENABLE TRIGGER USER"))
        else:
            install_protection(conn)


def _row(engine: Engine, entry_id: int):
    with engine.connect() as conn:
        return conn.execute(select(log).where(log.c.id == entry_id)).one()


def _verify(engine: Engine, **kwargs):
    with engine.connect() as conn:
        return Zugriffsprotokoll(conn, log).verify(**kwargs)


# --- a sound chain ------------------------------------------------------------------------------


def test_empty_log_verifies_and_its_head_is_genesis(engine: Engine):
    with engine.connect() as conn:
        assert Zugriffsprotokoll(conn, log).head() == (0, GENESIS)
    report = _verify(engine, expect=(0, GENESIS))
    assert (report.ok, report.entries, report.head_id, report.head_hash) == (True, 0, 0, GENESIS)


@pytest.mark.parametrize("chunk_size", [1000, 7])
def test_a_chain_of_50_entries_verifies(engine: Engine, chunk_size: int):
    hashes = _fill(engine, 48)
    # Explicit timestamps in another zone and with microseconds survive the round trip exactly.
    berlin = ZoneInfo("Europe/Berlin")
    with engine.begin() as conn:
        hashes.append(_append(conn, 49, at=datetime(2025, 3, 30, 2, 59, 59, 999999, tzinfo=UTC)))
        hashes.append(_append(conn, 50, at=datetime(2025, 10, 26, 2, 30, 0, 1, tzinfo=berlin)))

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET TIME ZONE 'Pacific/Chatham'"))  # the session zone must not matter
        report = Zugriffsprotokoll(conn, log).verify(chunk_size=chunk_size)
        assert Zugriffsprotokoll(conn, log).head() == (50, hashes[-1])
        rows = conn.execute(select(log.c.id, log.c.prev_hash, log.c.hash).order_by(log.c.id)).all()

    assert report.ok, report.problem
    assert (report.entries, report.first_bad_id, report.problem) == (50, None, "")
    assert (report.head_id, report.head_hash) == (50, hashes[-1])
    assert [r.id for r in rows] == list(range(1, 51))
    assert rows[0].prev_hash == GENESIS
    assert all(r.prev_hash == p.hash for p, r in zip(rows, rows[1:], strict=False))
    assert [r.hash for r in rows] == hashes


def test_the_hash_is_sha256_over_documented_canonical_json():
    """Pinned, so an outside verifier can rely on the format (and a change to it is noticed)."""
    entry = {
        "id": 7,
        "at": datetime(2025, 11, 21, 10, 15, 0, 42, tzinfo=ZoneInfo("Europe/Berlin")),
        "akteur": AKTEUR,
        "plan_pseudonym": "3f2b8c1e-0000-4000-8000-000000000001",
        "aktion": "LESEN",
        "felder": "ziele,massnahmen",
        "zweck": "Übergabe an Jobcenter",
        "prev_hash": "ab" * 32,
    }
    expected = (
        b'{"akteur":"kommune:08111000/im:mueller","aktion":"LESEN","at":"2025-11-21T09:15:00.000042Z",'
        b'"felder":"ziele,massnahmen","id":7,"plan_pseudonym":"3f2b8c1e-0000-4000-8000-000000000001",'
        b'"prev_hash":"' + b"ab" * 32 + b'","v":1,"zweck":"\\u00dcbergabe an Jobcenter"}'
    )
    assert canonical(**entry) == expected
    assert entry_hash(**entry) == hashlib.sha256(canonical(**entry)).hexdigest()


def test_anchor_text_round_trips(engine: Engine):
    _fill(engine, 3)
    report = _verify(engine)
    assert report.anchor == format_anchor((3, report.head_hash)) == f"3:{report.head_hash}"
    assert parse_anchor(report.anchor) == (3, report.head_hash)
    assert _verify(engine, expect=parse_anchor(report.anchor)).ok
    for bad in ("3", "x:" + "0" * 64, "3:abc", "-1:" + "0" * 64, "0:" + "1" * 64):
        with pytest.raises(ValueError):
            parse_anchor(bad)


def test_a_rolled_back_access_leaves_neither_entry_nor_gap(engine: Engine):
    with engine.begin() as conn:
        _append(conn, 1)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        _append(conn, 2)
        raise RuntimeError("the use case failed after logging")
    with engine.begin() as conn:
        _append(conn, 3)

    report = _verify(engine)
    assert report.ok, report.problem
    with engine.connect() as conn:
        assert conn.execute(select(log.c.id).order_by(log.c.id)).scalars().all() == [1, 2]


def test_append_refuses_what_could_carry_personal_values(engine: Engine):
    with engine.begin() as conn:
        for bad in (
            {"felder": "name=Mustermann"},
            {"felder": ["Max Mustermann"]},
            {"aktion": "SCHAUEN"},
            {"akteur": ""},
            {"plan_pseudonym": "x" * 65},
            {"zweck": "Zeile 1\nZeile 2"},
            {"at": datetime(2025, 1, 1, 12, 0)},  # no time zone
        ):
            with pytest.raises(ValueError):
                _append(conn, 1, **bad)
        assert Zugriffsprotokoll(conn, log).head() == (0, GENESIS)


# --- tampering ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "column, forged",
    [
        ("akteur", lambda row: "kommune:08111000/im:schmidt"),
        ("zweck", lambda row: "Statistik"),
        ("at", lambda row: row.at + timedelta(microseconds=1)),
        ("felder", lambda row: "ziele"),
        ("plan_pseudonym", lambda row: "plan-9999"),
    ],
)
def test_a_changed_entry_is_detected_at_its_id(engine: Engine, column: str, forged):
    _fill(engine, 50)
    row = _row(engine, 17)
    with _as_attacker(engine) as conn:
        conn.execute(update(log).where(log.c.id == 17).values({column: forged(row)}))

    report = _verify(engine)
    assert not report.ok
    assert report.first_bad_id == 17
    assert report.problem == "Eintrag 17: Prüfsumme stimmt nicht (verändert)"
    assert (report.entries, report.head_id, report.head_hash) == (16, 16, _row(engine, 16).hash)


def test_a_changed_entry_with_its_hash_recomputed_is_detected_at_its_successor(engine: Engine):
    _fill(engine, 50)
    row = _row(engine, 17)._asdict()
    row["akteur"] = "kommune:08111000/im:schmidt"
    row["hash"] = entry_hash(**{k: v for k, v in row.items() if k != "hash"})
    with _as_attacker(engine) as conn:
        conn.execute(update(log).where(log.c.id == 17).values(akteur=row["akteur"], hash=row["hash"]))

    report = _verify(engine)
    assert (report.ok, report.first_bad_id) == (False, 18)
    assert report.problem == "Eintrag 18: Vorgänger passt nicht (Eintrag gelöscht oder eingefügt)"


def test_a_deleted_middle_entry_is_detected(engine: Engine):
    _fill(engine, 50)
    with _as_attacker(engine) as conn:
        conn.execute(delete(log).where(log.c.id == 17))

    report = _verify(engine)
    assert (report.ok, report.first_bad_id, report.entries) == (False, 18, 16)
    assert report.problem == "Lücke in den Nummern zwischen 16 und 18 (Eintrag gelöscht)"


def test_a_deleted_middle_entry_with_the_rest_renumbered_is_detected(engine: Engine):
    _fill(engine, 50)
    with _as_attacker(engine) as conn:
        conn.execute(delete(log).where(log.c.id == 17))
        conn.execute(update(log).where(log.c.id > 17).values(id=log.c.id - 1))

    report = _verify(engine)
    assert (report.ok, report.first_bad_id) == (False, 17)
    assert report.problem == "Eintrag 17: Vorgänger passt nicht (Eintrag gelöscht oder eingefügt)"


def test_deleted_first_entries_are_detected(engine: Engine):
    _fill(engine, 10)
    with _as_attacker(engine) as conn:
        conn.execute(delete(log).where(log.c.id <= 2))

    report = _verify(engine)
    assert (report.ok, report.first_bad_id, report.entries) == (False, 3, 0)
    assert report.problem == "Eintrag 3: das Protokoll beginnt nicht bei Eintrag 1 (Anfang gelöscht)"


def test_a_deleted_last_entry_is_detected_only_with_the_anchor(engine: Engine):
    hashes = _fill(engine, 50)
    with engine.connect() as conn:
        anchor = Zugriffsprotokoll(conn, log).head()
    assert anchor == (50, hashes[-1])
    with _as_attacker(engine) as conn:
        conn.execute(delete(log).where(log.c.id == 50))

    # Without the anchor, what is left is a valid, shorter chain: undetectable.
    without = _verify(engine)
    assert (without.ok, without.entries, without.head_id) == (True, 49, 49)

    with_anchor = _verify(engine, expect=anchor)
    assert (with_anchor.ok, with_anchor.first_bad_id, with_anchor.entries) == (False, 50, 49)
    assert with_anchor.problem == "Anker-Eintrag 50 fehlt: das Protokoll endet bei Eintrag 49 (Ende abgeschnitten)"


def test_an_old_anchor_still_holds_after_new_entries(engine: Engine):
    _fill(engine, 20)
    with engine.connect() as conn:
        anchor = Zugriffsprotokoll(conn, log).head()
    with engine.begin() as conn:
        for i in range(21, 31):
            _append(conn, i)
    report = _verify(engine, expect=anchor)
    assert (report.ok, report.entries, report.head_id) == (True, 30, 30)


def test_a_recomputed_chain_is_detected_only_with_the_anchor(engine: Engine):
    """The attacker changes entry 30 and recomputes every hash from there to the end."""
    _fill(engine, 50)
    with engine.connect() as conn:
        anchor = Zugriffsprotokoll(conn, log).head()
        rows = [r._asdict() for r in conn.execute(select(log).where(log.c.id >= 29).order_by(log.c.id))]
    with _as_attacker(engine) as conn:
        prev_hash = rows[0]["hash"]
        for row in rows[1:]:
            if row["id"] == 30:
                row["zweck"] = "Statistik"
            row["prev_hash"] = prev_hash
            row["hash"] = prev_hash = entry_hash(**{k: v for k, v in row.items() if k != "hash"})
            conn.execute(update(log).where(log.c.id == row["id"]).values(**row))

    assert _verify(engine).ok  # a consistent chain, as far as it can tell
    report = _verify(engine, expect=anchor)
    assert (report.ok, report.first_bad_id) == (False, 50)
    assert report.problem == "Eintrag 50: Prüfsumme weicht vom Anker ab (Protokoll bis hier neu berechnet)"


def test_a_forged_entry_inserted_in_the_middle_is_detected_by_its_successor(engine: Engine):
    _fill(engine, 50)
    before = _row(engine, 25)
    with _as_attacker(engine) as conn:
        # Make room at 26 (in two steps, so no intermediate id collides), then forge entry 26
        # that links correctly to 25 and carries a correct hash of its own.
        conn.execute(update(log).where(log.c.id >= 26).values(id=log.c.id + 1_000_000))
        conn.execute(update(log).where(log.c.id >= 1_000_000).values(id=log.c.id - 999_999))
        forged = {
            "id": 26,
            "at": before.at + timedelta(seconds=1),
            "akteur": "kommune:08111000/im:schmidt",
            "plan_pseudonym": "plan-0001",
            "aktion": LESEN,
            "felder": "ziele",
            "zweck": "Fallbearbeitung",
            "prev_hash": before.hash,
        }
        forged["hash"] = entry_hash(**forged)
        conn.execute(insert(log).values(**forged))

    report = _verify(engine)
    assert (report.ok, report.first_bad_id, report.entries) == (False, 27, 26)
    assert report.problem == "Eintrag 27: Vorgänger passt nicht (Eintrag gelöscht oder eingefügt)"


def test_reordered_entries_are_detected(engine: Engine):
    _fill(engine, 20)
    with _as_attacker(engine) as conn:
        conn.execute(update(log).where(log.c.id == 10).values(id=-10))
        conn.execute(update(log).where(log.c.id == 11).values(id=10))
        conn.execute(update(log).where(log.c.id == -10).values(id=11))

    report = _verify(engine)
    assert (report.ok, report.first_bad_id) == (False, 10)
    assert report.problem == "Eintrag 10: Vorgänger passt nicht (Eintrag gelöscht oder eingefügt)"


# --- append-only in the database ---------------------------------------------------------------


def test_update_and_delete_are_refused_by_the_database(engine: Engine):
    _fill(engine, 5)
    statements = [
        update(log).where(log.c.id == 3).values(zweck="Statistik"),
        update(log).values(akteur="niemand"),
        delete(log).where(log.c.id == 5),
        delete(log),
    ]
    if engine.dialect.name == "postgresql":
        statements.append(text(f"TRUNCATE {TABLE_NAME}"))
    for statement in statements:
        with pytest.raises(DBAPIError, match="zugriffsprotokoll ist unveränderlich"), engine.begin() as conn:
            conn.execute(statement)

    report = _verify(engine)
    assert (report.ok, report.entries) == (True, 5)


def test_the_migration_helpers_build_the_described_table_and_its_protection(db_url: str):
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            context = MigrationContext.configure(conn)
            with Operations.context(context):
                create_audit_table()
                protect_audit_table()
            assert compare_metadata(context, metadata) == []
            _append(conn, 1)
        with pytest.raises(DBAPIError, match="unveränderlich"), engine.begin() as conn:
            conn.execute(delete(log))

        with engine.begin() as conn:
            with Operations.context(MigrationContext.configure(conn)):
                unprotect_audit_table()
            conn.execute(delete(log))  # allowed again: the downgrade removed the triggers
    finally:
        engine.dispose()


# --- concurrency and size ----------------------------------------------------------------------


def test_concurrent_appends_make_one_chain(engine: Engine):
    threads, per_thread = 4, 25
    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with engine.begin() as conn:
                    conn.execute(select(log.c.id).limit(1)).all()  # the use case reads first
                    _append(conn, i, akteur=f"kommune:08111000/im:worker{worker}")
                    time.sleep(0.001)  # and commits a little later, holding the chain lock
        except BaseException as exc:  # noqa: BLE001  reported by the test thread
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert errors == []

    report = _verify(engine)
    assert report.ok, report.problem
    assert report.entries == threads * per_thread
    with engine.connect() as conn:
        prev_hashes = conn.execute(select(log.c.prev_hash)).scalars().all()
        by_worker = conn.execute(select(log.c.akteur)).scalars().all()
    assert len(set(prev_hashes)) == len(prev_hashes)  # no two entries share a predecessor: no fork
    assert {a: by_worker.count(a) for a in set(by_worker)} == {
        f"kommune:08111000/im:worker{w}": per_thread for w in range(threads)
    }


def test_verify_streams_a_large_log_in_chunks(engine: Engine):
    n = 5_000
    head_hash = _bulk_chain(engine, n)
    selects: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and TABLE_NAME in statement:
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        started = time.monotonic()
        report = _verify(engine, chunk_size=1000)
        elapsed = time.monotonic() - started
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert report.ok, report.problem
    assert (report.entries, report.head_id, report.head_hash) == (n, n, head_hash)
    assert len(selects) == 6  # five chunks of 1,000 and the empty one that ends the stream
    assert elapsed < 10, f"verify of {n} entries took {elapsed:.1f} s"

    # A change deep in the log, past a chunk boundary, is still found at its id.
    with _as_attacker(engine) as conn:
        conn.execute(update(log).where(log.c.id == 4321).values(zweck="Statistik"))
    report = _verify(engine, chunk_size=1000)
    assert (report.ok, report.first_bad_id, report.entries) == (False, 4321, 4320)
