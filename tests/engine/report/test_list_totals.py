"""The list's totals count each open invoice once, however many actions it is in, in every
reporter (docs/rules/ladder.md, "list totals"; ``engine.model.actions.open_by_currency``)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from engine.model.actions import (
    Evaluation,
    ListTotals,
    charges_by_currency,
    open_by_currency,
)
from engine.model.policy import CreditReview
from engine.report.render import RenderContext, render_actions
from tests.engine.builders import account, customer_file, invoice, make_policy, run

D = Decimal


def held_and_reminded() -> Evaluation:
    """Two EUR 1,200.00 invoices over the credit limit and at their first reminder on one day.

    The credit-limit hold lists both open invoices, and so does the reminder: two actions, the
    same two invoices. The customer owes EUR 2,400.00.
    """
    policy = make_policy(customers=[customer_file("C1", credit_limit=("1000.00", "EUR"))])
    ledger = account(
        "C1",
        invoice("INV-1", "2026-01-01", "1200.00", "EUR"),
        invoice("INV-2", "2026-01-01", "1200.00", "EUR"),
    )
    return run(policy, ledger, on="2026-02-01")


def test_the_example_has_two_actions_with_the_same_invoices() -> None:
    """The story the totals are tested on: a credit hold and a reminder, both listing both."""
    evaluation = held_and_reminded()
    assert sorted(a.kind for a in evaluation.actions) == ["credit_hold", "email"]
    assert all(a.invoice_ids == ("INV-1", "INV-2") for a in evaluation.actions)
    assert all(a.totals == {"EUR": D("2400.00")} for a in evaluation.actions)


def test_open_total_counts_each_invoice_once() -> None:
    """EUR 2,400.00, not the EUR 4,800.00 that adding the actions' totals gives."""
    evaluation = held_and_reminded()
    assert evaluation.totals_by_currency() == {"EUR": D("2400.00")}
    assert open_by_currency(evaluation.actions) == {"EUR": D("2400.00")}
    assert charges_by_currency(evaluation.actions) == {}


def test_same_invoice_id_of_two_customers_counts_twice() -> None:
    """Invoices are counted once per customer: two customers' INV-1 are two debts."""
    policy = make_policy()
    evaluation = run(
        policy,
        account("C1", invoice("INV-1", "2026-01-01", "100.00", "EUR")),
        account("C2", invoice("INV-1", "2026-01-01", "50.00", "EUR", customer="C2")),
        on="2026-02-01",
    )
    assert evaluation.totals_by_currency() == {"EUR": D("150.00")}


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("table", "open amounts EUR 2,400.00;"),
        ("markdown", "open amounts EUR 2,400.00;"),
        ("json", '"open_by_currency": {\n      "EUR": "2400.00"\n    }'),
    ],
    ids=["table", "markdown", "json"],
)
def test_every_reporter_shows_the_total_once(fmt: str, expected: str) -> None:
    """The table and Markdown headlines and the JSON totals all show EUR 2,400.00."""
    text = render_actions(held_and_reminded(), fmt, RenderContext(with_messages=False))
    assert expected in text
    assert "4,800" not in text
    assert "4800" not in text


def test_csv_rows_are_per_action_and_add_up_per_action() -> None:
    """CSV has one row per action and currency: each row's open amount is that action's own."""
    text = render_actions(held_and_reminded(), "csv", RenderContext(with_messages=False))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["open_amount"] for row in rows] == ["2400.00", "2400.00"]


def test_csv_has_a_row_for_an_action_without_invoices() -> None:
    """A credit limit review (docs/rules/ladder.md, "credit limit review") lists no invoice: its
    CSV row has the customer, the step and the reason, and no currency or amounts."""
    review = CreditReview(12, date(2025, 11, 30))
    policy = make_policy(
        customers=[customer_file("C1", credit_limit=("25000.00", "GBP"), credit_review=review)]
    )
    text = render_actions(run(policy, account("C1"), on="2026-12-01"), "csv", RenderContext())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["customer_id"], r["step"], r["currency"], r["open_amount"], r["charges"])
            for r in rows] == [("C1", "credit-review", "", "", "")]  # fmt: skip
    assert rows[0]["reason"].startswith("Credit limit review due since 2026-11-30")


def test_list_totals_replace_a_customer_as_a_fresh_sum_would() -> None:
    """``ListTotals``: taking out every action of a customer (the held and reminded C1, whose two
    invoices are in two actions) and putting in its actions of another day gives what adding up
    the new list gives; a currency nobody owes any more leaves the totals."""
    policy = make_policy(customers=[customer_file("C1", credit_limit=("1000.00", "EUR"))])
    ledgers = [
        account(
            "C1",
            invoice("INV-1", "2026-01-01", "1200.00", "EUR"),
            invoice("INV-2", "2026-01-01", "1200.00", "EUR"),
        ),
        account("C2", invoice("INV-1", "2026-01-01", "50.00", "GBP", customer="C2")),
    ]
    before = run(policy, *ledgers, on="2026-02-01")
    totals = ListTotals.of(before.actions)
    assert totals.open_by_currency() == {"EUR": D("2400.00"), "GBP": D("50.00")}

    gone = [a for a in before.actions if a.customer_id == "C2"]
    after = [a for a in before.actions if a.customer_id != "C2"]
    replaced = totals.replaced(gone, [])
    assert replaced.open_by_currency() == open_by_currency(after) == {"EUR": D("2400.00")}
    assert replaced.charges_by_currency() == charges_by_currency(after)

    c1 = [a for a in before.actions if a.customer_id == "C1"]
    later = run(policy, *ledgers, on="2026-03-15")
    new_c1 = [a for a in later.actions if a.customer_id == "C1"]
    mixed = [*new_c1, *gone]
    again = totals.replaced(c1, new_c1)
    assert again.open_by_currency() == open_by_currency(mixed)
    assert again.charges_by_currency() == charges_by_currency(mixed)
    assert again == ListTotals.of(mixed)
