"""Times as the services store and send them: always UTC. SQLite hands datetimes back without a
time zone; these put UTC back on them."""

from __future__ import annotations

from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp


def utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def timestamp(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(utc(value))
    return ts
