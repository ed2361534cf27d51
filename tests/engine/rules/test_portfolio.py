"""Rule "portfolio aging" (engine/rules/portfolio.py): every customer's open receivables summed
per currency, never converted, from the same open amounts as the customer page."""

from __future__ import annotations

from dataclasses import replace

from engine.model.policy import ReportSettings
from engine.rules.context import EvaluationContext
from engine.rules.portfolio import portfolio_aging
from tests.engine.builders import account, d, invoice, m, make_policy, unapplied

# net30: issued 1 Sep falls due Thu 1 Oct 2026; 1 Nov is a Sunday, rolled to Mon 2 Nov.
LEDGER = (
    account(
        "C1",
        invoice("A1", "2026-09-01", "1000.00", customer="C1"),  # due 1 Oct: 45 days late on 15 Nov
        invoice("A2", "2026-11-01", "500.00", customer="C1"),  # not yet due
        invoice("A3", "2026-09-01", "200.00", "EUR", customer="C1"),
        unapplied=[unapplied("PAY-1", "2026-11-10", "100.00", customer="C1")],
    ),
    account(
        "C2",
        invoice("B1", "2026-06-01", "300.00", customer="C2"),  # due 1 Jul: over 90 on 15 Nov
        invoice("B2", "2026-08-01", "80.00", customer="C2", paid=[("2026-11-20", "80.00")]),
        invoice("B3", "2026-11-20", "999.00", customer="C2"),  # issued after the day
    ),
)


def test_portfolio_aging_sums_per_currency_after_unapplied_cash() -> None:
    """GBP: C1's 100.00 unapplied cash clears part of its oldest invoice; C2's B2 is paid only
    after the day, so it is open and 76 days late; B3 does not exist yet."""
    found = portfolio_aging(EvaluationContext(make_policy()), LEDGER, d("2026-11-15"))
    assert [a.currency for a in found.currencies] == ["EUR", "GBP"]
    by = {a.currency: a for a in found.currencies}
    gbp = by["GBP"]
    # current, 1-30, 31-60, 61-90, over-90: A2 | A1 less the cash | B2 (due Mon 31 Aug) | B1
    assert gbp.buckets == (m("500.00"), m("0"), m("900.00"), m("80.00"), m("300.00"))
    assert (gbp.total, gbp.current, gbp.overdue) == (m("1780.00"), m("500.00"), m("1280.00"))
    assert (gbp.invoices, gbp.customers) == (4, 2)
    assert by["EUR"].buckets == (m("0"), m("0"), m("200.00"), m("0"), m("0"))
    assert found.customers == ()


def test_portfolio_aging_by_customer_lists_the_largest_first() -> None:
    """Per customer and currency, largest total first within each currency."""
    found = portfolio_aging(
        EvaluationContext(make_policy()), LEDGER, d("2026-11-15"), by_customer=True
    )
    assert [(c.customer_id, c.amounts.currency, c.amounts.total) for c in found.customers] == [
        ("C1", "EUR", m("200.00")),
        ("C1", "GBP", m("1400.00")),
        ("C2", "GBP", m("380.00")),
    ]


def test_the_policy_buckets_are_the_ones_summed() -> None:
    """``reports.aging.buckets: [60]``: not due, 1-60 and over 60 days; a currency with nothing
    open has zero totals."""
    policy = replace(make_policy(), reports=ReportSettings(aging_buckets=(60,)))
    found = portfolio_aging(EvaluationContext(policy), LEDGER, d("2026-11-15"))
    gbp = found.currency("GBP")
    assert [b.name for b in found.scheme.buckets] == ["current", "1-60", "over-60"]
    assert gbp.buckets == (m("500.00"), m("900.00"), m("380.00"))
    assert found.currency("USD").total == 0
