"""Importing cancellations of invoices by CSV: once per invoice, only with nothing paid on it.

Rule "ledger records", cancellations (docs/rules/ledger-records.md). Worked example: ACME's
INV-1 GBP 1,200.00 and INV-2 GBP 80.00, issued 2026-09-01; INV-2 paid on 2026-10-05. INV-1 is
cancelled on 2026-10-10 as a duplicate: open as of 10-09, settled as of 10-10, and the invoice
row is kept as it was. INV-2 cannot be cancelled while its payment is applied (as Odoo refuses to
cancel an invoice with a reconciled payment until it is unreconciled: OCA *Account Move
Reconcile Forbid Cancel*, https://apps.odoo.com/apps/modules/13.0/account_move_reconcile_forbid_cancel);
reversed first, it can.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from engine.rules.open_items import open_items
from store.models import cancellations, invoices
from store.reader import load_snapshot
from store.timeline import read_timeline
from tests.store.test_imports import run_import, write_csv

INVOICES = [
    {"id": "INV-1", "customer": "ACME", "issued": "2026-09-01", "amount": "1200.00",
     "currency": "GBP"},
    {"id": "INV-2", "customer": "ACME", "issued": "2026-09-01", "amount": "80.00",
     "currency": "GBP"},
]  # fmt: skip
PAID = {"id": "PAY-2", "customer": "ACME", "date": "2026-10-05", "amount": "80.00",
        "currency": "GBP", "invoice": "INV-2"}  # fmt: skip
CANCELLED = {"id": "CAN-1", "customer": "ACME", "invoice": "INV-1", "date": "2026-10-10",
             "reason": "duplicate of INV-2", "cancelled_by": "ar-clerk"}  # fmt: skip


@pytest.fixture
def ledger(ledger_engine: Engine, tmp_path: Path) -> Engine:
    """Return a ledger with ACME's two invoices, INV-2 paid on 2026-10-05."""
    for kind, rows in (("customers", [{"id": "ACME"}]), ("invoices", INVOICES),
                       ("payments", [PAID])):  # fmt: skip
        result = run_import(ledger_engine, kind, write_csv(tmp_path / f"{kind}.csv", rows))
        assert result.ok, result.problems
    return ledger_engine


def opens(engine: Engine, day: date) -> list[tuple[str, Decimal]]:
    """Return ACME's open invoices on ``day``, read from the database as of that day."""
    acme = load_snapshot(engine, ["ACME"], day).customers[0]
    return [(invoice.id, amount) for invoice, amount in open_items(acme.invoices, day)]


def count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_a_cancelled_invoice_is_open_before_its_day_and_settled_from_it(
    ledger: Engine, tmp_path: Path
) -> None:
    result = run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", [CANCELLED]))
    assert (result.ok, result.inserted) == (True, 1)
    assert opens(ledger, date(2026, 10, 9)) == [("INV-1", Decimal("1200.00"))]
    assert opens(ledger, date(2026, 10, 10)) == []
    with ledger.connect() as conn:
        kept = conn.execute(select(invoices.c.amount).where(invoices.c.id == "INV-1")).scalar()
    assert kept == Decimal("1200.00")  # the invoice is history: its row is kept as it was
    again = run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", [CANCELLED]))
    assert (again.ok, again.inserted, again.unchanged) == (True, 0, 1)


def test_the_settlement_says_it_is_a_cancellation(ledger: Engine, tmp_path: Path) -> None:
    run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", [CANCELLED]))
    acme = load_snapshot(ledger, ["ACME"], date(2026, 12, 31)).customers[0]
    # Settled in full it is left out by the database; a later day before it is read whole.
    assert [i.id for i in acme.invoices] == []
    (inv,) = load_snapshot(ledger, ["ACME"], date(2026, 10, 9)).customers[0].invoices
    assert inv.settlements == ()


