"""The steps of a ladder (engine/check/ladders.py): P019-P021, P032, P073-P076.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    STANDARD,
    STRATEGIC,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
    fixture,
)

CASES: list[Case] = [
    (
        "P019 step id used twice",
        {STANDARD: ("id: credit-hold,", "id: courtesy,")},
        [(STANDARD, 11, 10, "P019",
          "step id 'courtesy' is used twice in ladder 'standard' (first on line 7): give each "
          "step its own id")],
    ),
    (
        "P020 step earlier than the one listed before it",
        {STANDARD: ("at: due+21d", "at: due+10d")},
        [(STANDARD, 10, 20, "P020",
          "step 'call' (due+10d) comes after step 'second-reminder' (due+14d) in the list but "
          "happens earlier: steps must be in date order")],
    ),
    (
        "P020 two steps on the same day",
        {STANDARD: ("at: due+21d", "at: due+14d")},
        [(STANDARD, 10, 20, "P020",
          "step 'call' (due+14d) comes after step 'second-reminder' (due+14d) in the list but "
          "happens on the same day: steps must be in date order")],
    ),
    (
        "P020 invoice step listed after due steps",
        {STANDARD: ("at: due+21d", "at: invoice+40d")},
        [(STANDARD, 10, 20, "P020",
          "step 'call' (invoice+40d) comes after step 'courtesy' (due-3d) in the list: steps "
          "counted from the invoice date must come before the steps counted from the due date")],
    ),
    (
        "P020 not raised for steps counted from the previous step",
        {STANDARD: fixture(STANDARD).replace("steps:", "catch_up: one_level_per_run\nsteps:")
         .replace("at: due+21d", "at: previous+3d")},
        [],
    ),
    (
        "P074 previous step on a ladder that catches up to the highest step",
        {STANDARD: ("at: due+21d", "at: previous+3d")},
        [(STANDARD, 10, 20, "P074",
          "step 'call' (previous+3d) of ladder 'standard' counts from the step before it, but "
          "the ladder catches up to the highest step: after a late import that step is "
          "superseded, never sent, and this one never falls due. Add `catch_up: "
          "one_level_per_run` to the ladder")],
    ),
    (
        "P073 first step counted from the previous step",
        {STANDARD: ("at: discount-2d", "at: previous+2d")},
        [(STANDARD, 6, 30, "P073",
          "step 'discount-nudge' (previous+2d) is the first step of ladder 'standard', so no "
          "step is ever sent before it and it would never fall due: count it from the invoice, "
          "discount or due date")],
    ),
    (
        "P075 next step before the first repetition",
        {STRATEGIC: ("repeat: 14d", "repeat: 1m")},
        [],
    ),
    (
        "P075 monthly repeat overtaken by the next step",
        {STANDARD: ("fee: reminder-fee}", "fee: reminder-fee, repeat: 1m}")},
        [(STANDARD, 9, 103, "P075",
          "step 'second-reminder' (due+14d) repeats every 1m, but step 'call' (due+21d) comes 7 "
          "days after it, before the first repetition: the ladder moves on and the step never "
          "repeats. Repeat it more often, move the next step later, or remove repeat")],
    ),
    (
        "P076 condition that always holds",
        {STRATEGIC: ("assign: owner}", "assign: owner, when: {min_open_invoices: 1}}")},
        [(STRATEGIC, 7, 92, "P076",
          "step 'owner-call' of ladder 'strategic' applies when the customer has at least 1 "
          "unpaid invoice, which is always so for an invoice being chased: write the number of "
          "invoices that should trigger it (e.g. 2), or remove the condition")],
    ),
    (
        "P021 step before the invoice date",
        {STANDARD: ("at: discount-2d", "at: invoice-2d")},
        [(STANDARD, 6, 30, "P021",
          "step 'discount-nudge' (invoice-2d) would happen before the invoice is issued: count "
          "from the invoice date forwards (invoice+Nd) or from the due date")],
    ),
    (
        "P032 four contacts within 7 days",
        {STANDARD: fixture(STANDARD).replace("due+14d", "due+2d").replace("due+21d", "due+3d")},
        [(STANDARD, 10, 20, "P032",
          "ladder 'standard' contacts the customer 4 times within 7 days ('courtesy' (due-3d), "
          "'first-reminder' (due+1bd), 'second-reminder' (due+2d), 'call' (due+3d)): "
          "guardrails.max_contacts_per_7_days allows 3; space the steps out")],
    ),
    (
        "P032 a step repeated too often",
        {STRATEGIC: ("repeat: 14d", "repeat: 2d")},
        [(STRATEGIC, 8, 30, "P032",
          "ladder 'strategic' contacts the customer 4 times within 7 days ('final-reminder' "
          "(due+60d, repeated every 2d)): guardrails.max_contacts_per_7_days allows 3; space "
          "the steps out")],
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
