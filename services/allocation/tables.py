"""The allocation service's database schema (SQLAlchemy Core), every constraint as migrations/
creates it."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
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
    UniqueConstraint,
)

from pakt.platform.idempotency import key_table
from pakt.platform.inbox import inbox_table
from pakt.platform.outbox import outbox_table, relay_state_table

metadata = MetaData()

# Versioned parameters: a change is a new row, never an update.
# art: "budget" (programm, foerderjahr, tranche, betrag_cent), "schwellenwert" (programm,
# betrag_cent) or "stichtag" (foerderjahr, tranche, stichtag; programm is empty: all programmes).
parameter = Table(
    "parameter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("art", String(20), nullable=False),
    Column("programm", String(40), nullable=False),
    Column("foerderjahr", Integer, nullable=True),
    Column("tranche", String(30), nullable=True),
    Column("stichtag", Date, nullable=True),
    # The request that set a version over the API (seeds have none); idempotenzschluessel answers repeats.
    Column("request_id", String(100), nullable=True),
    Column("betrag_cent", BigInteger, nullable=False),
    Column("gueltig_ab", Date, nullable=False),
    Column("quelle", Text, nullable=False),
    Column("erfasst_von", String(100), nullable=False),
    Column("erfasst_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("request_id", name="uq_parameter_request_id"),
)

# One computed Verteilung of a budget over the Kommunen, with the inputs it used.
verteilung = Table(
    "verteilung",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("programm", String(40), nullable=False),
    Column("foerderjahr", Integer, nullable=False),
    Column("budget_parameter_id", Integer, nullable=False),
    Column("budget_cent", BigInteger, nullable=False),
    # What the shares follow: "bevoelkerung_zensus2022" until an Erhebung is imported.
    Column("basis", String(100), nullable=False),
    Column("berechnet_at", DateTime(timezone=True), nullable=False),
    Column("tranche", String(30), nullable=False),
    Column("stichtag_parameter_id", Integer, nullable=True),
    Column("erhebung_id", String(36), nullable=True),
    Column("umverteilung", Boolean, nullable=False),
    Column("erfasst_von", String(80), nullable=False),
    # The request that applied an Umverteilung; idempotenzschluessel answers repeats.
    Column("request_id", String(100), nullable=True),
    UniqueConstraint("request_id", name="uq_verteilung_request_id"),
)

# The Planungsrahmen of every Gemeinde in every Verteilung ever computed, with the weight it followed.
verteilung_rahmen = Table(
    "verteilung_rahmen",
    metadata,
    Column("verteilung_id", String(36), primary_key=True),
    Column("kommune_ags", String(8), primary_key=True),
    Column("anzahl", BigInteger, nullable=False),
    Column("rahmen_cent", BigInteger, nullable=False),
)

# Refugee counts per Gemeinde on a Stichtag, as imported; never changed, a new import is new rows.
erhebung = Table(
    "erhebung",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("stichtag", Date, nullable=False, index=True),
    Column("art", String(30), nullable=False),  # ERHEBUNG_ART_VORLAEUFIG | ERHEBUNG_ART_ENDGUELTIG
    Column("quelle", Text, nullable=False),
    Column("dateiname", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("anzahl_gesamt", BigInteger, nullable=False),
    Column("importiert_von", String(80), nullable=False),
    Column("importiert_at", DateTime(timezone=True), nullable=False),
    # The request that imported it; idempotenzschluessel answers repeats.
    Column("request_id", String(100), nullable=False, unique=True),
)

erhebung_anzahl = Table(
    "erhebung_anzahl",
    metadata,
    Column("erhebung_id", String(36), ForeignKey("erhebung.id"), primary_key=True),
    Column("kommune_ags", String(8), primary_key=True),
    Column("anzahl", BigInteger, nullable=False),
    CheckConstraint("anzahl >= 0", name="ck_erhebung_anzahl_nicht_negativ"),
)

planungsrahmen = Table(
    "planungsrahmen",
    metadata,
    Column("kommune_ags", String(8), primary_key=True),
    Column("programm", String(40), primary_key=True),
    Column("foerderjahr", Integer, primary_key=True),
    Column("kreis_ags", String(5), nullable=False, index=True),
    Column("rahmen_cent", BigInteger, nullable=False),
    Column("gebunden_cent", BigInteger, nullable=False),
    Column("verteilung_id", String(36), nullable=False),
    # The budget invariant, enforced by the database whatever the application does.
    CheckConstraint("gebunden_cent >= 0 AND gebunden_cent <= rahmen_cent", name="ck_rahmen_nicht_ueberbunden"),
)

# Every Entscheidung, with its trace; the sum of bewilligt_cent per Planungsrahmen is its gebunden_cent.
bescheid = Table(
    "bescheid",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("antrag_id", String(36), nullable=False, unique=True),
    Column("antrag_event_id", String(36), nullable=False),
    Column("kommune_ags", String(8), nullable=False),
    Column("rahmen_ags", String(8), nullable=True),
    Column("programm", String(40), nullable=False),
    Column("foerderjahr", Integer, nullable=False),
    Column("entscheidung", String(40), nullable=False),
    Column("ablehnungsgrund", String(60), nullable=False),
    Column("beantragt_cent", BigInteger, nullable=False),
    Column("bewilligt_cent", BigInteger, nullable=False),
    Column("rahmen_cent", BigInteger, nullable=False),
    Column("gebunden_vorher_cent", BigInteger, nullable=False),
    Column("begruendung", Text, nullable=False),
    Column("erlassen_at", DateTime(timezone=True), nullable=False),
)

# How a Bescheid's approved amount is bound to the Planungsrahmen of each Kommune in its pool (one
# row for a single applicant; several for a Kooperation or a Landkreis with Übertragungen), and
# what the Verwendungsnachweis released again. Per Planungsrahmen,
# gebunden_cent = sum(gebunden - freigegeben).
bindung = Table(
    "bindung",
    metadata,
    Column("bescheid_id", String(36), primary_key=True),
    Column("kommune_ags", String(8), primary_key=True),
    Column("programm", String(40), nullable=False),
    Column("foerderjahr", Integer, nullable=False),
    Column("gebunden_cent", BigInteger, nullable=False),
    Column("freigegeben_cent", BigInteger, nullable=False),
    CheckConstraint("freigegeben_cent >= 0 AND freigegeben_cent <= gebunden_cent", name="ck_bindung_freigabe"),
)

# The first answer to every command, per caller and request_id (pakt.platform.idempotency). The
# caller is the Bewilligungsstelle ("rp"): all of allocation's commands are hers.
idempotenzschluessel = key_table(metadata, Column("antwort", LargeBinary, nullable=False), akteur_length=80)

inbox = inbox_table(metadata)
outbox = outbox_table(metadata)
outbox_relay_state = relay_state_table(metadata)
