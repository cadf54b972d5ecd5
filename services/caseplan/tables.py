"""The case-plan schema (SQLAlchemy Core).

Personal data lives only in columns ending in `_enc`: AES-GCM ciphertexts with their key id
(services/caseplan/crypto.py), made with the plan's data key from `datenschluessel`. Everything
else is pseudonymous: the plan's id is random, and dates, statuses and goal fields say nothing
about who the person is. Migrations in migrations/versions are written by hand and must match this
metadata; the integration tests compare the two. The Zugriffsprotokoll's table and the triggers
that make it append-only are declared here too, for the migration and the tests alike.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    Date,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    text,
)

from pakt.platform.db import AUTO_ID
from pakt.platform.idempotency import key_table
from pakt.platform.outbox import outbox_table, relay_state_table
from services.caseplan import audit

metadata = MetaData()

integrationsplan = Table(
    "integrationsplan",
    metadata,
    # Pseudonymous (a UUID): it must not be derivable from the person.
    Column("id", String(36), primary_key=True),
    # The responsible Kommune: the Gemeinde, or the Landkreis running Integrationsmanagement for it.
    Column("kommune_ags", String(8), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("eroeffnet_am", Date, nullable=False),
    Column("abgeschlossen_am", Date, nullable=True),
    Column("integrationsmanager", String(63), nullable=True),
    Column("laufzeit_bis", Date, nullable=True),
    Column("naechste_fortschreibung", Date, nullable=True),
    Column("abschlussgrund", String(40), nullable=True),
    # Coarse enough to be no identifier: the only trace of the birth date outside `person`.
    Column("altersband", String(10), nullable=True),
    Column("einwilligung_zweck", String(200), nullable=True),
    Column("einwilligung_erteilt_am", Date, nullable=True),
    Column("einwilligung_widerrufen_am", Date, nullable=True),
    # Set when the personal data was erased (on request or at the end of its retention).
    Column("geloescht_am", DateTime(timezone=True), nullable=True),
    Column("version", BigInteger, nullable=True),
    # A closed plan has a closing date and an open one has none, so counts by status and by
    # date can never disagree.
    CheckConstraint(
        "(status = 'offen' AND abgeschlossen_am IS NULL)"
        " OR (status = 'abgeschlossen' AND abgeschlossen_am IS NOT NULL)",
        name="ck_integrationsplan_status",
    ),
)

# Each plan's own data key, wrapped (encrypted) by the master key with its key id. Every personal
# field of the plan is encrypted with it; erasure deletes it (crypto-shredding).
datenschluessel = Table(
    "datenschluessel",
    metadata,
    Column("plan_id", String(36), ForeignKey("integrationsplan.id"), primary_key=True),
    Column("schluessel_enc", LargeBinary, nullable=False),
)

# The person of a plan: one row, all of it personal data, all of it encrypted. Erasure deletes it.
person = Table(
    "person",
    metadata,
    Column("plan_id", String(36), ForeignKey("integrationsplan.id"), primary_key=True),
    Column("name_enc", LargeBinary, nullable=False),
    Column("geburtsdatum_enc", LargeBinary, nullable=False),
    Column("staatsangehoerigkeit_enc", LargeBinary, nullable=False),
    Column("sprachen_enc", LargeBinary, nullable=False),
    Column("haushalt_enc", LargeBinary, nullable=False),
    Column("qualifikationen_enc", LargeBinary, nullable=False),
    Column("schulbildung_enc", LargeBinary, nullable=False),
    Column("berufsabschluss_enc", LargeBinary, nullable=False),
    Column("entwicklung_enc", LargeBinary, nullable=False),
    # Blind index of name and birth date (keyed HMAC): finds a second plan for the same person.
    Column("suchindex", String(64), nullable=False, index=True),
)

# Goals: the field and status are the pseudonymous facts; the texts may say anything, so they
# are encrypted like the person.
ziel = Table(
    "ziel",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("plan_id", String(36), ForeignKey("integrationsplan.id"), nullable=False, index=True),
    Column("feld", String(40), nullable=False),
    Column("status", String(40), nullable=False),
    Column("frist", Date, nullable=True),
    Column("beschreibung_enc", LargeBinary, nullable=True),
    Column("massnahmen_enc", LargeBinary, nullable=True),
    Column("verantwortlich_enc", LargeBinary, nullable=True),
    Column("position", BigInteger, nullable=False),
)

fortschreibung = Table(
    "fortschreibung",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True),
    Column("plan_id", String(36), ForeignKey("integrationsplan.id"), nullable=False, index=True),
    Column("datum", Date, nullable=False),
    Column("notiz_enc", LargeBinary, nullable=True),
    Column("naechste_am", Date, nullable=True),
    Column("akteur", String(100), nullable=False),
)

# Idempotency keys: only a fingerprint and the plan, never the request (it holds personal data).
idempotenzschluessel = key_table(metadata, Column("plan_id", String(36), nullable=False, index=True))

AUDIT_TABLE = "zugriffsprotokoll"


def audit_table(metadata: MetaData) -> Table:
    """The Zugriffsprotokoll (services/caseplan/audit.py). id is assigned by the repository
    (head + 1), never by a sequence."""
    return Table(
        AUDIT_TABLE,
        metadata,
        Column("id", AUTO_ID, primary_key=True, autoincrement=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("akteur", String(audit.AKTEUR_LEN), nullable=False),
        Column("plan_pseudonym", String(audit.PSEUDONYM_LEN), nullable=False),
        Column("aktion", String(audit.AKTION_LEN), nullable=False),
        Column("felder", String(audit.FELDER_LEN), nullable=False),
        Column("zweck", String(audit.ZWECK_LEN), nullable=False),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        # Who accessed plan X (Auskunft nach Art. 15 DSGVO, Datenschutzkontrolle).
        Index(f"ix_{AUDIT_TABLE}_plan_pseudonym", "plan_pseudonym", "id"),
    )


zugriffsprotokoll = audit_table(metadata)
outbox = outbox_table(metadata)
outbox_relay_state = relay_state_table(metadata)


# --- the Zugriffsprotokoll is append-only in the database ---------------------------------------
#
# Triggers refuse UPDATE and DELETE (and on PostgreSQL TRUNCATE) of the table. They stop mistakes
# and the service's own code, not a DBA: the table owner can `ALTER TABLE … DISABLE TRIGGER`, a
# superuser can also `SET session_replication_role = replica`, and on SQLite anyone who can write
# the file can drop the trigger. That attacker is what the hash chain and the anchor are for. On
# PostgreSQL, let the service log in with a role that does not own the table and holds only SELECT
# and INSERT on it.


def protection_ddl(dialect: str, table_name: str = AUDIT_TABLE) -> list[str]:
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


def unprotection_ddl(dialect: str, table_name: str = AUDIT_TABLE) -> list[str]:
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


def install_protection(conn: Connection, table_name: str = AUDIT_TABLE) -> None:
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
