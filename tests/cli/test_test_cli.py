"""`dunning test`: the shipped tests pass, a broken one fails readably, exit codes as pytest's."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dunning.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted((ROOT / "policies" / "tests").glob("*.yaml"))
FEE_TEST = "policies/tests/standard-second-reminder-fee.yaml"


def run(*args: str) -> Result:
    """Return the result of `dunning test ARGS`; a traceback fails the test."""
    return CliRunner().invoke(main, ["test", *args], catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a copy of this repository's policy and customers, made the current folder."""
    root = tmp_path / "repo"
    for folder in ("policies", "customers"):
        shutil.copytree(ROOT / folder, root / folder)
    monkeypatch.chdir(root)
    return root


def break_fee(root: Path) -> None:
    """Expect GBP 16.00 where the policy charges GBP 15.00."""
    path = root / FEE_TEST
    text = path.read_text(encoding="utf-8")
    assert '    fee: "15.00"\n' in text
    path.write_text(text.replace('    fee: "15.00"\n', '    fee: "16.00"\n'), encoding="utf-8")


def test_the_shipped_policy_tests_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test in policies/tests passes on the shipped policy: exit 0, one line each."""
    monkeypatch.chdir(ROOT)
    result = run()
    assert result.exit_code == 0, result.output
    assert len(SHIPPED) >= 10
    assert result.output.endswith(f"\n{len(SHIPPED)} passed ({len(SHIPPED)} policy tests)\n")
    assert result.output.count("\nok     policies/tests/") == len(SHIPPED) - 1


def test_a_broken_expectation_fails_with_expected_and_actual_side_by_side(repo: Path) -> None:
    """Exit 1; the failure names the file and line and sets expected beside actual."""
    break_fee(repo)
    result = run()
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    header = (
        "FAILED policies/tests/standard-second-reminder-fee.yaml: "
        "standard ladder - the second reminder adds the reminder fee"
    )
    assert lines.count(header) == 2  # in the list of tests, then above its details
    start = len(lines) - 1 - lines[::-1].index(header)
    assert lines[start + 1 : start + 14] == [
        "  policies/tests/standard-second-reminder-fee.yaml:19:5: on 2026-11-16, expected "
        "second-reminder (email) for ORCH-0009, which is not on the list",
        "                 expected                                 | actual",
        "    ----------   -----------------------------------------+"
        "-----------------------------------------",
        "    customer     ORCH-0009                                | ORCH-0009",
        "    step         second-reminder                          | second-reminder",
        "    kind         email                                    | email",
        "    invoices     NW-24101                                 | NW-24101",
        "    currency     GBP                                      | GBP",
        "    fee        ≠ GBP 16.00                                | GBP 15.00",
        "    interest     GBP 0.00                                 | GBP 0.00",
        "    total        GBP 1,215.00                             | GBP 1,215.00",
        "    reason       contains 'the step 'second-reminder'     | "
        "Invoice NW-24101 (GBP 1,200.00 open) is",
        "                 (due+14d) fell due on 2026-11-16'        | 14 days overdue; the step",
    ]
    assert lines[-1] == f"1 failed, {len(SHIPPED) - 1} passed ({len(SHIPPED)} policy tests)"


def test_junit_xml_parses_with_the_right_counts(repo: Path) -> None:
    """--format junit: one testcase per file, the failure with its diff; exit code kept."""
    break_fee(repo)
    result = run("--format", "junit")
    assert result.exit_code == 1
    root = ET.fromstring(result.stdout)
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == (
        str(len(SHIPPED)),
        "1",
        "0",
    )
    failed = [c for c in root.iter("testcase") if c.find("failure") is not None]
    assert [c.get("file") for c in failed] == [FEE_TEST]
    failure = failed[0].find("failure")
    assert failure is not None
    assert "fee        ≠ GBP 16.00" in (failure.text or "")


def test_junit_xml_file_beside_the_text_report(repo: Path) -> None:
    """--junit-xml FILE writes the XML and still prints the text for people."""
    (repo / "out").mkdir()
    result = run("--junit-xml", "out/policy-tests.xml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok     ")
    root = ET.parse(repo / "out" / "policy-tests.xml").getroot()
    assert root.get("tests") == str(len(SHIPPED))


def test_no_tests_at_all_exits_5(repo: Path) -> None:
    """A policy without tests proves nothing: exit 5, and the reason on standard error."""
    shutil.rmtree(repo / "policies" / "tests")
    result = run()
    assert result.exit_code == 5
    assert result.stdout == ""
    assert "No policy tests found in .: a policy test is a file of kind PolicyTest" in (
        result.stderr
    )


def test_no_tests_in_junit_format_is_still_valid_xml(repo: Path) -> None:
    """CI reading the report finds an empty suite rather than an empty file."""
    shutil.rmtree(repo / "policies" / "tests")
    result = run("--format", "junit")
    assert result.exit_code == 5
    assert ET.fromstring(result.stdout).get("tests") == "0"


@pytest.mark.parametrize(
    ("args", "code", "ran"),
    [
        (("-k", "PAUSE"), 0, 1),
        (("-k", "statutory"), 0, 3),
        (("-k", "no-such-test"), 5, 0),
        (("policies/tests/dispute.yaml",), 0, 1),
        (("policies/tests",), 0, len(SHIPPED)),
    ],
    ids=["k-case-ignored", "k-several", "k-nothing", "one-file", "tests-folder"],
)
def test_choosing_tests(repo: Path, args: tuple[str, ...], code: int, ran: int) -> None:
    """-k NAME and PATH narrow the run; nothing left is exit 5."""
    result = run(*args)
    assert result.exit_code == code, result.output
    assert result.stdout.count("ok     ") == ran


def test_an_invalid_test_file_exits_2_with_its_problems(repo: Path) -> None:
    """A test file that breaks its schema is reported like validate reports it; nothing runs."""
    (repo / "policies" / "tests" / "broken.yaml").write_text(
        "apiVersion: dunning/v1\nkind: PolicyTest\nname: no ledger\ndate: 2026-11-23\n"
        "expect:\n  - {customer: ORCH-0009, step: call}\n",
        encoding="utf-8",
    )
    result = run()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("policies/tests/broken.yaml:1:1: S003 ")
    assert "so no test was run" in result.stderr


def test_an_invalid_policy_exits_2(repo: Path) -> None:
    """The tests need a valid policy: a broken ladder stops the run with exit 2."""
    ladder = repo / "policies" / "ladders" / "standard.yaml"
    ladder.write_text(
        ladder.read_text(encoding="utf-8").replace("at: due+21d", "at: due+10d"), encoding="utf-8"
    )
    result = run()
    assert result.exit_code == 2
    assert "policies/ladders/standard.yaml:" in result.stderr
    assert " P020 " in result.stderr


def test_outside_a_policy_repository_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No policies/policy.yaml here or above: a usage error, said plainly."""
    monkeypatch.chdir(tmp_path)
    result = run()
    assert result.exit_code == 2
    assert result.stderr.startswith("No policy found at .: expected policies/policy.yaml")
