"""The currencies a policy chases (engine/check/currencies.py): P077 (a warning) and P078.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    POLICY,
    STANDARD,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
    fixture,
)

CASES: list[Case] = [
    (
        "P077 min_balance without a word on the other currencies",
        {POLICY: ("other_currencies: not_chased\n", "")},
        [(POLICY, 14, 14, "P077",
          "min_balance names EUR, GBP only: invoices in any other currency are not chased. Say "
          "so with `other_currencies: not_chased`, or chase them without a minimum with "
          "`other_currencies: chased`")],
    ),
    (
        "P077 names the currencies the policy mentions elsewhere",
        {POLICY: ("other_currencies: not_chased\n", ""),
         STANDARD: ('min_balance: {GBP: "500.00"}', 'min_balance: {GBP: "500.00", USD: "500.00"}')},
        [(POLICY, 14, 14, "P077",
          "min_balance names EUR, GBP only: invoices in any other currency are not chased (the "
          "policy names USD elsewhere, so it seems to expect them). Say so with "
          "`other_currencies: not_chased`, or chase them without a minimum with "
          "`other_currencies: chased`")],
    ),
    (
        "P077 not raised when the policy says other currencies are chased",
        {POLICY: ("other_currencies: not_chased", "other_currencies: chased")},
        [],
    ),
    (
        "P078 a step for a currency the ladder does not chase",
        {STANDARD: fixture(STANDARD).replace("steps:", "currencies: [GBP]\nsteps:").replace(
            "interest: statutory-uk}", "interest: statutory-uk, currencies: [EUR, GBP]}")},
        [(STANDARD, 13, 110, "P078",
          "step 'final-notice' (due+45d) is for invoices in EUR, but ladder 'standard' chases "
          "GBP only, so it is never sent for them: add EUR to the ladder's currencies or remove "
          "it from the step's")],
    ),
    (
        "P078 not raised for a step narrowing its ladder's currencies",
        {STANDARD: fixture(STANDARD).replace("steps:", "currencies: [GBP, EUR]\nsteps:").replace(
            "interest: statutory-uk}", "interest: statutory-uk, currencies: [EUR]}")},
        [],
    ),
]  # fmt: skip


@each_case(CASES)
def test_currency_check_reports_the_exact_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Each broken rule gives exactly its problem, at the file, line and column to fix."""
    assert_case(tmp_path / "repo", monkeypatch, changes, expected)
