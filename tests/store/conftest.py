"""Store test fixtures: a migrated ledger database on every configured backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select

from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import metadata


@pytest.fixture
def ledger_engine(db_url: str) -> Iterator[Engine]:
    """Return an engine on a fresh database migrated to the newest schema."""
    engine = create_store_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def dump(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Return every row of every ledger table, sorted: two dumps compare equal iff same data."""
    out: dict[str, list[tuple[object, ...]]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return out
