"""Benchmark: the reports for management over a large ledger, next to a bare scan of its rows.

    python bench/reports.py                       # 1M invoices over 100k customers
    python bench/reports.py --invoices 100000     # 100k invoices over 10k customers

The ledger is bench/evaluate.py's (synthetic, seeded, cached in bench/out/, with the action log
of a team that worked every day's list). Each report is computed as ``dunning report`` computes
it, over the ledger database (``store``'s sources, the engine's rules), in a fresh process whose
peak memory is its own; the floor is a bare ``sqlite3`` fetchall of exactly the SQL the store's
reader streams for one day (bench/load.py), measured in the same round, before the reports
(floor interleaved). Median of ``--repeat`` rounds; a ratio is the median of the ratios within
each round (the machine is shared). The reports:

- aging: the portfolio's aging on the run date, per customer;
- dso: standard and countback DSO, best possible, ADD (the aging plus credit sales in SQL);
- cei: the month to the run date (the aging of two days);
- exposure: every customer against its credit limit;
- collectors: the month to the run date from the action log, promises and payments;
- summary: the week to the run date, with the week before (three days' aging, DSO and CEI of
  both weeks, the sums of cash, write-offs, hand-offs and broken promises); without the policy
  changes, which read the git history of the policy (none in a synthetic ledger's weeks).

Imports and policy loading happen before the clock starts. The target (issue 19): every report
streams and stays under 0.5 GB of peak memory at 1M invoices; the last line says whether it did.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.evaluate import build_sqlite, ledger_path, table_counts  # noqa: E402
from bench.load import AS_OF, OUT, bare_scan_sqlite, peak_mib  # noqa: E402

REPORTS = ("aging", "dso", "cei", "exposure", "collectors", "summary")
LIMIT_MIB = 512


def _work(kind: str, path: str, as_of: date) -> Callable[[], Any]:
    """Return the measured work of ``kind``, everything it imports already imported."""
    if kind == "floor":
        return lambda: bare_scan_sqlite(path)
    from engine.load.policy_loader import load_policy
    from engine.rules.calendar import BusinessCalendar
    from engine.tools.collector_report import collectors_report
    from engine.tools.reports import aging_report, cei_report, dso_report, exposure_report
    from engine.tools.summary import management_summary
    from store.activity_source import StoreCollectorSource
    from store.connection import create_store_engine
    from store.report_source import StoreReportSource
    from store.summary_source import StoreSummarySource

    policy = load_policy([ROOT]).policy
    assert policy is not None, "the example policy does not load"
    BusinessCalendar(policy.calendar)
    engine = create_store_engine(f"sqlite:///{path}")
    source = StoreReportSource(engine)
    month = as_of.replace(day=1)
    works: dict[str, Callable[[], Any]] = {
        "aging": lambda: aging_report(policy, source, as_of),
        "dso": lambda: dso_report(policy, source, as_of),
        "cei": lambda: cei_report(policy, source, month, as_of),
        "exposure": lambda: exposure_report(policy, source, as_of),
        "collectors": lambda: collectors_report(
            policy, StoreCollectorSource(engine), month, as_of, as_of
        ),
        "summary": lambda: management_summary(
            policy, source, StoreSummarySource(engine), period="week", last=as_of
        ),
    }
    return works[kind]


def _measure(conn: Any, kind: str, path: str, as_of: date) -> None:
    """Run one measurement and send (seconds, peak MiB) to ``conn``."""
    from store.collector import collector_paused

    work = _work(kind, path, as_of)
    started = time.perf_counter()
    if kind == "floor":
        work()
    else:
        with collector_paused():  # as the CLI and the API run a report
            work()
    elapsed = time.perf_counter() - started
    conn.send((elapsed, peak_mib()))
    conn.close()


def run_once(kind: str, path: Path, as_of: date) -> tuple[float, float]:
    """Return (seconds, peak MiB) of one measurement in a fresh process."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_measure, args=(child, kind, str(path), as_of))
    process.start()
    child.close()
    received: tuple[float, float] = parent.recv()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"{kind} failed in its process (exit {process.exitcode})")
    return received


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return 0 when every report stayed under the memory target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, help="default: a tenth of --invoices")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", choices=REPORTS, action="append", help="measure these only")
    args = parser.parse_args(argv)
    customers = args.customers or max(10, args.invoices // 10)
    kinds = ["floor", *(args.only or REPORTS)]

    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, run date {AS_OF}")
    OUT.mkdir(parents=True, exist_ok=True)
    path = ledger_path(args.invoices, customers, args.seed, history=True)
    if not path.exists():
        started = time.perf_counter()
        build_sqlite(path, args.invoices, customers, args.seed, history=True)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    counts = table_counts(path)
    print(
        f"ledger: {counts['invoices']:,} invoices, {counts['customers']:,} customers, "
        f"{counts['payments']:,} payments, {counts['action_log']:,} action log records"
    )
    rounds = []
    for n in range(args.repeat):
        print(f"  round {n + 1}/{args.repeat} ...", file=sys.stderr, flush=True)
        rounds.append({kind: run_once(kind, path, AS_OF) for kind in kinds})

    print(f"\n{'report':<12} {'wall s':>8} {'peak MiB':>9} {'x floor':>8}")
    over = []
    for kind in kinds:
        wall = statistics.median(r[kind][0] for r in rounds)
        peak = max(r[kind][1] for r in rounds)
        ratio = statistics.median(r[kind][0] / r["floor"][0] for r in rounds)
        print(f"{kind:<12} {wall:8.3f} {peak:9.1f} {ratio:7.2f}x")
        if kind != "floor" and peak >= LIMIT_MIB:
            over.append(kind)
    verdict = f"over {LIMIT_MIB} MiB: {', '.join(over)}" if over else f"all under {LIMIT_MIB} MiB"
    print(f"\npeak memory of every report: {verdict}")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
