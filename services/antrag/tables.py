"""The antrag service's database schema (SQLAlchemy Core); migrations/ creates it."""

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

from pakt.platform.db import AUTO_ID
from pakt.platform.idempotency import key_table
from pakt.platform.inbox import inbox_table
from pakt.platform.outbox import outbox_table, relay_state_table

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
    Column("beginn", Date, nullable=False),
    Column("ende", Date, nullable=False),
    Column("traegerschaft", String(40), nullable=False),
    Column("traeger_name", String(200), nullable=False),
    Column("ansprechperson_name", String(200), nullable=False),
    Column("ansprechperson_email", String(200), nullable=False),
    Column("ansprechperson_telefon", String(30), nullable=False),
    Column("begruendung", Text, nullable=False),
    # Money, in cents. The database checks 0 <= verwendet <= ausgezahlt <= abgerufen <= bewilligt <= betrag.
    Column("betrag_cent", BigInteger, nullable=False),
    Column("bewilligt_cent", BigInteger, nullable=False),
    Column("abgerufen_cent", BigInteger, nullable=False),
    Column("ausgezahlt_cent", BigInteger, nullable=False),
    Column("verwendet_cent", BigInteger, nullable=False),
    Column("rueckforderung_cent", BigInteger, nullable=False),
    Column("freigegeben_cent", BigInteger, nullable=False),
    Column("bescheid_id", String(36), nullable=True),
    Column("bescheid_begruendung", Text, nullable=False),
    Column("nachforderung_text", Text, nullable=False),
    Column("nachforderung_frist", Date, nullable=True),
    Column("nachforderung_antwort", Text, nullable=False),
    Column("eingegangen_at", DateTime(timezone=True), nullable=False),
    Column("geaendert_at", DateTime(timezone=True), nullable=False),
    Column("version", BigInteger, nullable=False),
)

# Integrationsmanager positions applied for (Integrationsmanagement only).
stelle = Table(
    "stelle",
    metadata,
    Column("antrag_id", String(36), ForeignKey("antrag.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("vzae_hundertstel", Integer, nullable=False),
    Column("qualifikation", String(60), nullable=False),
)

# Every Kommune an Antrag concerns: the applicant, Kooperation members, and the Gemeinden whose
# Übertragung a Landkreis applies for. Used for who may read it and who may not apply again.
beteiligung = Table(
    "beteiligung",
    metadata,
    Column("antrag_id", String(36), ForeignKey("antrag.id"), primary_key=True),
    Column("ags", String(8), primary_key=True),
    Column("rolle", String(20), nullable=False),  # ANTRAGSTELLER | MITGLIED | UEBERTRAGEND
    Column("anteil_prozent", Integer, nullable=False),
    Column("position", Integer, nullable=False),
)

mittelabruf = Table(
    "mittelabruf",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("antrag_id", String(36), ForeignKey("antrag.id"), nullable=False, index=True),
    Column("betrag_cent", BigInteger, nullable=False),
    Column("status", String(40), nullable=False),
    Column("angefordert_at", DateTime(timezone=True), nullable=False),
    Column("ausgezahlt_at", DateTime(timezone=True), nullable=True),
)

# The audit trail the Rechnungshof reads: who did what, when and why, for every version.
historie = Table(
    "historie",
    metadata,
    Column("id", AUTO_ID, primary_key=True, autoincrement=True),
    Column("antrag_id", String(36), ForeignKey("antrag.id"), nullable=False, index=True),
    Column("version", BigInteger, nullable=False),
    Column("zeitpunkt", DateTime(timezone=True), nullable=False),
    Column("akteur", String(80), nullable=False),
    Column("schritt", String(60), nullable=False),
    Column("status_vorher", String(40), nullable=False),
    Column("status_nachher", String(40), nullable=False),
    Column("begruendung", Text, nullable=False),
    Column("betrag_cent", BigInteger, nullable=False),
)

uebertragung = Table(
    "uebertragung",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("gemeinde_ags", String(8), nullable=False, index=True),
    Column("kreis_ags", String(5), nullable=False, index=True),
    Column("programm", String(40), nullable=False),
    Column("beginn", Date, nullable=False),
    Column("ende", Date, nullable=False),
    Column("erfasst_von", String(80), nullable=False),
    Column("erfasst_at", DateTime(timezone=True), nullable=False),
)

# Idempotency keys per caller: the first response of a mutating call, to answer repeats with.
idempotenzschluessel = key_table(metadata, Column("antwort", LargeBinary, nullable=False), akteur_length=80)

inbox = inbox_table(metadata)
outbox = outbox_table(metadata)
outbox_relay_state = relay_state_table(metadata)
