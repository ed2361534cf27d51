"""After an import, PostgreSQL has statistics for the tables it filled, so the list stays fast.

The story: a new ledger is filled by `dunning import` and the list computed at once. PostgreSQL's
planner chooses how to read the ledger from its statistics; with none it picked a plan that made
the demo ledger's list take 6.4 s instead of 0.13 s (bench/README.md, "After an import"). Each
import that changed a tenth of a table or more now refreshes that table's statistics (ANALYZE);
a small daily import leaves them to autovacuum.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, text

from store.connection import create_store_engine
from store.imports import import_csv
from store.migrate import upgrade
from tests.store.test_imports import invoice_rows, write_csv


def statistics(
    engine: Engine, table: str, *, newer_than: datetime | None = None
) -> tuple[float, datetime | None]:
    """Return the planner's row count of ``table`` (-1: never analyzed; updated at once) and when
    it was last analyzed by hand, waiting until that is later than ``newer_than`` (the activity
    statistics reach other sessions within a second or so) or ten seconds have passed.
    """
    deadline = time.monotonic() + 10
    while True:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_stat_clear_snapshot()"))
            tuples, analyzed = conn.execute(
                text(
                    "SELECT c.reltuples, s.last_analyze FROM pg_class c"
                    " JOIN pg_stat_user_tables s ON s.relid = c.oid"
                    " WHERE c.oid = to_regclass(:table)"
                ),
                {"table": table},
            ).one()
        fresh = analyzed is not None and (newer_than is None or analyzed > newer_than)
        if fresh or time.monotonic() > deadline:
            return float(tuples), analyzed
        time.sleep(0.1)


def run(engine: Engine, kind: str, path: Path) -> None:
    with engine.connect() as conn:
        assert import_csv(conn, kind, path).ok
        conn.commit()


def test_an_import_leaves_statistics_of_the_tables_it_filled(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = create_store_engine(postgres_url)
    upgrade(engine)
    try:
        with engine.connect() as conn:
            never = "SELECT reltuples FROM pg_class WHERE oid = to_regclass('invoices')"
            assert conn.execute(text(never)).scalar_one() == -1.0
        run(engine, "customers", write_csv(tmp_path / "c.csv", [{"id": "ACME"}]))
        rows = invoice_rows(200)
        run(engine, "invoices", write_csv(tmp_path / "i.csv", rows))
        tuples, first = statistics(engine, "invoices")
        assert tuples == 200.0
        assert first is not None
        assert statistics(engine, "customers")[0] == 1.0

        # Ten new invoices are a twentieth of the table: autovacuum's business, not the import's.
        # (An ANALYZE would have set the row count to 210 at once.)
        more = [{**row, "id": f"NEW-{n}"} for n, row in enumerate(rows[:10])]
        run(engine, "invoices", write_csv(tmp_path / "more.csv", more))
        assert statistics(engine, "invoices") == (200.0, first)

        # Fifty more are a quarter of it: analyzed again.
        many = [{**row, "id": f"MANY-{n}"} for n, row in enumerate(rows[:50])]
        run(engine, "invoices", write_csv(tmp_path / "many.csv", many))
        tuples, again = statistics(engine, "invoices", newer_than=first)
        assert (tuples, again is not None and again > first) == (260.0, True)
    finally:
        engine.dispose()
