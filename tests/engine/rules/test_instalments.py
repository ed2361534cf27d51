"""Tests for engine/rules/instalments.py: rule "instalments" of docs/rules/terms.md.

An invoice on split terms is owed and chased part by part: each part has its share, its own due
date, the payments that paid it (earliest part first) and its own steps.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.model.policy import CalendarSpec, Term, TermInstalment
from engine.rules.balances import account_balances
from engine.rules.calendar import BusinessCalendar
from engine.rules.context import EvaluationContext
from engine.rules.instalments import instalment_amounts, split_parts
from tests.engine.builders import (
    TERMS,
    account,
    d,
    dispute,
    done,
    invoice,
    m,
    make_policy,
    promise,
    run,
    steps_of,
)

WEEKENDS = BusinessCalendar(CalendarSpec())
NEXT = "next_business_day"

THIRTY_SEVENTY = Term(
    "30-70",
    instalments=(
        TermInstalment(m("30"), Term("30-70 instalment 1", net_days=0)),
        TermInstalment(m("70"), Term("30-70 instalment 2", net_days=60)),
    ),
)
THIRDS = Term(
    "thirds",
    instalments=tuple(
        TermInstalment(m(share), Term(f"thirds instalment {n}", net_months=n))
        for n, share in ((1, "33.33"), (2, "33.33"), (3, "33.34"))
    ),
)
POLICY = make_policy(terms={**TERMS, "30-70": THIRTY_SEVENTY, "thirds": THIRDS})


@pytest.mark.parametrize(
    ("term", "amount", "currency", "expected"),
    [
        (THIRDS, "1000.00", "GBP", ("333.30", "333.30", "333.40")),
        (THIRDS, "100.00", "GBP", ("33.33", "33.33", "33.34")),
        (THIRDS, "1000", "JPY", ("333", "333", "334")),
        (THIRTY_SEVENTY, "1234.55", "GBP", ("370.37", "864.18")),
    ],
    ids=["thirds-of-1000", "thirds-of-100", "thirds-in-yen", "half-a-penny-rounds-up"],
)
def test_shares_round_half_up_and_the_last_part_takes_the_rest(
    term: Term, amount: str, currency: str, expected: tuple[str, ...]
) -> None:
    """Each share is its percentage rounded to the minor unit; the parts add up to the invoice."""
    shares = instalment_amounts(term, m(amount), currency)
    assert shares == tuple(m(x) for x in expected)
    assert sum(shares) == m(amount)


def test_payments_pay_the_earliest_part_first() -> None:
    """GBP 1,000.00 on 30-70 with 400.00 paid: part 1 (300.00) is paid, part 2 owes 600.00."""
    inv = invoice("INV-1", "2027-03-01", "1000.00", terms="30-70", paid=[("2027-03-05", "400.00")])
    first, second = split_parts(inv, THIRTY_SEVENTY, WEEKENDS, NEXT)
    assert (first.id, first.amount, first.due) == ("INV-1_1of2", m("300.00"), d("2027-03-01"))
    assert (second.id, second.amount, second.due) == ("INV-1_2of2", m("700.00"), d("2027-04-30"))
    assert [s.amount for s in first.settlements] == [m("300.00")]
    assert [s.amount for s in second.settlements] == [m("100.00")]
    assert second.settlements[0].ref == inv.settlements[0].ref


def test_part_due_dates_roll_off_closed_days() -> None:
    """Thirds of an invoice of Fri 31 Dec 2027: due 31 Jan (Mon), 29 Feb (Tue), 31 Mar (Fri)
    2028; one of Sat 30 Oct 2027: 30 Nov (Tue), 30 Dec (Thu), Sun 30 Jan 2028 rolled to 31."""
    dues = [p.due for p in split_parts(invoice("X", "2027-10-30", 90), THIRDS, WEEKENDS, NEXT)]
    assert dues == [date(2027, 11, 30), date(2027, 12, 30), date(2028, 1, 31)]


def test_each_part_is_chased_from_its_own_due_date() -> None:
    """30-70 issued 1 Mar 2027: on 2 Mar part 1 (due 1 Mar) gets its first reminder; part 2,
    due 30 Apr, is not chased until its own courtesy reminder on 27 Apr."""
    ledger = account("C1", invoice("INV-1", "2027-03-01", "1000.00", terms="30-70"))
    assert steps_of(run(POLICY, ledger, on="2027-03-02")) == [
        ("C1", "first-reminder", ("INV-1_1of2",))
    ]
    assert [s for s in steps_of(run(POLICY, ledger, on="2027-04-26")) if "2of2" in s[2][0]] == []
    assert ("C1", "courtesy", ("INV-1_2of2",)) in steps_of(run(POLICY, ledger, on="2027-04-27"))


def test_a_paid_part_is_not_chased_and_the_history_is_per_part() -> None:
    """Part 1 paid: only part 2 is chased; part 2's reminder done stays done for part 2."""
    paid = invoice("INV-1", "2027-03-01", "1000.00", terms="30-70", paid=[("2027-03-03", "300")])
    worked = done("first-reminder", ["INV-1_2of2"], "2027-05-01")
    ledger = account("C1", paid, history=[worked])
    assert steps_of(run(POLICY, ledger, on="2027-05-01")) == []
    assert steps_of(run(POLICY, ledger, on="2027-05-14")) == [
        ("C1", "second-reminder", ("INV-1_2of2",))
    ]


def test_a_dispute_or_promise_on_the_invoice_holds_every_part() -> None:
    """A dispute, or a promise naming the invoice, holds back both its parts."""
    inv = invoice("INV-1", "2027-03-01", "1000.00", terms="30-70")
    disputed = account("C1", inv, disputes=[dispute("INV-1", "2027-03-02")])
    promised = account(
        "C1", inv, promises=[promise("2027-04-01", "2027-05-15", "1000.00", invoices=["INV-1"])]
    )
    for ledger, code in ((disputed, "dispute"), (promised, "promise")):
        evaluation = run(POLICY, ledger, on="2027-05-01")
        assert evaluation.actions == ()
        assert sorted(
            (s.code, s.invoice_ids) for s in evaluation.suppressions
        ) == [(code, ("INV-1_1of2",)), (code, ("INV-1_2of2",))]


def test_a_due_date_in_the_ledger_wins_over_split_terms() -> None:
    """An invoice stating its due date is not split."""
    stated = invoice("INV-1", "2027-03-01", "1000.00", terms="30-70", due="2027-03-31")
    ledger = account("C1", stated)
    assert steps_of(run(POLICY, ledger, on="2027-04-01")) == [("C1", "first-reminder", ("INV-1",))]


def test_the_customer_page_ages_each_part() -> None:
    """Balances list the open parts with their own due dates; the balance is the invoice's."""
    ledger = account("C1", invoice("INV-1", "2027-03-01", "1000.00", terms="30-70"))
    balances = account_balances(EvaluationContext(POLICY), ledger, d("2027-04-01"))
    assert [(i.invoice.id, i.open, i.due) for i in balances.invoices] == [
        ("INV-1_1of2", m("300.00"), date(2027, 3, 1)),
        ("INV-1_2of2", m("700.00"), date(2027, 4, 30)),
    ]
    assert balances.balance == {"GBP": Decimal("1000.00")}
    assert balances.overdue == {"GBP": Decimal("300.00")}
