"""How an expectation of a policy test matches an action (engine/tools/policy_test_match.py)."""

from __future__ import annotations

import pytest

from engine.evaluate import evaluate
from engine.load.yaml_reader import load_yaml_text
from engine.tools.policy_test_match import action_differences
from engine.tools.policy_tests import read_test, run_test
from tests.engine.builders import VERSION, make_policy
from tests.engine.tools.written_tests import FILE, LEDGER, one_test

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
