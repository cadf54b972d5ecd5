"""The case-plan schema (SQLAlchemy Core).

Personal data lives only in columns ending in `_enc`: AES-GCM ciphertexts with their key id
(services/caseplan/crypto.py), made with the plan's data key from `datenschluessel`. Everything else is pseudonymous: the plan's id is random, and
dates, statuses and goal fields say nothing about who the person is. Migrations in
migrations/versions are written by hand and must match this metadata; the integration tests
compare the two.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    LargeBinary,
    MetaData,
    String,
    Table,
)

from pakt.platform.db import AUTO_ID
from pakt.platform.outbox import outbox_table, relay_state_table
from services.caseplan.audit import audit_table

STATUS_OFFEN = "offen"
STATUS_ABGESCHLOSSEN = "abgeschlossen"

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
idempotenzschluessel = Table(
    "idempotenzschluessel",
    metadata,
    Column("akteur", String(100), primary_key=True),
    Column("request_id", String(100), primary_key=True),
    Column("methode", String(60), nullable=False),
    Column("payload_sha256", String(64), nullable=False),
    Column("plan_id", String(36), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

zugriffsprotokoll = audit_table(metadata)
outbox = outbox_table(metadata)
outbox_relay_state = relay_state_table(metadata)
