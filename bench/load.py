"""Benchmark: load a large ledger through ``store.reader`` next to a bare scan of the same rows.

    python bench/load.py                       # 1M invoices, SQLite (built once in bench/out/)
    python bench/load.py --invoices 100000     # a smaller run
    python bench/load.py --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test

The ledger is synthetic and seeded: invoices over the 18 months before the run date in issue
order (as an accounting system appends them), net 15–60 terms, about 70 % paid in full and 10 %
in part, credit notes, unapplied cash, 3 % disputed, and an action history. The floor is a bare
driver fetchall (``sqlite3`` / ``psycopg``) of exactly the SQL the reader runs, over the whole
ledger at once, in the same run. Each measurement runs in a fresh process (peak memory is that
process's), median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import resource
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
AS_OF = date(2026, 11, 23)
UNIT = 10_000  # money is stored in ten-thousandths on SQLite (store.columns)

Row = tuple[Any, ...]
# The PostgreSQL schema the ledger is built in (``--schema``: sessions sharing a server each
# take their own).
SCHEMA = "bench"


def peak_mib() -> float:
    """Return this process's peak resident memory in MiB.

    ``VmHWM`` of /proc (Linux): the high-water mark of this process image alone.
    ``ru_maxrss`` survives an ``execve``, so a spawned process would report the peak of the
    parent it was forked from (here, the one that built the ledger) whatever it used itself.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- the synthetic ledger ---------------------------------------------------------------------


