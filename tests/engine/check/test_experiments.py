"""A ladder's experiment (engine/check/experiments.py): P080.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import STANDARD, Case, Change, Expected, assert_case, each_case

EXPERIMENT = (
    "experiment:\n  id: tone\n  step: {step}\n  variants:\n"
    "    - {{name: control, share: 50}}\n    - {{name: firm, share: {share}, tone: firm}}\nsteps:\n"
)

CASES: list[Case] = [
    (
        "P080 shares not adding up to 100",
        {STANDARD: ("steps:\n", EXPERIMENT.format(step="first-reminder", share=40))},
        [(STANDARD, 9, 5, "P080",
          "the shares of experiment 'tone' add up to 90: make them add up to 100 (percent of "
          "customers)")],
    ),
    (
        "P080 a step that does not contact the customer",
        {STANDARD: ("steps:\n", EXPERIMENT.format(step="credit-hold", share=50))},
        [(STANDARD, 7, 9, "P080",
          "experiment 'tone' tries step 'credit-hold', which does not contact the customer in "
          "ladder 'standard': name an email, letter or phone step of this ladder")],
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
