"""The antrag service's database schema (SQLAlchemy Core); migrations/ creates it."""

from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text

from pakt.platform.inbox import inbox_table
from pakt.platform.outbox import outbox_table

metadata = MetaData()

antrag = Table(
    "antrag",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(40), nullable=False),
    Column("antragsteller_ags", String(8), nullable=False, index=True),
    Column("kreis_ags", String(5), nullable=False, index=True),
    Column("programm", String(40), nullable=False),
    Column("foerderjahr", Integer, nullable=False),
    Column("betrag_cent", BigInteger, nullable=False),
    Column("bewilligt_cent", BigInteger, nullable=False),
    Column("ausgezahlt_cent", BigInteger, nullable=False),
    Column("bescheid_id", String(36), nullable=True),
    Column("bescheid_begruendung", Text, nullable=False),
    Column("eingegangen_at", DateTime(timezone=True), nullable=False),
    Column("geaendert_at", DateTime(timezone=True), nullable=False),
    Column("version", BigInteger, nullable=False),
)

# request_id -> the Antrag it created, with a hash of the request to detect reuse with other content.
idempotenz = Table(
    "idempotenz",
    metadata,
    Column("request_id", String(100), primary_key=True),
    Column("payload_sha256", String(64), nullable=False),
    Column("antrag_id", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

inbox = inbox_table(metadata)
outbox = outbox_table(metadata)
