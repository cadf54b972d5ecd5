"""Integrationspläne and goals by pseudonym, from the case-plan service's events.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Both start empty; the aggregation fills them from pakt.caseplan.v1.events, which it reads
    # from the beginning (its consumer group has no offsets on that topic yet).
    op.create_table(
        "ip_plan_stand",
        sa.Column("plan_id", sa.String(36), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("kommune_ags", sa.String(8), nullable=False),
        sa.Column("kreis_ags", sa.String(5), nullable=False, index=True),
        sa.Column("status", sa.String(40), nullable=False),
    )
    op.create_table(
        "ip_ziel_stand",
        sa.Column("ziel_id", sa.String(36), primary_key=True),
        sa.Column("plan_id", sa.String(36), nullable=False, index=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("feld", sa.String(40), nullable=False),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("kommune_ags", sa.String(8), nullable=False),
        sa.Column("kreis_ags", sa.String(5), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ip_ziel_stand")
    op.drop_table("ip_plan_stand")
