"""Tests for engine/rules/step_conditions.py: rule "step conditions" of docs/rules/ladder.md."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.model.ledger import Customer, Invoice
from engine.model.policy import StepCondition
from engine.rules.step_conditions import condition_holds
from tests.engine.builders import (
    STANDARD_STEPS,
    account,
    invoice,
    ladder,
    m,
    make_policy,
    run,
)


@pytest.mark.parametrize(
    ("condition", "count", "overdue", "segment", "expected"),
    [
        (StepCondition(min_open_invoices=2), 2, {}, None, True),
        (StepCondition(min_open_invoices=2), 1, {}, None, False),
        (StepCondition(overdue_above={"GBP": m("1000.00")}), 1, {"GBP": m("1000.01")}, None, True),
        (StepCondition(overdue_above={"GBP": m("1000.00")}), 1, {"GBP": m("1000.00")}, None, False),
        (StepCondition(overdue_above={"EUR": m("1000.00")}), 1, {}, None, True),
        (StepCondition(segments=("smb",)), 1, {}, "smb", True),
        (StepCondition(segments=("smb",)), 1, {}, None, False),
    ],
    ids=["enough-invoices", "too-few-invoices", "above-the-amount", "at-the-amount-is-not-above",
         "currency-not-named-passes", "in-the-segment", "no-segment"],
)  # fmt: skip
def test_condition_holds_when_every_condition_does(
    condition: StepCondition,
    count: int,
    overdue: dict[str, object],
    segment: str | None,
    expected: bool,
) -> None:
    """Rule "step conditions": open invoices at least N, overdue strictly above the amount in
    the invoice's currency (GBP here), segment among those listed."""
    totals = {k: m(str(v)) for k, v in overdue.items()}
    assert condition_holds(condition, count, totals, segment, "GBP") is expected


# The credit hold (due+30d) of the standard ladder only for customers with two unpaid invoices.
STEPS = tuple(
    replace(s, when=StepCondition(min_open_invoices=2)) if s.id == "credit-hold" else s
    for s in STANDARD_STEPS
)
POLICY = make_policy(ladders=[ladder("standard", STEPS)])


INV_A = invoice("INV-1", "2026-09-01", "900.00")
INV_B = invoice("INV-2", "2026-10-20", "80.00")


@pytest.mark.parametrize(
    ("invoices", "expected"),
    [([INV_A], [("call", ("INV-1",))]),
     ([INV_A, INV_B], [("credit-hold", ("INV-1",))])],
    ids=["one-invoice-no-hold", "two-invoices-hold"],
)  # fmt: skip
def test_a_step_whose_condition_fails_is_passed_over(
    invoices: list[Invoice], expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    """On 1 Nov (INV-1 31 days overdue) the hold goes out only with two unpaid invoices; with
    one, the invoice gets the highest eligible step, the call."""
    ledger = account("C1", *invoices)
    actions = run(POLICY, ledger, on="2026-11-01").actions
    assert sorted((a.step, a.invoice_ids) for a in actions) == expected


def test_segment_condition_reads_the_ledger_segment() -> None:
    """A segment condition compares the customer's segment (ledger, here)."""
    steps = tuple(
        replace(s, when=StepCondition(segments=("smb",))) if s.id == "call" else s
        for s in STANDARD_STEPS[:4]
    )
    policy = make_policy(ladders=[ladder("standard", steps)])
    inv = invoice("INV-1", "2026-09-01", "900.00")
    smb = account("C1", inv, customer=Customer("C1", "Smb Ltd", segment="smb"))
    other = account("C1", inv, customer=Customer("C1", "Other Ltd", segment="public"))
    assert [a.step for a in run(policy, smb, on="2026-10-23").actions] == ["call"]
    assert [a.step for a in run(policy, other, on="2026-10-23").actions] == ["second-reminder"]
