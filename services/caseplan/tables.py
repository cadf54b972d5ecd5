"""The case-plan schema (SQLAlchemy Core). No personal data yet: a plan is a pseudonymous id.

Migrations in migrations/versions are written by hand and must match this metadata; the
integration tests compare the two.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Date, MetaData, String, Table

STATUS_OFFEN = "offen"
STATUS_ABGESCHLOSSEN = "abgeschlossen"

metadata = MetaData()

integrationsplan = Table(
    "integrationsplan",
    metadata,
    # Pseudonymous (a UUID): it must not be derivable from the person.
    Column("id", String(36), primary_key=True),
    Column("kommune_ags", String(8), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("eroeffnet_am", Date, nullable=False),
    Column("abgeschlossen_am", Date, nullable=True),
    # A closed plan has a closing date and an open one has none, so counts by status and by
    # date can never disagree.
    CheckConstraint(
        "(status = 'offen' AND abgeschlossen_am IS NULL)"
        " OR (status = 'abgeschlossen' AND abgeschlossen_am IS NOT NULL)",
        name="ck_integrationsplan_status",
    ),
)
