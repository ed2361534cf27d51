"""Two imports of overlapping rows at the same moment: nothing lost, nothing twice, no crash.

The second import must wait for the first and then compare its rows with what the first wrote
(unchanged, updated), on SQLite (one writer) and on PostgreSQL (where writers run in parallel,
and the second once read the rows before the first committed and then failed on a duplicate
key). Each test holds the first import's transaction open while the second starts, so the race
is certain rather than likely.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from decimal import Decimal

from sqlalchemy import Engine, func, select

from store.connection import begin_write
from store.imports import ImportResult, import_rows
from store.models import disputes, invoices

Rows = Sequence[Mapping[str, str]]

CUSTOMERS = [{"id": "ACME", "name": "Acme Trading Ltd", "country": "GB"}]


def invoice(n: int, amount: str = "100.00") -> dict[str, str]:
    """Return a valid invoice row of ACME."""
    return {
        "id": f"INV-{n:04d}",
        "customer": "ACME",
        "issued": "2026-09-01",
        "due": "2026-10-01",
        "amount": amount,
        "currency": "GBP",
    }


def imported(engine: Engine, kind: str, rows: Rows) -> ImportResult:
    """Return the result of importing ``rows`` in a transaction of its own."""
    with engine.connect() as conn:
        result = import_rows(conn, kind, rows, f"second {kind}")
        conn.commit()
    return result


def race(engine: Engine, kind: str, first: Rows, second: Rows) -> tuple[ImportResult, ImportResult]:
    """Return the results of importing ``first`` and ``second``, the second started while the
    first's transaction is open (written, not yet committed)."""
    results: list[ImportResult | BaseException] = []

    def run_second() -> None:
        try:
            results.append(imported(engine, kind, second))
        except BaseException as exc:  # handed to the test, which fails on it
            results.append(exc)

    with engine.connect() as conn:
        tx = begin_write(conn)
        head = import_rows(conn, kind, first, f"first {kind}")
        other = threading.Thread(target=run_second)
        other.start()
        other.join(timeout=1.5)  # the second waits for the first's transaction (or races it)
        tx.commit()
    other.join(timeout=60)
    assert not other.is_alive(), "the second import never finished"
    (tail,) = results
    if isinstance(tail, BaseException):
        raise tail
    return head, tail


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_overlapping_invoice_imports_at_once_write_each_invoice_once(
    ledger_engine: Engine,
) -> None:
    assert imported(ledger_engine, "customers", CUSTOMERS).ok
    first = [invoice(n) for n in range(1, 21)]
    # Ten the same, five changed, five new.
    second = (
        [invoice(n) for n in range(11, 21)]
        + [invoice(n, "150.00") for n in range(6, 11)]
        + [invoice(n) for n in range(21, 26)]
    )
    head, tail = race(ledger_engine, "invoices", first, second)
    assert (head.inserted, head.updated, head.unchanged) == (20, 0, 0)
    assert tail.ok, tail.problems
    assert (tail.inserted, tail.updated, tail.unchanged) == (5, 5, 10)
    assert count(ledger_engine, invoices) == 25
    with ledger_engine.connect() as conn:
        amounts = dict(conn.execute(select(invoices.c.id, invoices.c.amount)).all())
    assert {i for i, a in amounts.items() if a == Decimal("150.00")} == {
        f"INV-{n:04d}" for n in range(6, 11)
    }


def test_two_disputes_of_one_invoice_imported_at_once_leave_one_open(
    ledger_engine: Engine,
) -> None:
    """A rule across rows (one open dispute per invoice) holds between two imports too."""
    assert imported(ledger_engine, "customers", CUSTOMERS).ok
    assert imported(ledger_engine, "invoices", [invoice(1)]).ok
    dispute = {"invoice": "INV-0001", "opened": "2026-09-10", "reason": "Wrong quantity"}
    head, tail = race(
        ledger_engine, "disputes", [{"id": "D-1", **dispute}], [{"id": "D-2", **dispute}]
    )
    assert head.inserted == 1
    assert [p.message for p in tail.problems] == [
        "invoice INV-0001 already has an open dispute (D-1): resolve it or update that"
        " dispute instead"
    ]
    assert count(ledger_engine, disputes) == 1
