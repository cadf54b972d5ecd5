"""When the newest event applied happened, for the dashboard's "Stand".

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("aggregation_stand") as batch:
        batch.add_column(sa.Column("neuestes_ereignis_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aggregation_stand") as batch:
        batch.drop_column("neuestes_ereignis_at")
