"""Rule "currencies" (docs/rules/ladder.md): which currencies a policy, a ladder and a step chase,
and requests for payment that never mix currencies.

Worked examples after Odoo's follow-up reports, which list a customer's overdue invoices grouped
by currency with a total per currency, and ERPNext's Dunning, which is raised per invoice in the
invoice's currency: a request for payment states amounts in one currency. INV-1 (issued 1 Sep
2026, net 30) falls due on Thu 1 Oct 2026; on 15 Oct it has reached the second reminder (due+14d).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.engine.builders import (
    STANDARD_STEPS,
    account,
    invoice,
    ladder,
    make_policy,
    run,
    steps_of,
)

GBP = invoice("INV-1", "2026-09-01", "1200.00")
EUR = invoice("INV-2", "2026-09-01", "800.00", "EUR")
USD = invoice("INV-3", "2026-09-01", "500.00", "USD")
ON = "2026-10-15"


@pytest.mark.parametrize(
    ("other", "expected", "held"),
    [
        (None, ["INV-1", "INV-2"], ["INV-3"]),
        ("not_chased", ["INV-1", "INV-2"], ["INV-3"]),
        ("chased", ["INV-1", "INV-2", "INV-3"], []),
    ],
    ids=["default-not-chased", "said-not-chased", "chased"],
)
def test_a_currency_min_balance_does_not_name(
    other: str | None, expected: list[str], held: list[str]
) -> None:
    """Rule "currencies": with min_balance {GBP, EUR}, a USD invoice is chased only with
    ``other_currencies: chased``; otherwise it is held back, and the list says why."""
    minimums = make_policy(min_balance={"GBP": "10.00", "EUR": "10.00"})
    policy = replace(minimums, other_currencies=other)
    evaluation = run(policy, account("C1", GBP, EUR, USD), on=ON)
    assert [i for a in evaluation.actions for i in a.invoice_ids] == expected
    suppressed = [s for s in evaluation.suppressions if s.code == "currency"]
    assert [i for s in suppressed for i in s.invoice_ids] == held
    for s in suppressed:
        assert "Invoices in USD are not chased" in s.text


def test_no_min_balance_chases_every_currency() -> None:
    """Rule "currencies": a policy without min_balance names no currency and chases them all."""
    evaluation = run(make_policy(), account("C1", GBP, USD), on=ON)
    assert steps_of(evaluation) == [("C1", "second-reminder", ("INV-1", "INV-3"))]


def test_a_ladder_for_some_currencies() -> None:
    """Rule "currencies": a ladder with ``currencies: [GBP]`` chases GBP invoices only; the EUR
    invoice is held back with its reason."""
    policy = make_policy(ladders=[replace(ladder(), currencies=frozenset({"GBP"}))])
    evaluation = run(policy, account("C1", GBP, EUR), on=ON)
    assert steps_of(evaluation) == [("C1", "second-reminder", ("INV-1",))]
    (held,) = evaluation.suppressions
    assert (held.code, held.invoice_ids) == ("currency", ("INV-2",))
    assert "chases GBP only" in held.text


def test_a_step_for_some_currencies_is_passed_over_by_the_others() -> None:
    """Rule "currencies": a second reminder for GBP only (its fee is in pounds): the EUR invoice
    gets the highest step it may reach instead, the first reminder."""
    steps = [
        replace(s, currencies=frozenset({"GBP"})) if s.id == "second-reminder" else s
        for s in STANDARD_STEPS
    ]
    policy = make_policy(ladders=[ladder("standard", steps)])
    evaluation = run(policy, account("C1", GBP, EUR), on=ON)
    assert steps_of(evaluation) == [
        ("C1", "first-reminder", ("INV-2",)),
        ("C1", "second-reminder", ("INV-1",)),
    ]


@pytest.mark.parametrize(
    ("split", "expected"),
    [
        (False, [("C1", "second-reminder", ("INV-1", "INV-2", "INV-3"))]),
        (True, [("C1", "second-reminder", ("INV-2",)),
                ("C1", "second-reminder", ("INV-1",)),
                ("C1", "second-reminder", ("INV-3",))]),
    ],
    ids=["one-request", "one-request-per-currency"],
)  # fmt: skip
def test_split_by_currency(split: bool, expected: list[tuple[str, str, tuple[str, ...]]]) -> None:
    """Rule "currencies": with ``split_by_currency``, one request per currency, each with its own
    action id and totals in its currency only."""
    policy = make_policy(ladders=[replace(ladder(), split_by_currency=split)])
    evaluation = run(policy, account("C1", GBP, EUR, USD), on=ON)
    assert sorted(steps_of(evaluation)) == sorted(expected)
    for action in evaluation.actions:
        assert len({i.currency for i in action.invoices}) == (1 if split else 3)
    assert len({a.id for a in evaluation.actions}) == len(expected)


@pytest.mark.parametrize(("on", "step"), [("2026-10-22", "call"), ("2026-10-31", "credit-hold")])
def test_split_by_currency_keeps_a_call_and_a_hold_whole(on: str, step: str) -> None:
    """Rule "currencies": a call or a credit hold is no written request: one for the account."""
    policy = make_policy(ladders=[replace(ladder(), split_by_currency=True)])
    evaluation = run(policy, account("C1", GBP, EUR), on=on)
    found = [a for a in evaluation.actions if a.step == step]
    assert [a.invoice_ids for a in found] == [("INV-1", "INV-2")]
