"""Policy tests name what exists (engine/check/policy_tests.py): P039-P041.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    TEST,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

STANDARD_STEPS = (
    "discount-nudge, courtesy, first-reminder, second-reminder, call, credit-hold, final-notice, "
    "agency"
)

CASES: list[Case] = [
    (
        "P039 policy test expects an unknown customer",
        {TEST: ("- {customer: GAMMA-0003, step", "- {customer: GAMA-0003, step")},
        [(TEST, 12, 16, "P039",
          "customer 'GAMA-0003' is neither in the test's ledger nor in customers/; did you mean "
          "'GAMMA-0003'?")],
    ),
    (
        "P040 policy test expects a step the customer's ladder lacks",
        {TEST: ("step: first-reminder", "step: first-remind")},
        [(TEST, 12, 34, "P040",
          f"step 'first-remind' is not a step of ladder 'standard', which customer 'GAMMA-0003' "
          f"is on: the steps are {STANDARD_STEPS}; did you mean 'first-reminder'?")],
    ),
    (
        "P041 policy test expects an invoice its ledger lacks",
        {TEST: ("invoices: [INV-1]}", "invoices: [INV-2]}")},
        [(TEST, 12, 61, "P041",
          "invoice 'INV-2' is not in the test's ledger; did you mean 'INV-1'?")],
    ),
    (
        "P041 policy test invoice for a customer not in its ledger",
        {TEST: ("{id: INV-1, customer: GAMMA-0003", "{id: INV-1, customer: GAMMA-0004")},
        [(TEST, 9, 29, "P041",
          "invoice 'INV-1' is for customer 'GAMMA-0004', who is not in the test's ledger "
          "customers: add the customer; did you mean 'GAMMA-0003'?")],
    ),
]  # fmt: skip


@each_case(CASES)
def test_semantic_check_reports_the_exact_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Each broken rule gives exactly its problem, at the file, line and column to fix."""
    assert_case(tmp_path / "repo", monkeypatch, changes, expected)