def generate(invoice_count: int, seed: int, as_of: date = AS_OF) -> dict[str, list[Row]]:
    """Return the rows of a seeded synthetic ledger, table by table, money in ten-thousandths."""
    rng = random.Random(seed)
    customer_count = max(50, invoice_count // 20)
    currencies = ["GBP"] * 16 + ["EUR"] * 3 + ["USD"]
    customers = [
        (f"C{n:07d}", f"Customer {n}", "GB", "smb", f"ap{n}@example.com", "en")
        for n in range(customer_count)
    ]
    currency_of = [rng.choice(currencies) for _ in range(customer_count)]
    start = as_of - timedelta(days=548)
    offsets = sorted(rng.randrange(548) for _ in range(invoice_count))
    invoices: list[Row] = []
    payments: list[Row] = []
    credits: list[Row] = []
    disputes: list[Row] = []
    history: list[Row] = []
    for n, offset in enumerate(offsets):
        c = rng.randrange(customer_count)
        cid, currency = customers[c][0], currency_of[c]
        issued = start + timedelta(days=offset)
        due = issued + timedelta(days=rng.choice((15, 30, 30, 45, 60)))
        amount = rng.randrange(5_000, 2_000_000) * 100  # 50.00 to 20,000.00
        iid = f"INV-{n:08d}"
        invoices.append((iid, cid, f"{n}", issued, due, None, amount, currency))
        roll = rng.random()
        paid_on = due + timedelta(days=rng.randrange(-10, 40))
        if roll < 0.70 and paid_on <= as_of:
            payments.append((f"PAY-{n:08d}", cid, paid_on, amount, currency, iid))
        elif roll < 0.80 and paid_on <= as_of:
            part = amount * rng.randrange(30, 71) // 100 // 100 * 100
            payments.append((f"PAY-{n:08d}", cid, paid_on, part, currency, iid))
        if rng.random() < 0.02:
            credits.append(
                (
                    f"CN-{n:08d}",
                    cid,
                    issued + timedelta(days=5),
                    amount // 1000 * 100,
                    currency,
                    iid,
                )
            )
        if rng.random() < 0.03:
            opened = issued + timedelta(days=rng.randrange(1, 40))
            resolved = opened + timedelta(days=20) if rng.random() < 0.5 else None
            if opened <= as_of:
                disputes.append((f"D-{n:08d}", cid, iid, opened, resolved, "Wrong quantity"))
        if due + timedelta(days=1) <= as_of and rng.random() < 0.25:
            history.append(
                (
                    f"a-{n:08d}",
                    cid,
                    "first-reminder",
                    json.dumps([iid]),
                    due + timedelta(days=1),
                    "done",
                    "",
                    "",
                    "bench",
                    "2026-01-01 00:00:00",
                )
            )
    for n in range(invoice_count // 100):
        c = rng.randrange(customer_count)
        paid_on = start + timedelta(days=rng.randrange(548))
        payments.append(
            (
                f"UPAY-{n:08d}",
                customers[c][0],
                paid_on,
                rng.randrange(1, 500) * 10_000,
                currency_of[c],
                None,
            )
        )
    return {
        "customers": customers,
        "invoices": invoices,
        "payments": payments,
        "credit_notes": credits,
        "disputes": disputes,
        "action_log": history,
    }


COLUMNS = {
    "customers": "id, name, country, segment, email, language",
    "invoices": "id, customer_id, number, issued, due, terms, amount, currency",
    "payments": "id, customer_id, date, amount, currency, invoice_id",
    "credit_notes": "id, customer_id, date, amount, currency, invoice_id",
    "disputes": "id, customer_id, invoice_id, opened, resolved, reason",
    "action_log": "action_id, customer_id, step, invoice_ids, date, status, outcome, note, who,"
    " recorded_at",
}
MONEY = {"invoices": (6,), "payments": (3,), "credit_notes": (3,)}


def _create_schema(url: str) -> None:
    from store.connection import create_store_engine
    from store.migrate import upgrade

    engine = create_store_engine(url)
    upgrade(engine)
    engine.dispose()


def build_sqlite(path: Path, invoice_count: int, seed: int) -> None:
    """Build the synthetic ledger in the SQLite file ``path`` (replacing it)."""
    path.unlink(missing_ok=True)
    _create_schema(f"sqlite:///{path}")
    tables = generate(invoice_count, seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN")
    for table, rows in tables.items():
        columns = COLUMNS[table]
        marks = ", ".join("?" * len(columns.split(",")))
        db.executemany(
            f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - fixed names
            ([v.isoformat() if isinstance(v, date) else v for v in row] for row in rows),
        )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


def build_postgres(url: str, invoice_count: int, seed: int, schema: str = SCHEMA) -> None:
    """Build the synthetic ledger in a fresh schema ``schema`` of the PostgreSQL database
    ``url``."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
    with psycopg.connect(plain, autocommit=True) as pg:
        pg.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        pg.execute(f"CREATE SCHEMA {schema}")
    _create_schema(_pg_bench_url(url, schema))
    tables = generate(invoice_count, seed)
    with psycopg.connect(plain, options=f"-csearch_path={schema}") as pg:
        for table, rows in tables.items():
            money = MONEY.get(table, ())
            with pg.cursor().copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(
                        [
                            f"{v // UNIT}.{v % UNIT:04d}" if i in money else v
                            for i, v in enumerate(row)
                        ]
                    )
        pg.execute("ANALYZE")


def _pg_bench_url(url: str, schema: str = SCHEMA) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def _schema_of(url: str) -> str:
    """Return the schema a URL made by ``_pg_bench_url`` reads."""
    return url.rsplit("csearch_path%3D", 1)[1].split("&", maxsplit=1)[0]


# -- the measurements -------------------------------------------------------------------------


def load_with_reader(url: str) -> tuple[int, int]:
    """Return (customers, open invoices) read through ``store.reader``."""
    from store.connection import create_store_engine
    from store.reader import iter_customer_ledgers

    engine = create_store_engine(url)
    customers = invoices = 0
    for ledger in iter_customer_ledgers(engine):
        customers += 1
        invoices += len(ledger.invoices)
    engine.dispose()
    return customers, invoices


STATEMENTS = (
    "invoices",
    "unapplied",
    "disputes",
    "promises",
    "promise_invoices",
    "plans",
    "plan_invoices",
    "instalments",
    "history",
)


def _reader_sql(url: str) -> tuple[str, list[tuple[str, str, Any]], str]:
    """Return the reader's SQL: customers, (name, SQL, parameter names) per table, settlements."""
    from store.connection import create_store_engine
    from store.reader import _ChunkReader

    engine = create_store_engine(url)
    out = []
    with engine.connect() as conn:
        reader = _ChunkReader(conn, None, None, by_range=True)
        for name in STATEMENTS:
            compiled = getattr(reader, f"{name}_stmt").compile(dialect=engine.dialect)
            out.append((name, str(compiled), compiled))
    engine.dispose()
    settlements = (
        "SELECT invoice_id, date, amount, 'payment', id FROM payments"
        " WHERE invoice_id IN ({marks}) UNION ALL"
        " SELECT invoice_id, date, amount, 'credit_note', id FROM credit_notes"
        " WHERE invoice_id IN ({marks}) ORDER BY 1, 2, 4, 5"
    )
    return "SELECT id, name, country, segment, email, language FROM customers", out, settlements


def bare_scan_sqlite(path: str, chunk: int = 2000) -> tuple[int, int]:
    """Return (chunks, rows) after a bare ``sqlite3`` fetchall of the reader's SQL.

    The same statements, chunks and connection settings (page cache) as ``store.reader``;
    nothing converted, nothing built: the floor the reader is measured against.
    """
    customers_sql, statements, settlements = _reader_sql(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    db.execute("PRAGMA cache_size = -65536")  # as store.connection sets it
    everyone = [r[0] for r in db.execute(customers_sql + " ORDER BY id").fetchall()]
    rows = len(everyone)
    chunks = 0
    for start in range(0, len(everyone), chunk):
        chunks += 1
        bounds = {"lo": everyone[start], "hi": everyone[min(start + chunk, len(everyone)) - 1]}
        rows += len(
            db.execute(
                customers_sql + " WHERE id >= ? AND id <= ?", (bounds["lo"], bounds["hi"])
            ).fetchall()
        )
        for name, sql, compiled in statements:
            params = compiled.construct_params(bounds)
            fetched = db.execute(sql, [params[n] for n in compiled.positiontup]).fetchall()
            rows += len(fetched)
            if name == "invoices":
                partly = [r[1] for r in fetched if r[7]]
                if partly:
                    marks = ", ".join("?" * len(partly))
                    sql_in = settlements.format(marks=marks)
                    rows += len(db.execute(sql_in, partly + partly).fetchall())
    db.close()
    return chunks, rows


def bare_scan_postgres(url: str, chunk: int = 2000) -> tuple[int, int]:
    """Return (chunks, rows) after a bare ``psycopg`` fetchall of the reader's SQL."""
    import psycopg

    customers_sql, statements, settlements = _reader_sql(url)
    plain = url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
    rows = chunks = 0
    with psycopg.connect(plain, options=f"-csearch_path={_schema_of(url)}") as pg:
        everyone = [r[0] for r in pg.execute(customers_sql + " ORDER BY id").fetchall()]
        rows = len(everyone)
        for start in range(0, len(everyone), chunk):
            chunks += 1
            bounds = {"lo": everyone[start], "hi": everyone[min(start + chunk, len(everyone)) - 1]}
            rows += len(
                pg.execute(
                    customers_sql + " WHERE id >= %(lo)s AND id <= %(hi)s", bounds
                ).fetchall()
            )
            for name, sql, compiled in statements:
                fetched = pg.execute(sql, compiled.construct_params(bounds)).fetchall()
                rows += len(fetched)
                if name == "invoices":
                    partly = [r[1] for r in fetched if r[7]]
                    if partly:
                        sql_in = settlements.replace("IN ({marks})", "= ANY(%(ids)s)")
                        rows += len(pg.execute(sql_in, {"ids": partly}).fetchall())  # type: ignore[arg-type]
    return chunks, rows


def _peak_mib() -> float:
    # VmHWM, not ru_maxrss: a spawned process inherits its parent's ru_maxrss across exec.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # Import what both sides use before the clock starts: the figure is the load, not imports.
    import psycopg  # noqa: F401
    import sqlalchemy  # noqa: F401

    import store.reader  # noqa: F401

    started, cpu = time.perf_counter(), time.process_time()
    result = fn(*args)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    conn.send((elapsed, cpu, _peak_mib(), result))
    conn.close()


def _run_once(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[float, float, float, Any]:
    """Return (seconds, CPU seconds, peak MiB, result) of ``fn`` run in a fresh process."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_timed, args=(child, fn, args))
    process.start()
    process.join()
    if process.exitcode != 0 or not parent.poll():
        raise RuntimeError(f"{fn.__name__} failed in its process (exit {process.exitcode})")
    received: tuple[float, float, float, Any] = parent.recv()
    return received


def compare(
    label: str,
    reader: tuple[Callable[..., Any], tuple[Any, ...]],
    floor: tuple[Callable[..., Any], tuple[Any, ...]],
    repeat: int,
) -> None:
    """Print the reader's and the floor's median times, peak memory and their ratios.

    The two run alternately, each in a fresh process; a ratio is the median of the ratios of
    each pair, so that only figures from the same moment are compared (the machine is shared).
    CPU time is shown beside wall time: it is what another busy process on the machine
    disturbs least.
    """
    pairs = [(_run_once(*reader), _run_once(*floor)) for _ in range(repeat)]
    print(f"{label}:")
    for name, runs in (
        ("store.reader", [p[0] for p in pairs]),
        ("bare fetchall", [p[1] for p in pairs]),
    ):
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        print(f"  {name:<14} {wall:7.3f} s  (cpu {cpu:6.3f} s)  peak {peak:7.1f} MiB  {runs[0][3]}")
    wall_ratio = statistics.median(r[0] / f[0] for r, f in pairs)
    cpu_ratio = statistics.median(r[1] / f[1] for r, f in pairs)
    print(
        f"  ratio          {wall_ratio:7.2f}x  (cpu {cpu_ratio:.2f}x; median of {repeat} pairs,"
        " target <= 1.5x)"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the SQLite ledger")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--schema", default=SCHEMA, help="PostgreSQL schema to build it in")
    args = parser.parse_args(argv)

    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}")
    if not args.skip_sqlite:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"ledger-{args.invoices}-{args.seed}.db"
        if args.rebuild or not path.exists():
            started = time.perf_counter()
            build_sqlite(path, args.invoices, args.seed)
            print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
        url = f"sqlite:///{path}"
        compare(
            f"SQLite, {args.invoices:,} invoices",
            (load_with_reader, (url,)),
            (bare_scan_sqlite, (str(path),)),
            args.repeat,
        )
    if args.postgres:
        started = time.perf_counter()
        build_postgres(args.postgres, args.invoices, args.seed, args.schema)
        print(f"built PostgreSQL schema {args.schema} in {time.perf_counter() - started:.1f} s")
        url = _pg_bench_url(args.postgres, args.schema)
        compare(
            f"PostgreSQL, {args.invoices:,} invoices",
            (load_with_reader, (url,)),
            (bare_scan_postgres, (url,)),
            args.repeat,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
