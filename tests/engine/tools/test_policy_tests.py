"""Policy tests: reading PolicyTest documents, matching expectations, the side-by-side report."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import pytest

from engine.evaluate import evaluate
from engine.load.yaml_reader import YamlDocument, load_yaml_text
from engine.tools.policy_tests import (
    PolicyTest,
    PolicyTestResult,
    action_differences,
    read_test,
    read_tests,
    report_junit,
    report_text,
    run_test,
    run_tests,
    select,
)
from tests.engine.builders import VERSION, customer_file, make_policy

FILE = "policies/tests/second-reminder.yaml"

# C1's invoice of 2026-10-05 is due on Wednesday 2026-11-04 (net 30); the builders' standard
# ladder sends the second reminder (with the GBP 15.00 fee) at due+14d, 2026-11-18, and the call
# at due+21d, 2026-11-25.
LEDGER = """\
ledger:
  invoices:
    - {id: INV-1, customer: C1, issued: 2026-10-05, amount: "1200.00", currency: GBP}
    - {id: INV-2, customer: C1, issued: 2026-10-05, amount: "300.00", currency: GBP}
  history:
    - {customer: C1, step: first-reminder, invoices: [INV-1, INV-2], date: 2026-11-05, status: done}
"""


def document(body: str, file: str = FILE) -> YamlDocument:
    """Return a PolicyTest document: the header, the shared ledger, then ``body``."""
    text = (
        "apiVersion: dunning/v1\nkind: PolicyTest\nname: second reminder with its fee\n"
        + LEDGER
        + textwrap.dedent(body)
    )
    doc, problems = load_yaml_text(text, file)
    assert doc is not None and not problems, problems
    return doc


def one_test(body: str, file: str = FILE) -> PolicyTest:
    """Return the policy test written in ``body`` (after the shared header and ledger)."""
    test, problems = read_test(document(body, file))
    assert test is not None, problems
    return test


def result_of(body: str, **policy: Any) -> PolicyTestResult:
    """Return the outcome of the test in ``body`` under the builders' policy."""
    return run_test(make_policy(**policy), one_test(body), VERSION)


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


FIELD_CASES = [
    ("step", "call", ("step",)),
    ("kind", "letter", ("kind",)),
    ("invoices", "[INV-1]", ("invoices",)),
    ("fee", '"15.01"', ("fee",)),
    ("interest", '"1.00"', ("interest",)),
    ("total", '"1500.00"', ("total",)),
    ("currency", "EUR", ("currency",)),
    ("reason", '"due+10d"', ("reason",)),
    ("reason", '"tone: standard"', ()),
    ("reason", '"ladder: standard"', ()),
    ("reason", '"offset: due+14d"', ()),
    ("fee", '"15.000"', ()),
]


@pytest.mark.parametrize(
    ("field", "value", "differs"),
    FIELD_CASES,
    ids=[f"{f}={v.strip(chr(34))}-{'differs' if d else 'matches'}" for f, v, d in FIELD_CASES],
)
def test_only_the_fields_given_are_compared(
    field: str, value: str, differs: tuple[str, ...]
) -> None:
    """Each field is compared on its own; reason also finds facts and the action's settings."""
    test = one_test(f"date: 2026-11-18\nexpect:\n  - {{customer: C1, {field}: {value}}}\n")
    actions = evaluate(make_policy(), test.ledger, test.dates[0], VERSION).actions
    [action] = [a for a in actions if a.step == "second-reminder"]
    assert action_differences(test.expect[0], action) == differs
    assert run_test(make_policy(), test, VERSION).passed == (not differs)


def test_amounts_need_a_currency_when_the_action_has_several() -> None:
    """Without `currency`, amounts are compared in the action's only currency; two is ambiguous."""
    text = LEDGER.replace('"300.00", currency: GBP', '"300.00", currency: EUR')
    doc, _ = load_yaml_text(
        "apiVersion: dunning/v1\nkind: PolicyTest\nname: two currencies\n"
        + text
        + 'date: 2026-11-18\nexpect:\n  - {customer: C1, step: second-reminder, fee: "15.00"}\n'
        + '  - {customer: C1, step: second-reminder, fee: "15.00", currency: EUR}\n',
        FILE,
    )
    assert doc is not None
    test, _ = read_test(doc)
    assert test is not None
    result = run_test(make_policy(), test, VERSION)
    assert [f.expectation.currency for f in result.failures] == [None]


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


def test_a_failure_shows_expected_and_actual_side_by_side() -> None:
    """The report names the file and line of the expectation and marks what differs."""
    result = result_of(
        """\
        date: 2026-11-18
        expect:
          - {customer: C1, step: second-reminder, fee: "16.00", invoices: [INV-1, INV-2]}
        """
    )
    text = report_text([result])
    assert text.startswith(f"FAILED {FILE}: second reminder with its fee\n")
    assert (
        f"  {FILE}:12:5: on 2026-11-18, expected second-reminder for C1, which is not on the list"
        in text
    )
    lines = text.splitlines()
    assert "    customer     C1" in lines[lines.index(next(x for x in lines if "customer " in x))]
    rows = {line.split()[0]: line for line in lines if line.startswith("    ") and "|" in line}
    assert rows["fee"].split("|")[0].split() == ["fee", "≠", "GBP", "16.00"]
    assert rows["fee"].split("|")[1].split() == ["GBP", "15.00"]
    assert rows["step"].split("|")[0].split() == ["step", "second-reminder"]
    assert rows["invoices"].split("|")[1].split() == ["INV-1,", "INV-2"]
    assert text.endswith("1 failed, 0 passed (1 policy test)\n")


def test_a_customer_with_nothing_on_the_list_says_so_and_why() -> None:
    """No action for the customer: the actual column says so, and what was held back is listed."""
    paused = customer_file("C1", pause=("2027-01-31", "Flood at the warehouse"))
    result = result_of(
        "date: 2026-11-18\nexpect:\n  - {customer: C1, step: second-reminder}\n",
        customers=[paused],
    )
    text = report_text([result])
    assert "(nothing for C1 on the list)" in text
    assert "    held back (second-reminder): Dunning is paused until 2027-01-31" in text


def test_junit_has_one_testcase_per_test_and_counts_failures() -> None:
    """JUnit XML: the counts, the file and line of each test, the diff in the failure."""
    policy = make_policy()
    good = one_test("date: 2026-11-18\nexpect:\n  - {customer: C1, step: second-reminder}\n")
    bad = replace(
        one_test("date: 2026-11-18\nexpect:\n  - {customer: C1, step: call}\n"),
        name="call is due",
        file="policies/tests/call.yaml",
    )
    root = ET.fromstring(report_junit(run_tests(policy, [good, bad], VERSION)))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "1", "0")
    cases = root.findall("./testsuite/testcase")
    assert [(c.get("name"), c.get("file"), c.get("line")) for c in cases] == [
        ("second reminder with its fee", FILE, "3"),
        ("call is due", "policies/tests/call.yaml", "3"),
    ]
    failure = cases[1].find("failure")
    assert failure is not None
    assert "expected call for C1" in (failure.text or "")


def test_select_keeps_the_tests_whose_name_or_file_contains_the_keyword() -> None:
    """-k: case-insensitive, on the name or the file; no keyword keeps all."""
    a = one_test("date: 2026-11-18\nabsent:\n  - {customer: C1, step: call}\n")
    b = replace(a, name="pause holds back", file="policies/tests/pause.yaml")
    assert select([a, b], "PAUSE") == [b]
    assert select([a, b], "second-reminder.yaml") == [a]
    assert select([a, b], None) == [a, b]
    assert select([a, b], "nothing") == []
