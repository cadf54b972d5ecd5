"""A service's database, migrated to its newest revision, for the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from pakt.platform.db import make_engine, migrate


@contextmanager
def migrated_engine(db_url: str, migrations: Path) -> Iterator[Engine]:
    engine = make_engine(db_url)
    migrate(engine, migrations)
    try:
        yield engine
    finally:
        engine.dispose()
