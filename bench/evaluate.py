"""Benchmark: the daily evaluation over a large ledger, next to a bare scan of the same rows.

    python bench/evaluate.py                          # 1M invoices: first run and steady state
    python bench/evaluate.py --invoices 200000        # 200k invoices over 20k customers
    python bench/evaluate.py --no-history             # only the first run: nothing done yet
    python bench/evaluate.py --history-only           # only the steady state
    python bench/evaluate.py --workers 2              # also split the customers over 2 processes
    python bench/evaluate.py --cache /tmp/dunning-bench # build and keep the ledgers there
    python bench/evaluate.py --invoices 5000000 --no-history --streamed-only   # the 5M run

The ledger is synthetic and seeded, built once in bench/out/ through the store's schema: invoices
over the 18 months before the run date, three currencies, net 15-60 days, named terms or the
customer's own, about 70 % paid in full and 10 % in part, credit notes, unapplied cash, 3 %
disputed (half of them resolved), customers on all three ladders of the example policy. Its action
history is the log of a team that worked the list every day up to yesterday: every step an open
invoice reached before the run date is recorded as done on its date (repeats included, the
catch-up after a dispute as done plus superseded), and the contacts of the last seven days about
invoices paid since, which count toward the contact guardrail. So the run date shows a
steady-state day. The first-run ledger leaves the log empty: everything that fell due is on
the list at once. Both are measured unless ``--no-history`` or ``--history-only`` says one.

Measured in one run, each in a fresh process (peak memory is that process's), ``--repeat``
rounds, the floor and the project interleaved in each; a ratio is taken within each round (the
machine is shared), and the summary gives the min and median of the CPU-time ratios:

- floor: a bare ``sqlite3`` fetchall of exactly the SQL ``store.reader`` runs (bench/load.py);
- load + evaluate: ``store.reader.open_ledger`` streamed into ``engine.evaluate.evaluate_customers``
  with the example policy of policies/, each customer's part written out as it comes (what
  identifies each item, to temporary files, as the CLI writes its JSON): its peak memory is that
  of a streamed run;
- evaluate: the same ledger read into a list first (not timed), then ``evaluate`` alone;
- with ``--workers N``: load + evaluate with the customers split into N contiguous id ranges,
  each read through the reader and evaluated customer by customer in its own (forked) process,
  which writes its part as load + evaluate writes the whole; the parts are joined in order and
  checked against the other runs.

Policy loading and imports happen before the clock starts. The last line is
``evaluate/floor ratio: R``.
"""

from __future__ import annotations

import argparse
import bisect
import hashlib
import json
import multiprocessing
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import AS_OF, COLUMNS, OUT, _create_schema, bare_scan_sqlite, peak_mib  # noqa: E402

Row = tuple[Any, ...]
UNIT = 10_000  # money is stored in ten-thousandths on SQLite (store.columns)
DAYS = 548  # invoices are issued over the 18 months before the run date
RECENT = timedelta(days=7)  # the contact guardrail's window


# -- the synthetic ledger ---------------------------------------------------------------------


def _customers(count: int, rng: random.Random) -> tuple[list[Row], list[str]]:
    """Return customer rows and each one's currency: most in the UK, some in the EU, some key."""
    rows: list[Row] = []
    currency_of: list[str] = []
    for n in range(count):
        place = rng.random()
        if place < 0.15:
            country, language, currency = rng.choice(("DE", "FR", "NL", "IE")), "en", "EUR"
        else:
            country, language = "GB", "en"
            currency = rng.choices(("GBP", "USD", "EUR"), (85, 10, 5))[0]
        segment = "strategic" if rng.random() < 0.05 else "smb"
        rows.append(
            (f"C{n:07d}", f"Customer {n}", country, segment, f"ap{n}@example.com", language)
        )
        currency_of.append(currency)
    return rows, currency_of


