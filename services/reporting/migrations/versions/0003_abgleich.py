"""Released and reclaimed money per Antrag, so reporting can be reconciled on them too, and the
events processed per producer, so a rebuild can tell how far it has got.

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
    op.add_column("antrag_stand", sa.Column("freigegeben_cent", sa.BigInteger, nullable=False, server_default="0"))
    op.add_column("antrag_stand", sa.Column("rueckforderung_cent", sa.BigInteger, nullable=False, server_default="0"))
    # Until now bewilligt_cent held what stays committed (bewilligt - freigegeben); from now on it is
    # the Antrag's bewilligt_cent. They differ only for settled Anträge, the only ones with money
    # released or reclaimed, which these rows do not know. Marked as older than any event
    # (version 0), such a row is filled in by the next delivery of its Antrag's events, which
    # `pakt abgleich` asks for (the row is behind the Antrag's version); until then the utilisation
    # is unchanged (bewilligt - 0).
    op.execute("UPDATE antrag_stand SET version = 0 WHERE status = 'ANTRAG_STATUS_ABGESCHLOSSEN'")
    op.create_table(
        "aggregation_erzeuger",
        sa.Column("producer", sa.String(50), primary_key=True),
        sa.Column("events_processed", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("aggregation_erzeuger")
    op.drop_column("antrag_stand", "rueckforderung_cent")
    op.drop_column("antrag_stand", "freigegeben_cent")
