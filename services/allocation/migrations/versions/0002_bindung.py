"""Bindungen of Bescheide to the Planungsrahmen of their pool, and Freigaben after the
Verwendungsnachweis.

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
    op.create_table(
        "bindung",
        sa.Column("bescheid_id", sa.String(36), primary_key=True),
        sa.Column("kommune_ags", sa.String(8), primary_key=True),
        sa.Column("programm", sa.String(40), nullable=False),
        sa.Column("foerderjahr", sa.Integer, nullable=False),
        sa.Column("gebunden_cent", sa.BigInteger, nullable=False),
        sa.Column("freigegeben_cent", sa.BigInteger, nullable=False),
        sa.CheckConstraint("freigegeben_cent >= 0 AND freigegeben_cent <= gebunden_cent", name="ck_bindung_freigabe"),
    )
    # Bescheide of revision 0001 bound their whole amount to the applicant's own Planungsrahmen.
    op.execute(
        "INSERT INTO bindung (bescheid_id, kommune_ags, programm, foerderjahr, gebunden_cent, freigegeben_cent) "
        "SELECT id, rahmen_ags, programm, foerderjahr, bewilligt_cent, 0 FROM bescheid "
        "WHERE rahmen_ags IS NOT NULL AND bewilligt_cent > 0"
    )


def downgrade() -> None:
    op.drop_table("bindung")
