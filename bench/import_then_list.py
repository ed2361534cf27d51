"""Benchmark: the daily list on PostgreSQL right after `dunning import` filled the ledger.

    python bench/import_then_list.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The demo ledger (``dunning demo``'s: 500 customers, 5,000 invoices, seed 1, 2026-11-23) is built
once in SQLite and written out as the CSV files ``dunning import`` reads (bench/out/demo-csv/).
Each of them is then imported with ``store.imports.import_csv`` into a fresh PostgreSQL schema,
twice: once as the import now does it (ANALYZE on the tables it filled) and once with that step
left out, as before. After each, the list is recomputed as the API does it
(``store.reader.iter_customer_ledgers`` streamed into ``evaluate``), three times; the medians are
printed with the statistics PostgreSQL has for the invoices table.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
DAY = date(2026, 11, 23)
# Import kind -> (table, the file's columns as the import reads them, the table's columns).
EXPORTS = {
    "customers": (
        "customers",
        ("id", "name", "country", "segment", "email", "language"),
        ("id", "name", "country", "segment", "email", "language"),
    ),
    "invoices": (
        "invoices",
        ("id", "customer", "number", "issued", "due", "terms", "amount", "currency"),
        ("id", "customer_id", "number", "issued", "due", "terms", "amount", "currency"),
    ),
    "payments": (
        "payments",
        ("id", "customer", "date", "amount", "currency", "invoice"),
        ("id", "customer_id", "date", "amount", "currency", "invoice_id"),
    ),
    "credit-notes": (
        "credit_notes",
        ("id", "customer", "date", "amount", "currency", "invoice"),
        ("id", "customer_id", "date", "amount", "currency", "invoice_id"),
    ),
    "disputes": (
        "disputes",
        ("id", "invoice", "opened", "resolved", "reason"),
        ("id", "invoice_id", "opened", "resolved", "reason"),
    ),
}


def demo_csv_files() -> dict[str, Path]:
    """Return the demo ledger's CSV file of each import kind (built once, then reused)."""
    from sqlalchemy import text

    from store.connection import create_store_engine
    from store.demo import build_demo

    folder = OUT / "demo-csv"
    files = {kind: folder / f"{kind}.csv" for kind in EXPORTS}
    if all(path.exists() for path in files.values()):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "demo.db"
    db.unlink(missing_ok=True)
    engine = create_store_engine(f"sqlite:///{db}")
    build_demo(engine, DAY, 1, ROOT)
    with engine.connect() as conn:
        for kind, (table, header, columns) in EXPORTS.items():
            rows = conn.execute(
                text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id")  # noqa: S608
            )
            with files[kind].open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)
    engine.dispose()
    return files


def run(base_url: str, schema: str, files: dict[str, Path], *, analyze: bool) -> None:
    """Import the files into a fresh ``schema`` and print the list's recomputation time."""
    from unittest import mock

    import psycopg
    from sqlalchemy import text

    import store.imports
    from dunning.inputs import load_valid_policy
    from engine.evaluate import evaluate
    from store.collector import collector_paused
    from store.connection import create_store_engine
    from store.imports import import_csv
    from store.migrate import upgrade
    from store.reader import iter_customer_ledgers

    plain = base_url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
    with psycopg.connect(plain, autocommit=True) as pg:
        pg.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        pg.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base_url else "?"
    engine = create_store_engine(f"{base_url}{sep}options=-csearch_path%3D{schema}")
    upgrade(engine)
    # Without: the import as it was before it refreshed the statistics.
    skipped: AbstractContextManager[object] = (
        mock.patch.object(store.imports, "_analyze") if not analyze else nullcontext()
    )
    started = time.perf_counter()
    with skipped:
        for kind, path in files.items():
            with engine.connect() as conn:
                result = import_csv(conn, kind, path)
                conn.commit()
            assert result.ok, result.problems[:3]
    imported = time.perf_counter() - started
    loaded = load_valid_policy(ROOT)
    times = []
    for _ in range(3):
        with collector_paused():
            started = time.perf_counter()
            evaluation = evaluate(
                loaded.policy, iter_customer_ledgers(engine, None, as_of=DAY), DAY, loaded.version
            )
            times.append(time.perf_counter() - started)
    with engine.connect() as conn:
        tuples, analyzed = conn.execute(
            text(
                "SELECT c.reltuples, s.last_analyze IS NOT NULL FROM pg_class c"
                " JOIN pg_stat_user_tables s ON s.relid = c.oid"
                " WHERE c.oid = to_regclass('invoices')"
            )
        ).one()
    engine.dispose()
    with psycopg.connect(plain, autocommit=True) as pg:
        pg.execute(f'DROP SCHEMA "{schema}" CASCADE')
    label = "with ANALYZE" if analyze else "without ANALYZE"
    print(
        f"  {label:<16} import {imported:5.2f} s   list {statistics.median(times):6.3f} s"
        f" (runs {', '.join(f'{t:.3f}' for t in times)}; {len(evaluation.actions)} actions)"
        f"   invoices: reltuples {tuples:,.0f}, analyzed {analyzed}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", required=True)
    args = parser.parse_args(argv)
    files = demo_csv_files()
    print("demo ledger (500 customers, 5,000 invoices) imported into PostgreSQL, list for", DAY)
    run(args.postgres, "bench_import_list", files, analyze=True)
    run(args.postgres, "bench_import_list", files, analyze=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
