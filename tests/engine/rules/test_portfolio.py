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


def test_keeping_only_the_most_overdue_keeps_the_ones_sorting_all_would_pick() -> None:
    """``most_overdue=N`` holds at most N customers per currency while the ledger streams past
    (the management summary's ten largest overdue on a million invoices), and they are exactly
    the first N of every customer sorted by overdue, most first, ties by customer id; customers
    with nothing overdue are never among them, and the currency totals do not change."""
    amounts = ["300.00", "120.00", "300.00", "45.50", "120.00", "999.99", "10.00", "300.00"]
    ledger = tuple(
        account(
            f"K{n}",
            invoice(f"I{n}", "2026-08-01", amount, customer=f"K{n}"),  # due 31 Aug: overdue
            invoice(f"J{n}", "2026-11-10", "50.00", "EUR", customer=f"K{n}"),  # not yet due
        )
        for n, amount in enumerate(amounts)
    )
    context, day = EvaluationContext(make_policy()), d("2026-11-15")
    every = portfolio_aging(context, ledger, day, by_customer=True)
    for count in (1, 3, 4, len(amounts), len(amounts) + 2):
        kept = portfolio_aging(context, ledger, day, most_overdue=count)
        assert kept.currencies == every.currencies
        overdue = [c for c in every.customers if c.amounts.overdue]
        expected = sorted(overdue, key=lambda c: (-c.amounts.overdue, c.customer_id))[:count]
        assert sorted(kept.customers, key=lambda c: (-c.amounts.overdue, c.customer_id)) == (
            expected
        )
        assert all(c.amounts.currency == "GBP" for c in kept.customers)  # nothing EUR is late
    three = portfolio_aging(context, ledger, day, most_overdue=3).customers
    tied = [c.customer_id for c in three if c.amounts.overdue == m("300.00")]
    assert tied == ["K0", "K2"]  # K7 owes as much but loses the tie by its id