class _Dates:
    """Due and step dates of invoices, worked out by the engine itself (ladder, terms, calendar)."""

    def __init__(self) -> None:
        from engine.load.policy_loader import load_policy
        from engine.model.ledger import Customer
        from engine.rules.calendar import BusinessCalendar
        from engine.rules.effective import EffectivePolicies
        from engine.rules.step_dates import StepDates

        policy = load_policy([ROOT]).policy
        assert policy is not None, "the example policy does not load"
        self.policy = policy
        self._effective = EffectivePolicies(policy)
        self._customer = Customer
        self.calendar = BusinessCalendar(policy.calendar)
        self._step_dates = StepDates(self.calendar, policy.due_date_roll)
        self._memo: dict[tuple[Any, ...], Any] = {}

    def rules(self, row: Row, currency: str) -> Any:
        """Return the effective policy (ladder, terms) of the customer ``row``."""
        customer = self._customer(*row)
        return self._effective.shared(customer, frozenset({currency}))

    def dates(self, rules: Any, terms: str | None, issued: date, due: date | None) -> Any:
        """Return the engine's ``InvoiceDates`` of one invoice."""
        key = (rules.ladder.name, terms, issued, due)
        found = self._memo.get(key)
        if found is None:
            term = self.policy.terms.get(terms) if terms else rules.term
            found = self._step_dates.invoice_dates(rules.ladder, term, issued, due)
            self._memo[key] = found
        return found


