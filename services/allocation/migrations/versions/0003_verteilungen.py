"""Tranchen and Stichtage as parameters, Erhebungen (refugee counts), and the Planungsrahmen of
every Verteilung kept for audit.

Budget rows of earlier revisions are final-tranche budgets.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parameter") as batch:
        batch.add_column(sa.Column("tranche", sa.String(30), nullable=True))
        batch.add_column(sa.Column("stichtag", sa.Date, nullable=True))
        # The caller's idempotency key for versions set over the API (seeds have none).
        batch.add_column(sa.Column("request_id", sa.String(100), nullable=True))
        batch.create_unique_constraint("uq_parameter_request_id", ["request_id"])
    op.execute("UPDATE parameter SET tranche = 'TRANCHE_ENDGUELTIG' WHERE art = 'budget'")

    with op.batch_alter_table("verteilung") as batch:
        batch.add_column(sa.Column("tranche", sa.String(30), nullable=False, server_default="TRANCHE_ENDGUELTIG"))
        batch.add_column(sa.Column("stichtag_parameter_id", sa.Integer, nullable=True))
        batch.add_column(sa.Column("erhebung_id", sa.String(36), nullable=True))
        # An Umverteilung of unspent money rather than a Verteilung of a budget.
        batch.add_column(sa.Column("umverteilung", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("erfasst_von", sa.String(80), nullable=False, server_default="system"))
        batch.add_column(sa.Column("request_id", sa.String(100), nullable=True))
        batch.create_unique_constraint("uq_verteilung_request_id", ["request_id"])

    op.create_table(
        "verteilung_rahmen",
        sa.Column("verteilung_id", sa.String(36), primary_key=True),
        sa.Column("kommune_ags", sa.String(8), primary_key=True),
        # The weight the share followed: refugees counted, or population.
        sa.Column("anzahl", sa.BigInteger, nullable=False),
        sa.Column("rahmen_cent", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "erhebung",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("stichtag", sa.Date, nullable=False, index=True),
        sa.Column("art", sa.String(30), nullable=False),
        sa.Column("quelle", sa.Text, nullable=False),
        sa.Column("dateiname", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("anzahl_gesamt", sa.BigInteger, nullable=False),
        sa.Column("importiert_von", sa.String(80), nullable=False),
        sa.Column("importiert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request_id", sa.String(100), nullable=False, unique=True),
    )
    op.create_table(
        "erhebung_anzahl",
        sa.Column("erhebung_id", sa.String(36), sa.ForeignKey("erhebung.id"), primary_key=True),
        sa.Column("kommune_ags", sa.String(8), primary_key=True),
        sa.Column("anzahl", sa.BigInteger, nullable=False),
        sa.CheckConstraint("anzahl >= 0", name="ck_erhebung_anzahl_nicht_negativ"),
    )


def downgrade() -> None:
    raise NotImplementedError("0003 is not reversible: Erhebungen and Verteilung history would be lost")
