"""Idempotent consumption: the ids of events a service has applied, written in the same
transaction as the event's effect, so a redelivered event is recognised and skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, MetaData, String, Table

from pakt.platform.db import insert_ignore


def inbox_table(metadata: MetaData) -> Table:
    return Table(
        "verarbeitete_ereignisse",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("verarbeitet_at", DateTime(timezone=True), nullable=False),
    )


def first_delivery(conn: Connection, inbox: Table, event_id: str) -> bool:
    """Record the event as applied; False if it was applied before (then do nothing)."""
    return insert_ignore(conn, inbox, event_id=event_id, verarbeitet_at=datetime.now(UTC))


def create_inbox_table() -> None:
    """For a service's first migration."""
    from alembic import op

    table = inbox_table(MetaData())
    op.create_table(table.name, *[c._copy() for c in table.columns])
