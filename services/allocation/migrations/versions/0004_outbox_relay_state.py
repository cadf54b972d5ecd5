"""Outbox rows stay as the record the broker can be refilled from: the relay notes what the broker
acknowledged per topic partition, and republishing the events of named aggregates needs an index.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from pakt.platform.outbox import create_relay_state_table

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_relay_state_table()
    # The first migration builds the outbox from the current outbox_table(), index included.
    op.create_index("ix_outbox_aggregate_key", "outbox", ["aggregate_key"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("ix_outbox_aggregate_key", "outbox")
    op.drop_table("outbox_relay_state")
