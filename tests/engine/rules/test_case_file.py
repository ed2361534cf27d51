"""Rule "case totals" (docs/rules/handoff.md): a case file's lines add up to the customer's
balance to the cent, and the claim adds what was charged and the interest to date.

Worked example (UK Late Payment of Commercial Debts (Interest) Act 1998, s.4 and s.5A, as
gov.uk's "Late commercial payments: charging interest and debt recovery" states it): interest is
the reference rate plus 8 points a year, simple, daily; a debt under GBP 1,000 carries GBP 40 of
fixed compensation, GBP 1,000 to 9,999.99 GBP 70. GBP 1,200.00 due on 2026-10-01 with 200.00
paid on 2026-10-20, 4 % + 8 % = 12 % a year to 2026-11-16: 1,200.00 x 12 % x 19/365 = 7.4959
and 1,000.00 x 12 % x 27/365 = 8.8767, GBP 16.37 in all; compensation on the GBP 1,000.00 open
is GBP 70.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.model.ledger import ActionStatus
from engine.rules.balances import Balances, account_balances
from engine.rules.case_file import (
    CaseAmounts,
    CaseTotals,
    case_amounts,
    ladder_interest,
    letter_before_action,
)
from engine.rules.context import EvaluationContext
from tests.engine.builders import (
    account,
    customer_file,
    d,
    done,
    invoice,
    ladder,
    make_policy,
    step,
    unapplied,
)

DAY = d("2026-11-16")


def _gbp(amounts: CaseAmounts) -> CaseTotals:
    found = amounts.total("GBP")
    assert found is not None
    return found


def _case(**parts: Any) -> tuple[CaseAmounts, Balances]:
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-10-20", "200.00")]),
        invoice("INV-2", "2026-11-01", "500.00"),
        invoice("INV-3", "2026-08-01", "90.00", currency="EUR"),
        **parts,
    )
    policy = make_policy(customers=[customer_file("C1")])
    context = EvaluationContext(policy)
    return case_amounts(context, ledger, DAY), account_balances(context, ledger, DAY)


def test_the_lines_add_up_to_the_balance_to_the_cent() -> None:
    amounts, balances = _case(unapplied=[unapplied("CASH-1", "2026-11-02", "150.00")])
    for totals in amounts.totals:
        lines = [line for line in amounts.lines if line.currency == totals.currency]
        owed = sum(
            (line.amount for line in lines if line.kind in {"invoice", "credit"}), Decimal(0)
        )
        assert owed == totals.balance == balances.balance[totals.currency]
        assert sum((line.amount for line in lines), Decimal(0)) == totals.claim
    gbp = _gbp(amounts)
    assert (gbp.invoices, gbp.credits, gbp.balance) == (
        Decimal("1500.00"),
        Decimal("-150.00"),
        Decimal("1350.00"),
    )


def test_interest_to_date_is_the_statutory_interest_and_compensation_with_how() -> None:
    amounts, _ = _case()
    accrued = [(x.kind, x.invoices, x.amount) for x in amounts.lines if x.accrued]
    # INV-1: 1,200.00 from 2026-10-02 to 2026-10-20, then 1,000.00 to 2026-11-16.
    # 1200 x 12 % x 19/365 = 7.4959; 1000 x 12 % x 27/365 = 8.8767; total 16.37.
    assert ("interest", ("INV-1",), Decimal("16.37")) in accrued
    assert ("compensation", ("INV-1",), Decimal("70.00")) in accrued
    assert all(line.how for line in amounts.lines if line.accrued)
    assert amounts.interest_scheme == "statutory-uk"
    # INV-2 is not yet due: no interest.
    assert not any(line.invoices == ("INV-2",) for line in amounts.lines if line.accrued)


def test_charges_already_made_are_claimed_and_interest_runs_on_from_them() -> None:
    history = [
        done("final-notice", ["INV-1"], "2026-11-01", interest="12.00"),
        done("second-reminder", ["INV-1"], "2026-10-15", fee="15.00"),
        done("call", ["INV-1"], "2026-10-22", status=ActionStatus.SKIPPED),
    ]
    amounts, _ = _case(history=history)
    charged = [
        (x.kind, x.ref, x.amount)
        for x in amounts.lines
        if x.kind in {"fee", "interest"} and not x.accrued
    ]
    assert charged == [
        ("fee", "second-reminder", Decimal("15.00")),
        ("interest", "final-notice", Decimal("12.00")),
    ]
    gbp = _gbp(amounts)
    assert gbp.charged == Decimal("27.00")
    # Interest charged on 2026-11-01 runs on from then: 1000 x 12 % x 15/365 = 4.93; no second
    # compensation.
    accrued = [(x.kind, x.amount) for x in amounts.lines if x.accrued and x.invoices == ("INV-1",)]
    assert accrued == [("interest", Decimal("4.93"))]
    assert gbp.claim == gbp.balance + gbp.charged + gbp.interest_to_date


def test_a_customer_exempt_from_interest_is_claimed_none() -> None:
    ledger = account("C1", invoice("INV-1", "2026-09-01", "1200.00"))
    policy = make_policy(customers=[customer_file("C1", exempt=["interest"])])
    amounts = case_amounts(EvaluationContext(policy), ledger, DAY)
    assert not any(line.accrued for line in amounts.lines)
    assert amounts.total("GBP") is not None


def test_the_letter_before_action_is_the_last_letter_before_the_escalation() -> None:
    assert letter_before_action(ladder()) == "final-notice"
    assert ladder_interest(ladder()) == "statutory-uk"
    no_letter = ladder(
        "plain",
        [step("first-reminder", "due+1d"), step("agency", "due+75d", "escalate", to="agency")],
    )
    assert letter_before_action(no_letter) is None
    assert ladder_interest(no_letter) is None
