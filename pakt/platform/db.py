"""Database engines and migrations for SQLite (embedded default) and PostgreSQL (production).

Service code uses SQLAlchemy Core in plain (synchronous) transactions; async entry points call it
through asyncio.to_thread so the event loop never blocks on the database.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import BigInteger, Connection, Engine, Integer, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.sql.dml import Insert

# An auto-incrementing surrogate key: SQLite only auto-increments an INTEGER PRIMARY KEY.
AUTO_ID = BigInteger().with_variant(Integer(), "sqlite")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event issue BEGIN, so writers take the lock up front
            # instead of failing to upgrade a read lock under concurrency.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def migrate(engine: Engine, script_location: Path) -> None:
    """Bring the schema to the newest Alembic revision of the service.

    On PostgreSQL an advisory lock keeps replicas that start together from migrating twice.
    """
    config = Config()
    config.set_main_option("script_location", str(script_location))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            lock_key = zlib.crc32(str(script_location.parent.name).encode())
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def run_alembic_env() -> None:
    """The body of every service's migrations/env.py: migrate on the connection migrate() passes."""
    connection: Connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=None, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def insert_ignore(conn: Connection, table, **values) -> bool:
    """INSERT that does nothing on a key conflict; True if the row was inserted."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name]
    stmt: Insert = dialect.insert(table).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING.
    return conn.execute(stmt.returning(*table.primary_key.columns)).first() is not None


def upsert(conn: Connection, table, keys: dict, values: dict) -> None:
    """INSERT, or UPDATE the row with these key values."""
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name]
    stmt = dialect.insert(table).values(**keys, **values)
    conn.execute(stmt.on_conflict_do_update(index_elements=list(keys), set_=values))
