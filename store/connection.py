"""Engines for the ledger database, with the connection settings the store relies on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from store.settings import database_url

# Execution option: ``conn.execution_options(sqlite_begin="IMMEDIATE")`` takes SQLite's write lock
# when the transaction starts, so a writer that reads first (an import validating its rows) is
# queued behind another writer instead of failing with "database is locked" half-way.
SQLITE_BEGIN = "sqlite_begin"


def create_store_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Return an ``Engine`` for ``url`` (resolved by ``store.settings.database_url``).

    On SQLite: foreign keys enforced, write-ahead log (readers never block the writer), a busy
    timeout so concurrent writers queue, a larger page cache for the daily bulk read, and
    transactions begun by SQLAlchemy rather than by the driver (the pysqlite driver otherwise
    starts them late and never for SAVEPOINTs).
    """
    resolved = make_url(database_url(url))
    engine = create_engine(resolved, **kwargs)
    if resolved.get_backend_name() == "sqlite":
        _configure_sqlite(engine, in_memory=resolved.database in (None, "", ":memory:"))
    return engine


def missing_sqlite_file(url: str | None = None) -> Path | None:
    """Return the file a SQLite URL names when that file does not exist, else None.

    Connecting to such a URL would create an empty database file, which a reader must not do.
    In-memory databases and ``uri=true`` URLs (whose file name SQLite parses itself) are never
    missing.
    """
    resolved = make_url(database_url(url))
    name = resolved.database
    if resolved.get_backend_name() != "sqlite" or name in (None, "", ":memory:"):
        return None
    if "uri" in resolved.query:
        return None
    path = Path(name)
    return None if path.exists() else path


def database_answers(engine: Engine) -> bool:
    """Return whether the database behind ``engine`` can be reached and answers a trivial query."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA cache_size = -65536")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "")
        conn.exec_driver_sql(f"BEGIN {mode}".strip())


def begin_write(conn: Connection) -> RootTransaction:
    """Return a new transaction on ``conn`` meant for writing.

    On SQLite it starts with ``BEGIN IMMEDIATE``: the write lock is taken (or waited for, up to
    the busy timeout) at once, rather than at the first write, where a concurrent writer's
    commit would make it fail instead of wait.
    """
    if conn.dialect.name != "sqlite":
        return conn.begin()
    conn.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    try:
        return conn.begin()
    finally:
        conn.execution_options(**{SQLITE_BEGIN: ""})
