"""Rules "balances" and "aging" (engine/rules/balances.py): what a customer owes on a day.

The open amounts are those the daily list chases: after unapplied cash and credits when the policy
applies them, with the same due dates and days overdue. ``INV_1`` is described in
tests/engine/builders.py.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from engine.rules.balances import account_balances
from engine.rules.context import EvaluationContext
from tests.engine.builders import (
    INV_1,
    account,
    d,
    dispute,
    invoice,
    m,
    make_policy,
    run,
    unapplied,
)

# INV-A falls due on 10 Oct, INV-B on 1 Oct although it was issued later: cash pays INV-B first.
INV_A = invoice("INV-A", "2026-09-01", "1200.00", due="2026-10-10")
INV_B = invoice("INV-B", "2026-09-05", "1200.00", due="2026-10-01")


def opens_of(**options: Any) -> tuple[dict[str, Decimal], dict[str, Decimal], dict[str, Decimal]]:
    """Return (open per invoice, balance, overdue) of INV-A and INV-B with GBP 500.00 unapplied."""
    ledger = account("C1", INV_A, INV_B, unapplied=[unapplied("PAY-9", "2026-10-05", "500.00")])
    found = account_balances(EvaluationContext(make_policy(**options)), ledger, d("2026-10-16"))
    return (
        {i.invoice.id: i.open for i in found.invoices},
        dict(found.balance),
        dict(found.overdue),
    )


def test_unapplied_cash_reduces_the_oldest_invoice_and_the_balance() -> None:
    """Rule "unapplied cash": GBP 500.00 left on the account pays the invoice due first."""
    assert opens_of() == (
        {"INV-A": m("1200.00"), "INV-B": m("700.00")},
        {"GBP": m("1900.00")},
        {"GBP": m("1900.00")},
    )


def test_with_unapplied_cash_ignored_the_cash_still_lowers_the_balance() -> None:
    """``unapplied_cash: ignore``: every invoice stays open in full; the cash is a credit on the
    account, so the balance is what the customer owes net of it."""
    assert opens_of(unapplied_cash="ignore") == (
        {"INV-A": m("1200.00"), "INV-B": m("1200.00")},
        {"GBP": m("1900.00")},
        {"GBP": m("2400.00")},
    )


def test_the_open_amounts_are_those_the_list_chases() -> None:
    """Rule "one rule, one place": every invoice of every action has the open amount, due date
    and days overdue the balances give, with and without unapplied cash applied."""
    ledger = account("C1", INV_A, INV_B, unapplied=[unapplied("PAY-9", "2026-10-05", "500.00")])
    for setting in ("oldest_first", "ignore"):
        policy = make_policy(unapplied_cash=setting)
        evaluation = run(policy, ledger, on="2026-10-16")
        balances = account_balances(EvaluationContext(policy), ledger, d("2026-10-16"))
        owed = {i.invoice.id: (i.open, i.due, max(i.days_overdue, 0)) for i in balances.invoices}
        chased = {
            i.id: (i.open, i.due, i.days_overdue) for a in evaluation.actions for i in a.invoices
        }
        assert chased
        assert chased == {key: owed[key] for key in chased}


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2026-09-30", ("current", 1, -1)),
        ("2026-10-01", ("current", 1, 0)),
        ("2026-10-02", ("1-30", 1, 1)),
        ("2026-10-31", ("1-30", 1, 30)),
        ("2026-11-01", ("31-60", 1, 31)),
        ("2026-12-01", ("61-90", 1, 61)),
        ("2026-12-31", ("over-90", 1, 91)),
    ],
    ids=["before-due", "on-due", "a-day-late", "30-days", "31-days", "61-days", "91-days"],
)
def test_aging_buckets_by_days_overdue(on: str, expected: tuple[str, int, int]) -> None:
    """Rule "aging": INV-1 (due Thu 1 Oct) in its bucket, counted once, with its open amount."""
    found = account_balances(EvaluationContext(make_policy()), account("C1", INV_1), d(on))
    [entry] = found.invoices
    name, count, days = expected
    assert (found.aging[entry.bucket].name, entry.days_overdue) == (name, days)
    assert [b.name for b in found.aging] == ["current", "1-30", "31-60", "61-90", "over-90"]
    [bucket] = [b for b in found.aging if b.invoices]
    assert (bucket.name, bucket.invoices, dict(bucket.amounts)) == (
        name,
        count,
        {"GBP": m("1200.00")},
    )


def test_paid_later_and_issued_later_are_not_open_yet_and_disputes_are_flagged() -> None:
    """Rule "open amounts" as of the day, and an open dispute is shown on its invoice."""
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-10-20", "1200.00")]),
        invoice("INV-2", "2026-09-01", "300.00", paid=[("2026-10-05", "100.00")]),
        invoice("INV-3", "2026-10-20", "50.00"),
        disputes=[dispute("INV-2", "2026-10-10")],
    )
    found = account_balances(EvaluationContext(make_policy()), ledger, date(2026, 10, 16))
    assert [(i.invoice.id, i.open, i.disputed) for i in found.invoices] == [
        ("INV-1", m("1200.00"), False),
        ("INV-2", m("200.00"), True),
    ]
    assert found.balance == {"GBP": m("1400.00")}
