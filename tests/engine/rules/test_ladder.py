"""Rule "step reached" (docs/rules/ladder.md) through the daily list: the highest eligible step
reached, after the history, the customer's skips and the steps' minimum balances.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.model.ledger import ActionStatus
from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    done,
    invoice,
    make_policy,
    only,
    run,
)

REACHED_CASES = [
    # The courtesy note (due-3d) expired at the due date (rule "expiry"): never superseded.
    ("no-history-highest-step-only", [], "2026-10-23",
     ["call"], ["first-reminder", "second-reminder"]),
    ("supersedes-only-above-the-last-step-worked",
     [done("first-reminder", ["INV-1"], "2026-10-02")], "2026-10-23",
     ["call"], ["second-reminder"]),
    ("done-step-is-not-repeated", [done("call", ["INV-1"], "2026-10-22")], "2026-10-23", [], []),
    ("failed-step-is-retried",
     [done("call", ["INV-1"], "2026-10-22", status=ActionStatus.FAILED)], "2026-10-23",
     ["call"], ["first-reminder", "second-reminder"]),
    ("skipped-step-counts-as-worked",
     [done("call", ["INV-1"], "2026-10-22", status=ActionStatus.SKIPPED)], "2026-10-23", [], []),
    ("superseded-step-is-passed",
     [done("call", ["INV-1"], "2026-10-22", status=ActionStatus.SUPERSEDED)], "2026-10-23",
     [], []),
    ("never-back-down-the-ladder", [done("final-notice", ["INV-1"], "2026-10-22")],
     "2026-10-23", [], []),
    ("history-of-another-invoice-does-not-count", [done("call", ["INV-9"], "2026-10-22")],
     "2026-10-23", ["call"], ["first-reminder", "second-reminder"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "on", "expected_steps", "expected_superseded"),
    [c[1:] for c in REACHED_CASES],
    ids=[c[0] for c in REACHED_CASES],
)
def test_step_reached_history_and_catch_up(
    history: list[Any], on: str, expected_steps: list[str], expected_superseded: list[str]
) -> None:
    """Rules "step reached", "history", "catch-up": only the highest pending step is sent;
    the lower ones due since the last step worked are superseded by it."""
    evaluation = run(make_policy(), account("C1", INV_1, history=history), on=on)
    assert [a.step for a in evaluation.actions] == expected_steps
    assert sorted(s.step for s in evaluation.superseded) == sorted(expected_superseded)
    for item in evaluation.superseded:
        assert item.action_id == evaluation.actions[0].id
        assert (item.by_step, item.invoice_ids) == ("call", ("INV-1",))
    if expected_steps:
        assert list(evaluation.actions[0].supersedes) == expected_superseded


MIN_BALANCE_CASES = [
    ("one-invoice-below-the-step-minimum", [invoice("INV-1", "2026-09-01", "400.00")], []),
    ("the-customer-total-counts", [invoice("INV-1", "2026-09-01", "300.00"),
     invoice("INV-2", "2026-09-01", "300.00")], [("agency", ("INV-1", "INV-2"))]),
    ("above-the-minimum", [invoice("INV-1", "2026-09-01", "600.00")], [("agency", ("INV-1",))]),
    ("a-currency-the-step-does-not-name", [invoice("INV-1", "2026-09-01", "100.00", "EUR")],
     [("agency", ("INV-1",))]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("invoices", "expected"),
    [c[1:] for c in MIN_BALANCE_CASES],
    ids=[c[0] for c in MIN_BALANCE_CASES],
)
def test_step_min_balance(invoices: list[Any], expected: list[tuple[str, tuple[str, ...]]]) -> None:
    """Rule "step reached": a step below its min_balance (customer's total open balance in the
    currency) is not eligible; the step below it (already done here) stays the one reached."""
    history = [done("final-notice", [i.id for i in invoices], "2026-11-15")]
    ledger = account("C1", *invoices, history=history)
    evaluation = run(make_policy(), ledger, on="2026-12-16")
    assert [(a.step, a.invoice_ids) for a in evaluation.actions] == expected


def test_skipped_step() -> None:
    """Rule "step reached": a step the customer skips is never reached."""
    policy = make_policy(customers=[customer_file("C1", skip=["call"])])
    action = only(run(policy, account("C1", INV_1), on="2026-10-23"))
    assert action.step == "second-reminder"
