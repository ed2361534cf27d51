"""Credit terms (engine/check/terms.py): P022-P023.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    TERMS,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

CASES: list[Case] = [
    (
        "P022 discount period as long as the payment period",
        {TERMS: ("days: 10", "days: 30")},
        [(TERMS, 6, 61, "P022",
          "terms '2-10-net30': the discount period (30 days) must be shorter than the payment "
          "period (net_days: 30), or the discount is just a lower price")],
    ),
    (
        "P023 discount of 100 %",
        {TERMS: ('percent: "2"', 'percent: "100"')},
        [(TERMS, 6, 50, "P023",
          "terms '2-10-net30': a discount of 100 % would cancel the whole invoice; write the "
          'percentage taken off, e.g. "2" for 2 %')],
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
