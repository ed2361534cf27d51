"""What `dunning test` prints: the side-by-side diff and JUnit XML
(engine/tools/policy_test_report.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from engine.tools.policy_test_report import report_junit, report_text
from engine.tools.policy_tests import run_tests
from tests.engine.builders import VERSION, customer_file, make_policy
from tests.engine.tools.written_tests import FILE, one_test, result_of


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
