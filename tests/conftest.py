"""Database fixtures shared by the store and API tests.

``db_url`` gives every test a fresh, empty database: a SQLite file in the test's temporary folder,
and, when ``DUNNING_TEST_POSTGRES_URL`` is set (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), the same test again on PostgreSQL in a
schema of its own (random name, dropped afterwards), reached through ``search_path`` in the URL,
so that runs and parallel workers never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

POSTGRES_ENV = "DUNNING_TEST_POSTGRES_URL"


def postgres_base_url() -> str | None:
    """Return the PostgreSQL server the tests may use, or None to run on SQLite only."""
    return os.environ.get(POSTGRES_ENV) or None


def _backends() -> list[object]:
    backends: list[object] = [pytest.param("sqlite", id="sqlite")]
    if postgres_base_url():
        backends.append(pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres))
    return backends


def url_with_schema(base: str, schema: str) -> str:
    """Return ``base`` with its connections' ``search_path`` set to ``schema``."""
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False)


class PostgresSchema:
    """A throw-away schema on the test PostgreSQL server."""

    def __init__(self, base: str) -> None:
        self.name = f"test_{uuid.uuid4().hex[:16]}"
        self.admin: Engine = create_engine(base)
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{self.name}"')
        self.url = url_with_schema(base, self.name)

    def drop(self) -> None:
        """Drop the schema and everything in it."""
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')
        self.admin.dispose()


@pytest.fixture(params=_backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of a fresh, empty database (SQLite; PostgreSQL too when configured)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    base = postgres_base_url()
    assert base is not None
    schema = PostgresSchema(base)
    try:
        yield schema.url
    finally:
        schema.drop()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """Return the URL of a fresh PostgreSQL schema; skip when no server is configured."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    schema = PostgresSchema(base)
    try:
        yield schema.url
    finally:
        schema.drop()
