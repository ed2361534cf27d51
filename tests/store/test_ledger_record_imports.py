"""Importing write-offs and reversals by CSV: checked, atomic, read back as of each day.

Worked example (rules in docs/rules/ledger-records.md; sources: Xero Help, "Record a bad debt in
Xero", https://help.xero.com/int/Q_BadDebts, for write-offs of all or part of an invoice, and
Stripe Docs, "Disputes", https://docs.stripe.com/disputes, for a chargeback taking a payment
back): INV-1 GBP 1,200.00 and INV-2 GBP 80.00 of ACME, both paid in full on 2026-10-05. On
2026-10-10 the card issuer charges GBP 1,200.00 of PAY-1 back, and on 2026-10-20 GBP 80.00 of
INV-2 is refunded and written off. Read as of 2026-10-15, INV-1 is open again for GBP 1,200.00
and INV-2 is settled; as of 2026-10-20, INV-2 is open for nothing (refunded, then written off).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from engine.rules.open_items import open_items
from store.reader import load_snapshot
from tests.store.test_imports import run_import, write_csv

INVOICES = [
    {"id": "INV-1", "customer": "ACME", "issued": "2026-09-01", "amount": "1200.00",
     "currency": "GBP"},
    {"id": "INV-2", "customer": "ACME", "issued": "2026-09-01", "amount": "80.00",
     "currency": "GBP"},
]  # fmt: skip
PAYMENTS = [
    {"id": "PAY-1", "customer": "ACME", "date": "2026-10-05", "amount": "1200.00",
     "currency": "GBP", "invoice": "INV-1"},
    {"id": "PAY-2", "customer": "ACME", "date": "2026-10-05", "amount": "80.00",
     "currency": "GBP", "invoice": "INV-2"},
]  # fmt: skip
REVERSALS = [
    {"id": "CB-1", "customer": "ACME", "kind": "chargeback", "date": "2026-10-10",
     "amount": "1200.00", "currency": "GBP", "payment": "PAY-1", "reason": "Card dispute"},
    {"id": "RF-1", "customer": "ACME", "kind": "refund", "date": "2026-10-20", "amount": "80.00",
     "currency": "GBP", "payment": "PAY-2"},
]  # fmt: skip
WRITE_OFFS = [
    {"id": "WO-1", "customer": "ACME", "invoice": "INV-2", "date": "2026-10-20", "amount": "80.00",
     "currency": "GBP", "reason": "Goodwill after the refund", "by": "credit-controller",
     "approved_by": "finance-lead"},
]  # fmt: skip


@pytest.fixture
def paid(ledger_engine: Engine, tmp_path: Path) -> Engine:
    """Return a ledger with ACME's two invoices, both paid in full on 2026-10-05."""
    for kind, rows in (("customers", [{"id": "ACME"}]), ("invoices", INVOICES),
                       ("payments", PAYMENTS)):  # fmt: skip
        result = run_import(ledger_engine, kind, write_csv(tmp_path / f"{kind}.csv", rows))
        assert result.ok, result.problems
    return ledger_engine


def opens(engine: Engine, day: date) -> list[tuple[str, Decimal]]:
    """Return ACME's open invoices on ``day``, read from the database as of that day."""
    acme = load_snapshot(engine, ["ACME"], day).customers[0]
    return [(invoice.id, amount) for invoice, amount in open_items(acme.invoices, day)]


def test_imported_reversals_and_write_offs_change_what_is_open_from_their_day(
    paid: Engine, tmp_path: Path
) -> None:
    reversals = run_import(paid, "reversals", write_csv(tmp_path / "r.csv", REVERSALS))
    write_offs = run_import(paid, "write-offs", write_csv(tmp_path / "w.csv", WRITE_OFFS))
    assert (reversals.inserted, write_offs.inserted) == (2, 1)
    assert opens(paid, date(2026, 10, 9)) == []
    assert opens(paid, date(2026, 10, 15)) == [("INV-1", Decimal("1200.00"))]
    assert opens(paid, date(2026, 10, 20)) == [("INV-1", Decimal("1200.00"))]
    again = run_import(paid, "reversals", write_csv(tmp_path / "r.csv", REVERSALS))
    assert (again.inserted, again.unchanged) == (0, 2)


def test_bad_reversal_and_write_off_rows_are_each_reported_and_nothing_imported(
    paid: Engine, tmp_path: Path
) -> None:
    rows = [
        {**REVERSALS[0], "payment": "PAY-9"},
        {**REVERSALS[1], "amount": "80.01"},
        {**REVERSALS[1], "id": "RF-2", "payment": "", "credit_note": ""},
        {**REVERSALS[1], "id": "RF-3", "kind": "void"},
    ]
    result = run_import(paid, "reversals", write_csv(tmp_path / "r.csv", rows))
    assert [(p.line, p.code) for p in result.problems] == [
        (2, "L015"), (3, "L016"), (4, "L003"), (5, "L013")
    ]  # fmt: skip
    bad = [{**WRITE_OFFS[0], "amount": "80.01"}, {**WRITE_OFFS[0], "id": "WO-2", "reason": ""}]
    result = run_import(paid, "write-offs", write_csv(tmp_path / "w.csv", bad))
    assert [(p.line, p.code) for p in result.problems] == [(2, "L016"), (3, "L003")]
    assert opens(paid, date(2026, 10, 20)) == []
