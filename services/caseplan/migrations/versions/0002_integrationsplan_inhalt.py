"""The plan's content: its data key, the person (encrypted), goals, reviews, consent, idempotency keys, the
hash-chained access log and the outbox.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from pakt.platform.db import AUTO_ID
from pakt.platform.outbox import create_outbox_table
from services.caseplan.tables import create_audit_table, protect_audit_table

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PLAN_COLUMNS = (
    ("integrationsmanager", sa.String(63)),
    ("laufzeit_bis", sa.Date()),
    ("naechste_fortschreibung", sa.Date()),
    ("abschlussgrund", sa.String(40)),
    ("altersband", sa.String(10)),
    ("einwilligung_zweck", sa.String(200)),
    ("einwilligung_erteilt_am", sa.Date()),
    ("einwilligung_widerrufen_am", sa.Date()),
    ("geloescht_am", sa.DateTime(timezone=True)),
    ("version", sa.BigInteger()),
)
_PERSON_FIELDS = (
    "name", "geburtsdatum", "staatsangehoerigkeit", "sprachen", "haushalt", "qualifikationen", "schulbildung",
    "berufsabschluss", "entwicklung",
)


def upgrade() -> None:
    with op.batch_alter_table("integrationsplan") as batch:
        for name, type_ in _PLAN_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_table(
        "datenschluessel",
        sa.Column("plan_id", sa.String(36), sa.ForeignKey("integrationsplan.id"), primary_key=True),
        sa.Column("schluessel_enc", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "person",
        sa.Column("plan_id", sa.String(36), sa.ForeignKey("integrationsplan.id"), primary_key=True),
        *[sa.Column(f"{f}_enc", sa.LargeBinary(), nullable=False) for f in _PERSON_FIELDS],
        sa.Column("suchindex", sa.String(64), nullable=False),
    )
    op.create_index("ix_person_suchindex", "person", ["suchindex"])
    op.create_table(
        "ziel",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("plan_id", sa.String(36), sa.ForeignKey("integrationsplan.id"), nullable=False),
        sa.Column("feld", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("frist", sa.Date(), nullable=True),
        sa.Column("beschreibung_enc", sa.LargeBinary(), nullable=True),
        sa.Column("massnahmen_enc", sa.LargeBinary(), nullable=True),
        sa.Column("verantwortlich_enc", sa.LargeBinary(), nullable=True),
        sa.Column("position", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_ziel_plan_id", "ziel", ["plan_id"])
    op.create_table(
        "fortschreibung",
        sa.Column("id", AUTO_ID, primary_key=True, autoincrement=True),
        sa.Column("plan_id", sa.String(36), sa.ForeignKey("integrationsplan.id"), nullable=False),
        sa.Column("datum", sa.Date(), nullable=False),
        sa.Column("notiz_enc", sa.LargeBinary(), nullable=True),
        sa.Column("naechste_am", sa.Date(), nullable=True),
        sa.Column("akteur", sa.String(100), nullable=False),
    )
    op.create_index("ix_fortschreibung_plan_id", "fortschreibung", ["plan_id"])
    op.create_table(
        "idempotenzschluessel",
        sa.Column("akteur", sa.String(100), primary_key=True),
        sa.Column("request_id", sa.String(100), primary_key=True),
        sa.Column("methode", sa.String(60), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_idempotenzschluessel_plan_id", "idempotenzschluessel", ["plan_id"])
    create_audit_table()
    protect_audit_table()
    create_outbox_table()


def downgrade() -> None:
    raise NotImplementedError("0002 is not reversible: plans would lose their content and access log")
