"""Parameters, Verteilungen, Planungsrahmen, Bescheide, inbox and outbox.

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
        "parameter",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("art", sa.String(20), nullable=False),
        sa.Column("programm", sa.String(40), nullable=False),
        sa.Column("foerderjahr", sa.Integer, nullable=True),
        sa.Column("betrag_cent", sa.BigInteger, nullable=False),
        sa.Column("gueltig_ab", sa.Date, nullable=False),
        sa.Column("quelle", sa.Text, nullable=False),
        sa.Column("erfasst_von", sa.String(100), nullable=False),
        sa.Column("erfasst_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "verteilung",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("programm", sa.String(40), nullable=False),
        sa.Column("foerderjahr", sa.Integer, nullable=False),
        sa.Column("budget_parameter_id", sa.Integer, nullable=False),
        sa.Column("budget_cent", sa.BigInteger, nullable=False),
        sa.Column("basis", sa.String(100), nullable=False),
        sa.Column("berechnet_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "planungsrahmen",
        sa.Column("kommune_ags", sa.String(8), primary_key=True),
        sa.Column("programm", sa.String(40), primary_key=True),
        sa.Column("foerderjahr", sa.Integer, primary_key=True),
        sa.Column("kreis_ags", sa.String(5), nullable=False, index=True),
        sa.Column("rahmen_cent", sa.BigInteger, nullable=False),
        sa.Column("gebunden_cent", sa.BigInteger, nullable=False),
        sa.Column("verteilung_id", sa.String(36), nullable=False),
        sa.CheckConstraint("gebunden_cent >= 0 AND gebunden_cent <= rahmen_cent", name="ck_rahmen_nicht_ueberbunden"),
    )
    op.create_table(
        "bescheid",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("antrag_id", sa.String(36), nullable=False, unique=True),
        sa.Column("antrag_event_id", sa.String(36), nullable=False),
        sa.Column("kommune_ags", sa.String(8), nullable=False),
        sa.Column("rahmen_ags", sa.String(8), nullable=True),
        sa.Column("programm", sa.String(40), nullable=False),
        sa.Column("foerderjahr", sa.Integer, nullable=False),
        sa.Column("entscheidung", sa.String(40), nullable=False),
        sa.Column("ablehnungsgrund", sa.String(60), nullable=False),
        sa.Column("beantragt_cent", sa.BigInteger, nullable=False),
        sa.Column("bewilligt_cent", sa.BigInteger, nullable=False),
        sa.Column("rahmen_cent", sa.BigInteger, nullable=False),
        sa.Column("gebunden_vorher_cent", sa.BigInteger, nullable=False),
        sa.Column("begruendung", sa.Text, nullable=False),
        sa.Column("erlassen_at", sa.DateTime(timezone=True), nullable=False),
    )
    create_inbox_table()
    create_outbox_table()


def downgrade() -> None:
    for name in ("outbox", "verarbeitete_ereignisse", "bescheid", "planungsrahmen", "verteilung", "parameter"):
        op.drop_table(name)
