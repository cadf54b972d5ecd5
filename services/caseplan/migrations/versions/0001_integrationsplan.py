"""integrationsplan: pseudonymous plans per Kommune, no personal data yet

Revision ID: 0001
Revises:
Create Date: 2025-11-21

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "integrationsplan",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kommune_ags", sa.String(8), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("eroeffnet_am", sa.Date(), nullable=False),
        sa.Column("abgeschlossen_am", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "(status = 'offen' AND abgeschlossen_am IS NULL)"
            " OR (status = 'abgeschlossen' AND abgeschlossen_am IS NOT NULL)",
            name="ck_integrationsplan_status",
        ),
    )
    op.create_index("ix_integrationsplan_kommune_ags", "integrationsplan", ["kommune_ags"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_integrationsplan_kommune_ags", table_name="integrationsplan")
    op.drop_table("integrationsplan")
