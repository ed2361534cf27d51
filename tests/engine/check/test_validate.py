"""The semantic checks as a whole (engine/check/validate.py): the named list, every code covered,
only the files asked for, records built in code. Each topic's cases are in its own test module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.check.payment import CODES as PAYMENT_CODES
from engine.check.validate import CHECKS, CODES, check, validate
from engine.load.policy_loader import load_policy
from engine.model.policy import Defaults, Ladder, Offset, Policy, Step
from tests.engine.check import (
    test_currencies,
    test_customers,
    test_experiments,
    test_expiry,
    test_file_names,
    test_interest,
    test_ladders,
    test_money,
    test_policy_tests,
    test_references,
    test_settings,
    test_templates,
    test_terms,
)
from tests.engine.policy_tree import (
    ACME,
    BETA,
    FIXTURE,
    STANDARD,
    policy_tree,
    problems_in,
)

CASES = [
    *test_references.CASES,
    *test_file_names.CASES,
    *test_ladders.CASES,
    *test_terms.CASES,
    *test_money.CASES,
    *test_customers.CASES,
    *test_interest.CASES,
    *test_settings.CASES,
    *test_templates.CASES,
    *test_policy_tests.CASES,
    *test_experiments.CASES,
    *test_currencies.CASES,
    *test_expiry.CASES,
]

def test_fixture_policy_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture every case breaks is itself free of problems."""
    assert problems_in(policy_tree(tmp_path / "repo"), monkeypatch) == []


def test_every_semantic_code_has_a_case() -> None:
    """Every P-code of engine.check.validate is exercised by a case of its topic's tests."""
    covered = {code for _, _, expected in CASES for *_, code, _ in expected}
    # The payment file's codes have their cases in tests/engine/test_payment.py.
    assert set(CODES) - set(PAYMENT_CODES) <= covered


def test_semantic_problems_only_for_the_files_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Naming single files reports their problems only, though the whole policy is read."""
    root = policy_tree(
        tmp_path / "repo",
        {ACME: ("skip: [call]", "skip: [cal]"), BETA: ("skip: [owner-call]", "skip: [call]")},
    )
    monkeypatch.chdir(root)
    result = load_policy([BETA])
    assert result.files == (BETA,)
    assert [(p.file, p.code) for p in check(result)] == [(BETA, "P027")]


def test_checks_have_readable_names() -> None:
    """The checks are a named list, each name unique."""
    names = [name for name, _ in CHECKS]
    assert len(names) == len(set(names))
    assert all(name and name == name.strip() for name in names)


def _policy(**ladders: Ladder) -> Policy:
    return Policy(
        name="Built in code",
        timezone="UTC",
        base_currency="GBP",
        defaults=Defaults(terms="net30", ladder="standard"),
        ladders=ladders,
    )


def test_records_built_in_code_are_checked_without_files() -> None:
    """validate() works on a Policy built in code: problems point at '<built in code>'."""
    ladder = Ladder(
        "standard",
        (Step("a", Offset("due", 5)), Step("b", Offset("due", 3))),
    )
    problems = validate(_policy(standard=ladder))
    assert [(p.code, p.file) for p in problems] == [
        ("P010", "<built in code>"),
        ("P020", "<built in code>"),
    ]


def test_a_date_that_does_not_exist_hides_no_other_problem_of_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Y004 reads 30 February as the nearest real date, so the unknown ladder in the same
    customer file is reported too; the date is reported once, with what to write."""
    acme = (FIXTURE / ACME).read_text(encoding="utf-8")
    acme = acme.replace("until: 2027-01-15,", "until: 2027-02-30,")
    acme = acme.replace("terms: 2-10-net30", "terms: 2-10-net30\nladder: nosuch")
    root = policy_tree(tmp_path / "repo", {ACME: acme})
    got = [(p.file, p.line, p.code, p.message) for p in problems_in(root, monkeypatch)]
    assert got == [
        (ACME, 8, "P011", "ladder 'nosuch' does not exist: the ladders are standard, strategic"),
        (ACME, 11, "Y004", "'2027-02-30' is not a real date: February 2027 has 28 days; write "
                           "2027-02-28 for its last day, or another real date"),
    ]  # fmt: skip


def test_a_broken_step_is_reported_once_in_its_own_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A final notice moved past the agency step (P020) is the ladder's problem: ACME's
    7-day delay of that step is not reported again as a knock-on P028 in the customer file."""
    root = policy_tree(
        tmp_path / "repo",
        {STANDARD: ("{id: final-notice, at: due+45d,", "{id: final-notice, at: due+80d,")},
    )
    got = [(p.file, p.code) for p in problems_in(root, monkeypatch)]
    assert got == [(STANDARD, "P020")]
