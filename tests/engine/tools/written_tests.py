"""A policy test written as text beside a small shared ledger, read and run under the builders'
policy: the tests of reading, matching and reporting start from it."""

from __future__ import annotations

import textwrap
from typing import Any

from engine.load.yaml_reader import YamlDocument, load_yaml_text
from engine.model.policy_test import PolicyTest, PolicyTestResult
from engine.tools.policy_tests import read_test, run_test
from tests.engine.builders import VERSION, make_policy

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
