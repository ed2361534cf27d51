"""Create or upgrade a ledger database with the Alembic migrations shipped in the store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from store.connection import create_store_engine

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseNotReadyError(RuntimeError):
    """The database has no ledger yet, or an older schema: ``dunning db upgrade`` fixes it.

    ``url`` names the database (password hidden); ``revision`` is its schema revision, None when
    it has no ledger tables at all.
    """

    def __init__(self, message: str, *, url: str, revision: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.revision = revision


class DatabaseMissingError(DatabaseNotReadyError):
    """The URL names a SQLite file, ``path``, that does not exist (reading would create it)."""

    def __init__(self, message: str, *, url: str, path: Path) -> None:
        super().__init__(message, url=url)
        self.path = path


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic configuration for the shipped migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Return the revision the database is at after upgrading it to ``revision``."""
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        return current_revision(conn)


def current_revision(conn: Connection) -> str | None:
    """Return the database's migration revision, or None for a database never migrated."""
    return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """Return the newest migration revision shipped with the store."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def open_current(url: str | None) -> Iterator[Engine]:
    """Yield an engine on ``url`` whose schema is the newest (else raise
    ``DatabaseNotReadyError`` saying what to run), disposed at the end."""
    engine = create_store_engine(url)
    try:
        require_current(engine)
        yield engine
    finally:
        engine.dispose()


def require_current(engine: Engine) -> None:
    """Return when the database is at the newest schema, else raise ``DatabaseNotReadyError``."""
    with engine.connect() as conn:
        found = current_revision(conn)
    head = head_revision()
    if found == head:
        return
    where = engine.url.render_as_string(hide_password=True)
    if found is None:
        raise DatabaseNotReadyError(
            f"{where} has no ledger tables yet: run `dunning db upgrade --database {where}`"
            " (then import the ledger, or try `dunning demo`)",
            url=where,
        )
    raise DatabaseNotReadyError(
        f"{where} is at schema revision {found}, older than this version's {head}:"
        f" run `dunning db upgrade --database {where}`",
        url=where,
        revision=found,
    )
