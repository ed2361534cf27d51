"""Policy settings (engine/check/settings.py): P033-P034.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    POLICY,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

CASES: list[Case] = [
    (
        "P033 calendar country unknown",
        {POLICY: ("country: GB, subdivision: ENG", "country: XX")},
        [(POLICY, 7, 21, "P033",
          "calendar country 'XX' has no public holidays in the `holidays` package: use an ISO "
          "3166-1 alpha-2 code such as GB, DE, FR or US")],
    ),
    (
        "P033 calendar subdivision unknown",
        {POLICY: ("subdivision: ENG", "subdivision: BAV")},
        [(POLICY, 7, 38, "P033",
          "calendar subdivision 'BAV' is not a subdivision of GB known to the `holidays` "
          "package; use one of ENG, NIR, SCT, WLS")],
    ),
    (
        "P034 time zone misspelt",
        {POLICY: ("timezone: Europe/London", "timezone: Europe/Londn")},
        [(POLICY, 6, 11, "P034",
          "time zone 'Europe/Londn' is not known: write an IANA time zone such as "
          "Europe/London; did you mean 'Europe/London'?")],
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
