"""Reference rates, compensation bands and margin changes (engine/check/interest.py): P030,
P031, P043.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    FEES,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

CASES: list[Case] = [
    (
        "P030 reference rates out of date order",
        {FEES: ("from: 2025-05-08", "from: 2025-09-08")},
        [(FEES, 22, 16, "P030",
          "reference rate 'boe-base': the rate from 2025-08-07 is listed after the rate from "
          "2025-09-08: list the rates in date order")],
    ),
    (
        "P030 two reference rates from one date",
        {FEES: ("from: 2025-05-08", "from: 2025-08-07")},
        [(FEES, 22, 16, "P030",
          "reference rate 'boe-base' has two rates from 2025-08-07: keep one")],
    ),
    (
        "P031 open band not last",
        {FEES: ('- {below: "10000.00", amount: "70.00"}', '- {amount: "70.00"}')},
        [(FEES, 16, 11, "P031",
          "interest 'statutory-uk': only the last compensation band may leave out 'below' and "
          "'up_to'; bands after an open band would never apply")],
    ),
    (
        "P031 last band closed",
        {FEES: ('- {amount: "100.00"}', '- {below: "20000.00", amount: "100.00"}')},
        [(FEES, 17, 19, "P031",
          "interest 'statutory-uk': the last compensation band must have no 'below', so that "
          "debts of 20000.00 or more get a compensation too")],
    ),
    (
        "P031 bands not ascending",
        {FEES: ('below: "10000.00"', 'below: "500.00"')},
        [(FEES, 16, 19, "P031",
          "interest 'statutory-uk': compensation bands must go up: 'below: 500.00' comes after "
          "'below: 1000.00'")],
    ),
    (
        "P031 an inclusive bound below the exclusive one before it",
        {FEES: ('below: "10000.00"', 'up_to: "500.00"')},
        [(FEES, 16, 19, "P031",
          "interest 'statutory-uk': compensation bands must go up: 'up_to: 500.00' comes after "
          "'below: 1000.00'")],
    ),
    (
        "P043 margin changes out of date order",
        {FEES: ("day_basis: 365", 'day_basis: 365\n    margin_changes:\n'
                '      - {from: 2014-07-29, percent: "9"}\n'
                '      - {from: 2014-01-01, percent: "10"}')},
        [(FEES, 14, 16, "P043",
          "interest 'statutory-uk': the margin change from 2014-01-01 is listed after the one "
          "from 2014-07-29: list the changes in date order")],
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
