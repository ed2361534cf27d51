"""Policy tests: reading PolicyTest documents and running them (engine/tools/policy_tests.py)."""

from __future__ import annotations

from dataclasses import replace

from engine.load.yaml_reader import load_yaml_text
from engine.tools.policy_test_report import report_text
from engine.tools.policy_tests import read_test, read_tests, select
from tests.engine.builders import customer_file
from tests.engine.tools.written_tests import FILE, document, one_test, result_of


def test_a_test_whose_expectations_hold_passes() -> None:
    """The second reminder is there with its fee and total; the call is not due yet."""
    result = result_of(
        """\
        date: 2026-11-18
        expect:
          - customer: C1
            step: second-reminder
            kind: email
            invoices: [INV-2, INV-1]
            fee: "15"
            interest: "0"
            total: "1515.00"
            currency: GBP
            reason: "THE STEP 'second-reminder' (due+14d)"
        absent:
          - {customer: C1, step: call}
          - {customer: C1, suppressed: true}
        """
    )
    assert result.passed, report_text([result])
    assert result.checks == 3


def test_a_suppressed_expectation_matches_a_held_back_customer() -> None:
    """A paused customer: `suppressed: true` matches, with a piece of the pause's reason."""
    paused = customer_file("C1", pause=("2027-01-31", "Flood at the warehouse"))
    result = result_of(
        """\
        date: 2026-11-18
        expect:
          - {customer: C1, suppressed: true, step: second-reminder, reason: "flood at the"}
          - {customer: C1, suppressed: true, reason: pause}
        absent:
          - {customer: C1}
        """,
        customers=[paused],
    )
    assert result.passed, report_text([result])


def test_absent_fails_when_the_action_is_on_the_list() -> None:
    """An `absent` entry that matches fails, and keeps what matched."""
    result = result_of(
        """\
        date: 2026-11-18
        absent:
          - {customer: C1, step: second-reminder}
        """
    )
    [failure] = result.failures
    assert failure.absent
    assert [a.step for a in failure.matched] == ["second-reminder"]


def test_every_date_is_checked_and_the_failing_one_is_named() -> None:
    """With `dates`, the expectations must hold on each; only the day the call is due fails."""
    result = result_of(
        """\
        dates: [2026-11-18, 2026-11-25]
        absent:
          - {customer: C1, step: call}
        """
    )
    assert [f.day.isoformat() for f in result.failures] == ["2026-11-25"]


def test_fee_on_a_suppressed_expectation_is_a_problem_at_its_line() -> None:
    """A held-back item has no fee: T001 at the `fee` of the expectation."""
    doc = document(
        """\
        date: 2026-11-18
        expect:
          - customer: C1
            suppressed: true
            fee: "15.00"
        """
    )
    test, problems = read_test(doc)
    assert test is None
    assert [(p.line, p.column, p.code) for p in problems] == [(14, 10, "T001")]


def test_ledger_problems_point_into_the_test_file() -> None:
    """A ledger mistake is reported at its line in the test file, under `ledger`."""
    doc, _ = load_yaml_text(
        "apiVersion: dunning/v1\nkind: PolicyTest\nname: bad ledger\nledger:\n"
        "  invoices:\n"
        '    - {id: INV-1, customer: C1, issued: 2026-10-05, amount: "-5.00", currency: GBP}\n'
        "date: 2026-11-18\nabsent:\n  - {customer: C1}\n",
        FILE,
    )
    assert doc is not None
    tests, problems = read_tests([doc])
    assert tests == []
    assert problems
    assert all(p.file == FILE and p.line == 6 for p in problems), problems
    assert all(p.path.startswith("ledger.invoices[0]") for p in problems), problems


def test_select_keeps_the_tests_whose_name_or_file_contains_the_keyword() -> None:
    """-k: case-insensitive, on the name or the file; no keyword keeps all."""
    a = one_test("date: 2026-11-18\nabsent:\n  - {customer: C1, step: call}\n")
    b = replace(a, name="pause holds back", file="policies/tests/pause.yaml")
    assert select([a, b], "PAUSE") == [b]
    assert select([a, b], "second-reminder.yaml") == [a]
    assert select([a, b], None) == [a, b]
    assert select([a, b], "nothing") == []