def generate(
    invoice_count: int, customer_count: int, seed: int, as_of: date = AS_OF, *, history: bool = True
) -> dict[str, list[Row]]:
    """Return the rows of the synthetic ledger, table by table, money in ten-thousandths."""
    rng = random.Random(seed)
    customers, currency_of = _customers(customer_count, rng)
    dates = _Dates()
    rules = [dates.rules(row, currency_of[n]) for n, row in enumerate(customers)]
    start = as_of - timedelta(days=DAYS)
    offsets = sorted(rng.randrange(DAYS) for _ in range(invoice_count))
    named_terms = ("net30", "net60", "2-10-net30", "net30-eom", "10th-prox", "net14")
    invoices: list[Row] = []
    payments: list[Row] = []
    credits: list[Row] = []
    disputes: list[Row] = []
    log = _Log(as_of)
    for n, offset in enumerate(offsets):
        c = rng.randrange(customer_count)
        cid, currency, customer_rules = customers[c][0], currency_of[c], rules[c]
        issued = start + timedelta(days=offset)
        kind = rng.random()
        terms: str | None = None
        due: date | None = None
        if kind < 0.4:  # the accounting system states the due date
            due = issued + timedelta(days=rng.choice((15, 30, 30, 45, 60)))
        elif kind < 0.7:  # named terms on the invoice
            terms = rng.choice(named_terms)
        invoice_dates = dates.dates(customer_rules, terms, issued, due)
        amount = rng.randrange(5_000, 2_000_000) * 100  # 50.00 to 20,000.00
        iid = f"INV-{n:08d}"
        invoices.append((iid, cid, f"{n}", issued, due, terms, amount, currency))
        settled: list[tuple[date, int]] = []
        roll = rng.random()
        paid_on = invoice_dates.due + timedelta(days=rng.randrange(-10, 40))
        if roll < 0.70 and paid_on <= as_of:
            payments.append((f"PAY-{n:08d}", cid, paid_on, amount, currency, iid))
            settled.append((paid_on, amount))
        elif roll < 0.80 and paid_on <= as_of:
            part = amount * rng.randrange(30, 71) // 100 // 100 * 100
            payments.append((f"PAY-{n:08d}", cid, paid_on, part, currency, iid))
            settled.append((paid_on, part))
        if rng.random() < 0.02:
            credit = amount // 1000 * 100
            credits.append((f"CN-{n:08d}", cid, issued + timedelta(days=5), credit, currency, iid))
            settled.append((issued + timedelta(days=5), credit))
        dispute: tuple[date, date | None] | None = None
        if rng.random() < 0.03:
            opened = issued + timedelta(days=rng.randrange(1, 40))
            resolved = opened + timedelta(days=20) if rng.random() < 0.5 else None
            if opened <= as_of:
                disputes.append((f"D-{n:08d}", cid, iid, opened, resolved, "Wrong quantity"))
                dispute = (opened, resolved if resolved is None or resolved <= as_of else None)
        if history:
            log.walk(cid, iid, customer_rules.ladder.steps, invoice_dates, amount, settled, dispute)
    for n in range(invoice_count // 100):
        c = rng.randrange(customer_count)
        paid_on = start + timedelta(days=rng.randrange(DAYS))
        amount = rng.randrange(1, 500) * UNIT
        payments.append((f"UPAY-{n:08d}", customers[c][0], paid_on, amount, currency_of[c], None))
    return {
        "customers": customers,
        "invoices": invoices,
        "payments": payments,
        "credit_notes": credits,
        "disputes": disputes,
        "action_log": log.rows(),
    }


class _Log:
    """The action log of a team that worked the daily list every day up to yesterday."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        # (customer, step, occurrence, date, status) -> invoices: one action per customer, step
        # and day, as the engine groups them.
        self.groups: dict[tuple[str, str, int, date, str], list[str]] = {}

    def walk(  # noqa: PLR0917 - one invoice's facts
        self,
        cid: str,
        iid: str,
        steps: tuple[Any, ...],
        dates: Any,
        amount: int,
        settled: list[tuple[date, int]],
        dispute: tuple[date, date | None] | None,
    ) -> None:
        """Record the steps the invoice went through before the run date."""
        as_of = self.as_of

        def open_on(day: date) -> bool:
            return amount - sum(a for d, a in settled if d <= day) > 0

        def disputed_on(day: date) -> bool:
            return (
                dispute is not None
                and dispute[0] <= day
                and (dispute[1] is None or day < dispute[1])
            )

        still_open = open_on(as_of)
        records: list[tuple[int, int, date, str]] = []  # step, occurrence, date, status
        events = sorted((d, i) for i, d in enumerate(dates.steps) if d is not None and d < as_of)
        floor = -1
        waiting: list[int] = []  # steps that fell due while the invoice was disputed
        resolved = dispute[1] if dispute is not None else None

        def catch_up(day: date) -> None:
            nonlocal floor
            top = max(waiting)
            records.append((top, 0, day, "done"))
            records.extend((i, 0, day, "superseded") for i in waiting if floor < i < top)
            floor = top
            waiting.clear()

        for day, index in events:
            if waiting and resolved is not None and resolved <= day:
                if not open_on(resolved):
                    break
                catch_up(resolved)
            if index <= floor:
                continue  # a higher step was worked already: passed over
            if not open_on(day):
                break
            if disputed_on(day):
                waiting.append(index)
                continue
            records.append((index, 0, day, "done"))
            floor = index
            repeat = steps[index].repeat_days
            if repeat:
                later = [d for j, d in enumerate(dates.steps) if j > index and d is not None]
                until = min(later, default=as_of)
                again, occurrence = day + timedelta(days=repeat), 1
                while again < as_of and again < until and open_on(again):
                    if disputed_on(again):
                        break
                    records.append((index, occurrence, again, "done"))
                    again += timedelta(days=repeat)
                    occurrence += 1
        if waiting and resolved is not None and resolved < as_of and open_on(resolved):
            catch_up(resolved)
        recent = as_of - RECENT
        for index, occurrence, day, status in records:
            if still_open or (day >= recent and steps[index].is_contact):
                key = (cid, steps[index].id, occurrence, day, status)
                self.groups.setdefault(key, []).append(iid)

    def rows(self) -> list[Row]:
        """Return the action_log rows, ids as the engine makes them."""
        from engine.rules.output import action_id

        out: list[Row] = []
        for (cid, step, occurrence, day, status), ids in sorted(self.groups.items()):
            ids.sort()
            out.append(
                (
                    action_id(cid, step, occurrence, ids),
                    cid,
                    step,
                    json.dumps(ids),
                    day,
                    status,
                    "",
                    "",
                    "bench",
                    "2026-01-01 00:00:00",
                )
            )
        return out


def build_sqlite(path: Path, invoices: int, customers: int, seed: int, *, history: bool) -> None:
    """Build the synthetic ledger in the SQLite file ``path`` (replacing it)."""
    path.unlink(missing_ok=True)
    _create_schema(f"sqlite:///{path}")
    tables = generate(invoices, customers, seed, history=history)
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


def ledger_path(
    invoices: int, customers: int, seed: int, *, history: bool, folder: Path = OUT
) -> Path:
    """Return where the ledger of these parameters is cached (in ``folder``)."""
    kind = "history" if history else "first-run"
    return folder / f"evaluate-{invoices}-{customers}-{seed}-{kind}.db"


def table_counts(path: Path) -> dict[str, int]:
    """Return the row count of each table the benchmark fills."""
    db = sqlite3.connect(path)
    try:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in COLUMNS
        }
    finally:
        db.close()


# -- the measurements (each in a fresh process) -----------------------------------------------

_STATE: dict[str, Any] = {}  # what forked workers inherit from the measuring process


def _policy() -> tuple[Any, Any]:
    from engine.load.policy_loader import load_policy
    from engine.model.actions import PolicyVersion

    loaded = load_policy([ROOT])
    assert loaded.policy is not None, "the example policy does not load"
    return loaded.policy, PolicyVersion(digest=loaded.policy.digest)


def _lines(evaluation: Any) -> tuple[int, int, list[str], list[str], list[str]]:
    """Return what identifies an evaluation's result: counts, and a string per item.

    An action id stands for its customer, step, occurrence and invoices.
    """
    return (
        evaluation.customers_evaluated,
        evaluation.invoices_evaluated,
        *_outcome_lines(evaluation),
    )


def _summary(parts: list[tuple[int, int, list[str], list[str], list[str]]]) -> dict[str, Any]:
    """Return the counts and a digest of the lists of an evaluation made of ``parts``."""
    digest = hashlib.sha256()
    for column in (2, 3, 4):
        for part in parts:
            for line in part[column]:
                digest.update(f"{line}\n".encode())
    return {
        "customers": sum(p[0] for p in parts),
        "open invoices": sum(p[1] for p in parts),
        "actions": sum(len(p[2]) for p in parts),
        "suppressions": sum(len(p[3]) for p in parts),
        "superseded": sum(len(p[4]) for p in parts),
        "digest": digest.hexdigest()[:12],
    }


_PARTS = ("actions", "suppressions", "superseded")


def _streamed(outcomes: Any) -> dict[str, Any]:
    """Return the summary of a list evaluated customer by customer, as a writer receives it.

    What identifies each item is written to a temporary file per part of the list as each
    customer is evaluated (as the CLI writes its JSON), nothing is kept; the summary is the one
    ``_summary`` gives for the whole list.
    """
    with tempfile.TemporaryDirectory() as folder:
        counts = _write_lines(outcomes, Path(folder))
        return {
            "customers": outcomes.customers,
            "open invoices": outcomes.invoices,
            **counts,
            "digest": _digest([Path(folder)]),
        }


def _write_lines(outcomes: Any, folder: Path) -> dict[str, int]:
    """Write what identifies each item of ``outcomes`` to a file per part in ``folder``, as
    each customer is evaluated; return the count of each part."""
    counts = dict.fromkeys(_PARTS, 0)
    files = {name: (folder / name).open("w", encoding="utf-8") for name in _PARTS}
    try:
        for outcome in outcomes:
            lines = _outcome_lines(outcome)
            for (name, out), part in zip(files.items(), lines, strict=True):
                counts[name] += len(part)
                out.writelines(f"{line}\n" for line in part)
    finally:
        for out in files.values():
            out.close()
    return counts


def _digest(folders: list[Path]) -> str:
    """Return the digest ``_summary`` gives of the list written in ``folders`` (in list order):
    each part's files one after the other."""
    digest = hashlib.sha256()
    for name in _PARTS:
        for folder in folders:
            with (folder / name).open("rb") as written:
                while chunk := written.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()[:12]


def _outcome_lines(outcome: Any) -> tuple[list[str], list[str], list[str]]:
    """Return what identifies the items of one customer's part (as ``_lines``)."""
    return (
        [a.id for a in outcome.actions],
        [s.customer_id + s.code + (s.step or "") for s in outcome.suppressions],
        [s.action_id + s.step for s in outcome.superseded],
    )


def _slice(job: tuple[tuple[str, str], str]) -> tuple[int, int, dict[str, int], float]:
    """Evaluate one worker's part of the list in a forked worker, customer by customer, writing
    what identifies each item to its own folder as load+evaluate does; return its customers,
    open invoices, counts and CPU seconds.

    Each worker writes its own part (what a daily job writing a file per part would do): only
    counts go back to the parent, which joins the parts in order.
    """
    from engine.evaluate import evaluate_customers
    from store.collector import collector_paused
    from store.reader import open_ledger

    id_range, folder = job
    cpu = time.process_time()
    policy, _version = _STATE["policy"]
    # As every caller of the engine that evaluates a ledger does (the API, the CLI).
    with collector_paused():
        outcomes = evaluate_customers(
            policy, open_ledger(_STATE["url"], id_range=id_range), _STATE["as_of"]
        )
        counts = _write_lines(outcomes, Path(folder))
    return outcomes.customers, outcomes.invoices, counts, time.process_time() - cpu


def _ranges(path: str, workers: int) -> list[tuple[str, str]]:
    """Return ``workers`` contiguous customer id ranges holding about as many invoices each.

    The cuts are read from the invoices' customer index (the customer at every 1/N-th invoice),
    so a range of customers with many invoices is not given to one worker whole.
    """
    db = sqlite3.connect(path)
    ids = [row[0] for row in db.execute("SELECT id FROM customers ORDER BY id")]
    invoices = db.execute("SELECT count(*) FROM invoices").fetchone()[0]
    starts = [0]
    for k in range(1, workers):
        cut = db.execute(
            "SELECT customer_id FROM invoices ORDER BY customer_id LIMIT 1 OFFSET ?",
            (invoices * k // workers,),
        ).fetchone()
        start = bisect.bisect_left(ids, cut[0]) if cut else len(ids)
        if start > starts[-1]:
            starts.append(start)
    db.close()
    ends = [*starts[1:], len(ids)]
    return [(ids[lo], ids[hi - 1]) for lo, hi in zip(starts, ends, strict=True) if hi > lo]


def _split(url: str, path: str, workers: int, as_of: date) -> tuple[dict[str, Any], list[float]]:
    """Return the summary of the evaluation with its customers split over ``workers``
    processes, and each worker's CPU seconds.

    Contiguous id ranges keep each worker's reads local and make joining the parts a plain
    concatenation: every list is sorted by customer first.
    """
    # Each worker reads its range of ids as the whole read does (store.reader's id_range).
    ranges = _ranges(path, workers)
    _STATE["url"], _STATE["as_of"] = url, as_of
    with tempfile.TemporaryDirectory() as tmp:
        folders = [Path(tmp) / str(n) for n in range(len(ranges))]
        for folder in folders:
            folder.mkdir()
        # fork: the workers inherit the loaded policy and the imports, as a daily job would.
        with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
            parts = pool.map(_slice, zip(ranges, map(str, folders), strict=True), chunksize=1)
        summary = {
            "customers": sum(p[0] for p in parts),
            "open invoices": sum(p[1] for p in parts),
            **{name: sum(p[2][name] for p in parts) for name in _PARTS},
            "digest": _digest(folders),
        }
    return summary, [p[3] for p in parts]


def _measure(conn: Any, kind: str, path: str, workers: int, as_of: date) -> None:
    """Run one measurement and send (seconds, CPU seconds, peak MiB, summary) to ``conn``."""
    import sqlalchemy  # noqa: F401 - imported before the clock, as by the reader's callers

    import store.reader  # noqa: F401
    from engine.evaluate import evaluate, evaluate_customers
    from engine.rules.calendar import BusinessCalendar
    from store.collector import collector_paused
    from store.reader import open_ledger

    url = f"sqlite:///{path}"
    work: Callable[[], Any]
    if kind == "floor":

        def work() -> Any:
            return bare_scan_sqlite(path)
    else:
        policy, version = _STATE["policy"] = _policy()
        # The holidays package imports a module per country on first use: an import, done
        # before the clock like the others (the evaluation builds its own calendar).
        BusinessCalendar(policy.calendar)
        if kind == "load+evaluate":

            def work() -> Any:
                return _streamed(evaluate_customers(policy, open_ledger(url), as_of))
        elif kind == "evaluate":
            ledger = list(open_ledger(url))

            def work() -> Any:
                return evaluate(policy, ledger, as_of, version)
        else:

            def work() -> Any:
                return _split(url, path, workers, as_of)

    started, cpu = time.perf_counter(), time.process_time()
    if kind == "floor":
        result = work()
    else:
        # The collector paused as the API and the CLI pause it around an evaluation
        # (store.collector); the floor is a bare scan, measured as it always was.
        with collector_paused():
            result = work()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    # This process's own high-water mark: a spawned process's ru_maxrss starts at its parent's
    # (the one that built the ledger). Forked workers report theirs through RUSAGE_CHILDREN.
    peak = peak_mib()
    extra: dict[str, Any] = {}
    if kind == "floor":
        summary = {"rows": result[1]}
    elif kind.startswith("workers"):
        summary, worker_cpu = result
        # The parent's own CPU time (its serial part: the cuts, forking, joining the parts) and
        # the busiest worker's: on a machine with a core per process that is the wall time.
        extra["critical path cpu s"] = cpu + max(worker_cpu)
        extra["worker cpu s"] = worker_cpu
        cpu += resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    elif kind == "load+evaluate":
        summary = result
    else:
        summary = _summary([_lines(result)])
    conn.send((elapsed, cpu, peak, summary, extra))
    conn.close()


def run_once(kind: str, path: Path, workers: int, as_of: date) -> tuple[Any, ...]:
    """Return (seconds, CPU seconds, peak MiB, summary, extra figures) of one measurement in a
    fresh process."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_measure, args=(child, kind, str(path), workers, as_of))
    process.start()
    child.close()
    received: tuple[Any, ...] = parent.recv()
    process.join()
    if process.exitcode != 0:
        raise RuntimeError(f"{kind} failed in its process (exit {process.exitcode})")
    return received


# -- the report ---------------------------------------------------------------------------------


def _rounds(kinds: list[str], path: Path, workers: int, repeat: int) -> Iterator[dict[str, Any]]:
    for n in range(repeat):
        print(f"  round {n + 1}/{repeat} ...", file=sys.stderr, flush=True)
        yield {kind: run_once(kind, path, workers, AS_OF) for kind in kinds}


def _ratios(rounds: list[dict[str, Any]], kind: str, column: int) -> tuple[float, float]:
    """Return the min and median over the rounds of ``kind``'s time / the floor's time
    (``column`` 0 wall, 1 CPU)."""
    within = [r[kind][column] / r["floor"][column] for r in rounds]
    return min(within), statistics.median(within)


def measure(path: Path, args: argparse.Namespace, label: str) -> dict[str, Any]:
    """Measure the ledger at ``path``; print its table and return its ratios and results."""
    counts = table_counts(path)
    print(
        f"\n{label}: {counts['invoices']:,} invoices, {counts['customers']:,} customers, "
        f"{counts['payments']:,} payments, {counts['credit_notes']:,} credit notes, "
        f"{counts['disputes']:,} disputes, {counts['action_log']:,} action log records"
    )
    kinds = (
        ["floor", "load+evaluate"] if args.streamed_only else ["floor", "load+evaluate", "evaluate"]
    )
    split = f"workers {args.workers}"
    if args.workers > 1:
        kinds.append(split)
    rounds = list(_rounds(kinds, path, args.workers, args.repeat))

    invoices = counts["invoices"]
    print(
        f"{'measurement':<16} {'wall s':>8} {'cpu s':>8} {'peak MiB':>9} "
        f"{'x floor wall':>13} {'x floor cpu':>12} {'µs/invoice':>11}"
    )
    ratio: dict[str, tuple[float, float]] = {}
    peak: dict[str, float] = {}
    for kind in kinds:
        runs = [r[kind] for r in rounds]
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        peak[kind] = max(r[2] for r in runs)
        ratio[kind] = _ratios(rounds, kind, 1)
        print(
            f"{kind:<16} {wall:8.3f} {cpu:8.3f} {peak[kind]:9.1f} "
            f"{statistics.median(r[kind][0] / r['floor'][0] for r in rounds):12.2f}x "
            f"{ratio[kind][1]:11.2f}x {cpu / invoices * 1e6:11.2f}"
        )
    for kind in kinds:
        summaries = {json.dumps(r[kind][3], sort_keys=True) for r in rounds}
        print(f"{kind:<16} " + " | ".join(sorted(summaries)))
    results = {json.dumps(r[k][3], sort_keys=True) for r in rounds for k in kinds[1:]}
    if len(results) != 1:
        print("MISMATCH: the evaluations above differ", file=sys.stderr)
    speed_up = None
    if args.workers > 1:
        within = [r["load+evaluate"][0] / r[split][0] for r in rounds]
        speed_up = (max(within), statistics.median(within))
        print(
            f"speed-up of {args.workers} workers over 1 (load+evaluate, wall): "
            f"best {speed_up[0]:.2f}x, median {speed_up[1]:.2f}x"
        )
        # CPU time of one process against the parent's CPU time plus the busiest worker's: the
        # wall time the split would take with a core for each process, which a machine shared
        # by other work cannot give the wall-clock figure.
        path_cpu = [r["load+evaluate"][1] / r[split][4]["critical path cpu s"] for r in rounds]
        speed_up_cpu = (max(path_cpu), statistics.median(path_cpu))
        balance = [
            min(r[split][4]["worker cpu s"]) / max(r[split][4]["worker cpu s"]) for r in rounds
        ]
        print(
            f"speed-up of {args.workers} workers over 1 (load+evaluate, CPU critical path: the "
            f"parent's CPU + the busiest worker's): best {speed_up_cpu[0]:.2f}x, median "
            f"{speed_up_cpu[1]:.2f}x; least/most busy worker CPU median "
            f"{statistics.median(balance):.2f}"
        )
    return {"ratio": ratio, "peak": peak, "same": len(results) == 1, "speed_up": speed_up}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, help="default: a tenth of --invoices")
    parser.add_argument("--workers", type=int, default=1, help="also split over N processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-history", action="store_true", help="only the first run")
    parser.add_argument("--history-only", action="store_true", help="only the steady state")
    parser.add_argument(
        "--streamed-only",
        action="store_true",
        help="only the floor and the streamed load+evaluate (not the ledger held whole first)",
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached ledgers")
    parser.add_argument(
        "--cache", type=Path, default=OUT, help="where the ledgers are built and kept (bench/out)"
    )
    args = parser.parse_args(argv)
    customers = args.customers or max(10, args.invoices // 10)
    modes = [("first run", False), ("steady state", True)]
    if args.no_history:
        modes = modes[:1]
    elif args.history_only:
        modes = modes[1:]

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"python {sys.version.split()[0]}, sqlite {sqlite3.sqlite_version}, run date {AS_OF}")
    print(f"load average at the start (1, 5, 15 min): {load} on {os.cpu_count()} cores")
    args.cache.mkdir(parents=True, exist_ok=True)
    measured: dict[str, dict[str, Any]] = {}
    for label, history in modes:
        path = ledger_path(args.invoices, customers, args.seed, history=history, folder=args.cache)
        if args.rebuild or not path.exists():
            started = time.perf_counter()
            build_sqlite(path, args.invoices, customers, args.seed, history=history)
            print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
        measured[label] = measure(path, args, label)

    print(f"\nCPU time / floor CPU time, min and median of {args.repeat} rounds; peak memory:")
    print(f"{'ledger':<14} {'measurement':<16} {'min':>6} {'median':>7} {'peak MiB':>9}")
    for label, found in measured.items():
        for kind in ("load+evaluate", "evaluate"):
            if kind not in found["ratio"]:
                continue
            low, mid = found["ratio"][kind]
            print(f"{label:<14} {kind:<16} {low:5.2f}x {mid:6.2f}x {found['peak'][kind]:9.1f}")
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    last = measured[modes[-1][0]]["ratio"]
    print(f"\nload+evaluate/floor ratio: {last['load+evaluate'][1]:.2f}")
    if "evaluate" in last:
        print(f"evaluate/floor ratio: {last['evaluate'][1]:.2f}")
    return 0 if all(found["same"] for found in measured.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
