"""A ladder, template or customer is named after its file (engine/check/file_names.py): P016-P018.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    BETA,
    STANDARD,
    TEMPLATE,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

CASES: list[Case] = [
    (
        "P016 ladder name is not its file name (and its uses stay quiet)",
        {STANDARD: ("name: standard", "name: std")},
        [(STANDARD, 4, 7, "P016",
          "ladder name 'std' must equal the file name 'standard': rename the file to std.yaml "
          "or the ladder to standard")],
    ),
    (
        "P017 template name is not its file name (and its uses stay quiet)",
        {TEMPLATE: ("name: reminder", "name: reminders")},
        [(TEMPLATE, 4, 7, "P017",
          "template name 'reminders' must equal the file name 'reminder': rename the file to "
          "reminders.yaml or the template to reminder")],
    ),
    (
        "P018 customer id is not its file name",
        {BETA: ("id: BETA-0002", "id: BETA-0003")},
        [(BETA, 4, 5, "P018",
          "customer id 'BETA-0003' must equal the file name 'BETA-0002': rename the file to "
          "BETA-0003.yaml or correct the id")],
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
