"""Benchmark: import a large invoices CSV through ``store.imports`` and report rows per second.

    python bench/import_csv.py                      # 1M invoices into a fresh SQLite file
    python bench/import_csv.py --invoices 100000
    python bench/import_csv.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The CSV (seeded, written once to bench/out/) has the documented default columns. The figure is
the whole ``import_csv`` call: reading and checking every row, the reference checks, and the
insert in one transaction, into a freshly migrated database holding the customers. A second run
of the same file (everything unchanged) is reported too: that is the daily re-import case.
Target: at least 50,000 rows/s on SQLite.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
START = date(2025, 5, 1)


def write_files(invoice_count: int, seed: int) -> tuple[Path, Path]:
    """Return the customers and invoices CSV files for the run (written once, then reused)."""
    OUT.mkdir(parents=True, exist_ok=True)
    customers_csv = OUT / f"customers-{invoice_count}-{seed}.csv"
    invoices_csv = OUT / f"invoices-{invoice_count}-{seed}.csv"
    if invoices_csv.exists() and customers_csv.exists():
        return customers_csv, invoices_csv
    rng = random.Random(seed)
    customer_count = max(50, invoice_count // 20)
    currencies = ["GBP"] * 16 + ["EUR"] * 3 + ["USD"]
    currency_of = [rng.choice(currencies) for _ in range(customer_count)]
    with customers_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "country", "email"])
        for n in range(customer_count):
            writer.writerow([f"C{n:07d}", f"Customer {n}", "GB", f"ap{n}@example.com"])
    with invoices_csv.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "customer", "issued", "due", "terms", "amount", "currency"])
        for n in range(invoice_count):
            c = rng.randrange(customer_count)
            issued = START + timedelta(days=rng.randrange(548))
            due = issued + timedelta(days=rng.choice((15, 30, 45, 60)))
            pence = rng.randrange(5_000, 2_000_000)
            writer.writerow(
                [
                    f"INV-{n:08d}",
                    f"C{c:07d}",
                    issued.isoformat(),
                    due.isoformat(),
                    "",
                    f"{pence // 100}.{pence % 100:02d}",
                    currency_of[c],
                ]
            )
    return customers_csv, invoices_csv


def run(url: str, customers_csv: Path, invoices_csv: Path, rows: int) -> None:
    """Import both files into the database at ``url`` and print the figures."""
    from store.connection import create_store_engine
    from store.imports import import_csv
    from store.migrate import upgrade

    engine = create_store_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        assert import_csv(conn, "customers", customers_csv).ok
        conn.commit()
    for label in ("first import", "same file again"):
        with engine.connect() as conn:
            started = time.perf_counter()
            cpu = time.process_time()
            result = import_csv(conn, "invoices", invoices_csv)
            conn.commit()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        assert result.ok, result.problems[:3]
        print(
            f"  {label:<16} {elapsed:7.2f} s  {rows / elapsed:10,.0f} rows/s"
            f"  (cpu {cpu:.2f} s; {result.inserted:,} new, {result.unchanged:,} unchanged)"
        )
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory      {peak:7.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres", metavar="URL", help="import into this PostgreSQL instead")
    args = parser.parse_args(argv)

    customers_csv, invoices_csv = write_files(args.invoices, args.seed)
    size = invoices_csv.stat().st_size / 2**20
    print(f"{invoices_csv.name}: {args.invoices:,} rows, {size:.0f} MiB")
    if args.postgres:
        import psycopg

        plain = args.postgres.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
        with psycopg.connect(plain, autocommit=True) as pg:
            pg.execute("DROP SCHEMA IF EXISTS bench_import CASCADE")
            pg.execute("CREATE SCHEMA bench_import")
        sep = "&" if "?" in args.postgres else "?"
        print("PostgreSQL:")
        run(
            f"{args.postgres}{sep}options=-csearch_path%3Dbench_import",
            customers_csv,
            invoices_csv,
            args.invoices,
        )
    else:
        db = OUT / f"import-{args.invoices}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        print("SQLite:")
        run(f"sqlite:///{db}", customers_csv, invoices_csv, args.invoices)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
