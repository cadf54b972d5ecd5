"""Anträge, idempotency keys, processed events and the outbox.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from pakt.platform.inbox import create_inbox_table
from pakt.platform.outbox import create_outbox_table

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

def upgrade() -> None:
    op.create_table(
        "antrag",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("antragsteller_ags", sa.String(8), nullable=False, index=True),
        sa.Column("kreis_ags", sa.String(5), nullable=False, index=True),
        sa.Column("programm", sa.String(40), nullable=False),
        sa.Column("foerderjahr", sa.Integer, nullable=False),
        sa.Column("betrag_cent", sa.BigInteger, nullable=False),
        sa.Column("bewilligt_cent", sa.BigInteger, nullable=False),
        sa.Column("ausgezahlt_cent", sa.BigInteger, nullable=False),
        sa.Column("bescheid_id", sa.String(36), nullable=True),
        sa.Column("bescheid_begruendung", sa.Text, nullable=False),
        sa.Column("eingegangen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("geaendert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.CheckConstraint("betrag_cent > 0", name="ck_antrag_betrag_positiv"),
        sa.CheckConstraint("bewilligt_cent >= 0 AND bewilligt_cent <= betrag_cent", name="ck_antrag_bewilligt"),
        sa.CheckConstraint("ausgezahlt_cent >= 0 AND ausgezahlt_cent <= bewilligt_cent", name="ck_antrag_ausgezahlt"),
    )
    op.create_table(
        "idempotenz",
        sa.Column("request_id", sa.String(100), primary_key=True),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("antrag_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_inbox_table()
    create_outbox_table()


def downgrade() -> None:
    for table in ("outbox", "verarbeitete_ereignisse", "idempotenz", "antrag"):
        op.drop_table(table)