def test_a_second_cancellation_or_one_of_a_paid_invoice_is_refused_and_nothing_imported(
    ledger: Engine, tmp_path: Path
) -> None:
    run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", [CANCELLED]))
    rows = [
        {**CANCELLED, "id": "CAN-2"},
        {**CANCELLED, "id": "CAN-3", "invoice": "INV-2"},
        {**CANCELLED, "id": "CAN-4", "invoice": "INV-9"},
        {**CANCELLED, "id": "CAN-5", "cancelled_by": ""},
    ]
    result = run_import(ledger, "cancellations", write_csv(tmp_path / "c2.csv", rows))
    assert [(p.line, p.code) for p in result.problems] == [
        (2, "L018"), (3, "L019"), (4, "L010"), (5, "L003")
    ]  # fmt: skip
    assert "reverse the payments" in result.problems[1].message
    assert count(ledger, cancellations) == 1


def test_the_same_invoice_twice_in_one_file_is_refused(ledger: Engine, tmp_path: Path) -> None:
    rows = [CANCELLED, {**CANCELLED, "id": "CAN-2"}]
    result = run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", rows))
    assert [(p.line, p.code) for p in result.problems] == [(3, "L018")]
    assert count(ledger, cancellations) == 0


def test_a_payment_reversed_first_lets_the_invoice_be_cancelled(
    ledger: Engine, tmp_path: Path
) -> None:
    bounced = {"id": "REV-1", "customer": "ACME", "kind": "reversal", "date": "2026-10-08",
               "amount": "80.00", "currency": "GBP", "payment": "PAY-2"}  # fmt: skip
    assert run_import(ledger, "reversals", write_csv(tmp_path / "r.csv", [bounced])).ok
    row = {**CANCELLED, "id": "CAN-2", "invoice": "INV-2"}
    result = run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", [row]))
    assert result.ok, result.problems
    assert opens(ledger, date(2026, 10, 9)) == [
        ("INV-1", Decimal("1200.00")), ("INV-2", Decimal("80.00"))
    ]  # fmt: skip
    assert opens(ledger, date(2026, 10, 10)) == [("INV-1", Decimal("1200.00"))]
    # The payments file imported again, as a nightly export does, changes nothing and passes.
    again = run_import(ledger, "payments", write_csv(tmp_path / "p.csv", [PAID]))
    assert (again.ok, again.unchanged) == (True, 1)


def test_no_new_money_is_applied_to_a_cancelled_invoice(ledger: Engine, tmp_path: Path) -> None:
    run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", [CANCELLED]))
    late = {**PAID, "id": "PAY-3", "invoice": "INV-1", "date": "2026-10-12"}
    result = run_import(ledger, "payments", write_csv(tmp_path / "p.csv", [late]))
    assert [(p.line, p.code, p.field) for p in result.problems] == [(2, "L019", "invoice")]
    assert "cancelled (CAN-1)" in result.problems[0].message
    write_off = {"id": "WO-1", "customer": "ACME", "invoice": "INV-1", "date": "2026-10-12",
                 "amount": "10.00", "currency": "GBP", "reason": "r", "by": "me"}  # fmt: skip
    result = run_import(ledger, "write-offs", write_csv(tmp_path / "w.csv", [write_off]))
    assert [p.code for p in result.problems] == ["L019"]


def test_the_cancellation_is_in_the_customers_timeline(ledger: Engine, tmp_path: Path) -> None:
    run_import(ledger, "cancellations", write_csv(tmp_path / "c.csv", [CANCELLED]))
    with ledger.connect() as conn:
        before = read_timeline(conn, "ACME", date(2026, 10, 9))
        after = read_timeline(conn, "ACME", date(2026, 10, 10))
    assert [e for e in before.entries if e.kind == "cancellation"] == []
    (entry,) = [e for e in after.entries if e.kind == "cancellation"]
    assert entry.title == "Invoice INV-1 cancelled on 2026-10-10: duplicate of INV-2"
    assert (entry.who, entry.invoices, entry.ref) == ("ar-clerk", ("INV-1",), "CAN-1")
