"""The read model: Antrag states, Verteilungen, Planungsrahmen and the aggregation's position.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "antrag_stand",
        sa.Column("antrag_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("antragsteller_ags", sa.String(8), nullable=False),
        sa.Column("kreis_ags", sa.String(5), nullable=False, index=True),
        sa.Column("programm", sa.String(40), nullable=False),
        sa.Column("foerderjahr", sa.Integer, nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("betrag_cent", sa.BigInteger, nullable=False),
        sa.Column("bewilligt_cent", sa.BigInteger, nullable=False),
        sa.Column("ausgezahlt_cent", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "verteilung_stand",
        sa.Column("programm", sa.String(40), primary_key=True),
        sa.Column("foerderjahr", sa.Integer, primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("verteilung_id", sa.String(36), nullable=False),
    )
    op.create_table(
        "rahmen_stand",
        sa.Column("kommune_ags", sa.String(8), primary_key=True),
        sa.Column("programm", sa.String(40), primary_key=True),
        sa.Column("foerderjahr", sa.Integer, primary_key=True),
        sa.Column("kreis_ags", sa.String(5), nullable=False, index=True),
        sa.Column("rahmen_cent", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "aggregation_stand",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("events_applied", sa.BigInteger, nullable=False),
        sa.Column("aktualisiert_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.execute("INSERT INTO aggregation_stand (id, events_applied) VALUES (1, 0)")


def downgrade() -> None:
    for name in ("aggregation_stand", "rahmen_stand", "verteilung_stand", "antrag_stand"):
        op.drop_table(name)
