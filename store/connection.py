"""Engines for the ledger database, with the connection settings the store relies on."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from store.settings import database_url

# Execution option: ``conn.execution_options(sqlite_begin="IMMEDIATE")`` takes SQLite's write lock
# when the transaction starts, so a writer that reads first (an import validating its rows) is
# queued behind another writer instead of failing with "database is locked" half-way.
SQLITE_BEGIN = "sqlite_begin"


# How long a SQLite writer waits for another process's write (an import) before giving up.
BUSY_TIMEOUT_SECONDS = 30.0


def create_store_engine(
    url: str | None = None,
    *,
    busy_timeout: float = BUSY_TIMEOUT_SECONDS,
    connections: tuple[int, int] | None = None,
    **kwargs: Any,
) -> Engine:
    """Return an ``Engine`` for ``url`` (resolved by ``store.settings.database_url``).

    Statement parameters are never shown in errors or logs (they hold customer ids and
    amounts). On SQLite: foreign keys enforced, write-ahead log (readers never block the
    writer), a busy timeout of ``busy_timeout`` seconds so a writer waits for another process's
    write, a larger page cache for the daily bulk read, and transactions begun by SQLAlchemy
    rather than by the driver (the pysqlite driver otherwise starts them late and never for
    SAVEPOINTs). ``connections`` is ``(kept, most)``: the connections the pool keeps open, and
    the most it opens at once (an in-memory SQLite database has one connection per thread).
    """
    resolved = make_url(database_url(url))
    in_memory = resolved.get_backend_name() == "sqlite" and resolved.database in (
        None,
        "",
        ":memory:",
    )
    if connections is not None and not in_memory:
        kept, most = connections
        kwargs = {"pool_size": kept, "max_overflow": most - kept, **kwargs}
    engine = create_engine(resolved, **{"hide_parameters": True, **kwargs})
    if resolved.get_backend_name() == "sqlite":
        _configure_sqlite(engine, in_memory=in_memory, busy_ms=round(busy_timeout * 1000))
    return engine


def is_busy_error(error: BaseException) -> bool:
    """Return whether ``error`` is SQLite's "database is locked": another process held the write
    lock longer than the busy timeout. Worth retrying; not a fault of the request."""
    return (
        isinstance(error, OperationalError)
        and isinstance(error.orig, sqlite3.OperationalError)
        and "locked" in str(error.orig)
    )


def backend_name(url: str | None = None) -> str:
    """Return the database backend ``url`` names: ``sqlite``, ``postgresql``."""
    return make_url(database_url(url)).get_backend_name()


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


def _configure_sqlite(engine: Engine, *, in_memory: bool, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms:d}")
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
