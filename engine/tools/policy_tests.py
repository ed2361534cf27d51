"""Policy tests: a small ledger, one or more dates, and the actions the policy must (not) produce.

A finance lead writes them in ``policies/tests/*.yaml`` (``kind: PolicyTest``) to prove a change
does what they meant. The loader reads and schema-checks the files (``LoadResult.tests``);
``read_tests`` turns those documents into records (``engine.model.policy_test``), ``run_tests``
evaluates each test's ledger on each of its dates and compares (``engine.tools.policy_test_match``),
and the reporters (``engine.tools.policy_test_report``: text, junit) say what failed with the
expected and the actual actions side by side. No file is read or written here.

How an expectation matches (docs/policy-tests.md): only the fields given are compared; ``invoices``
is compared as a set; amounts compare as ``Decimal`` (``"15"`` equals ``"15.00"``) in ``currency``,
or in the action's only currency when none is given; ``fee`` is the sum of the action's fees,
``interest`` of its interest and fixed compensation, ``total`` its open amount plus both; ``reason``
is a piece of text (case ignored) found in the reasons, their facts (``key: value``) or the
action's own settings (``ladder:``, ``template:``, ``tone:``, ``language:``, ``owner:``,
``assign:``). ``suppressed: true`` expects the customer to be held back instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from engine.evaluate import evaluate
from engine.load.ledger_file import ledger_from_data
from engine.load.yaml_reader import YamlDocument
from engine.model.actions import PolicyVersion
from engine.model.policy import Policy
from engine.model.policy_test import (
    SETTING_FIELDS,
    Expectation,
    Failure,
    PolicyTest,
    PolicyTestResult,
)
from engine.model.source import DocPath, Problem
from engine.tools.policy_test_match import AMOUNT_FIELDS, matches

CODES: dict[str, str] = {
    "T001": "an expectation with suppressed: true also checks kind, fee, interest, total or "
    "currency, which a held-back item does not have",
}

# -- reading -----------------------------------------------------------------------------------


def _money(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _expectation(doc: YamlDocument, path: DocPath, data: Mapping[str, Any]) -> Expectation:
    invoices = data.get("invoices")
    return Expectation(
        customer=str(data["customer"]),
        source=doc.source(path),
        step=None if data.get("step") is None else str(data["step"]),
        kind=None if data.get("kind") is None else str(data["kind"]),
        invoices=None if invoices is None else frozenset(str(i) for i in invoices),
        fee=_money(data.get("fee")),
        interest=_money(data.get("interest")),
        total=_money(data.get("total")),
        currency=None if data.get("currency") is None else str(data["currency"]),
        suppressed=data.get("suppressed") is True,
        reason=None if data.get("reason") is None else str(data["reason"]),
        settings={name: str(data[name]) for name in SETTING_FIELDS if data.get(name) is not None},
    )


def _expectation_problems(
    doc: YamlDocument, path: DocPath, data: Mapping[str, Any]
) -> list[Problem]:
    if data.get("suppressed") is not True:
        return []
    extra = [name for name in ("kind", *AMOUNT_FIELDS, "currency") if name in data]
    return [
        Problem.at(
            doc.source((*path, name)),
            "T001",
            f"'{name}' cannot be checked on a customer who is held back (suppressed: true): a "
            "held-back item has only a step, invoices and a reason; remove it, or expect an "
            "action instead",
        )
        for name in extra
    ]


def read_test(doc: YamlDocument) -> tuple[PolicyTest | None, list[Problem]]:
    """Return the policy test held in a schema-valid document, or None and the problems found."""
    data = doc.data
    if not isinstance(data, dict):
        # The schema admits only mappings: anything else here is a bug of the caller.
        raise TypeError(f"{doc.file}: a policy test document must be a schema-valid mapping")
    problems: list[Problem] = []
    expectations: dict[str, list[Expectation]] = {"expect": [], "absent": []}
    for section, found in expectations.items():
        for index, item in enumerate(data.get(section) or ()):
            path: DocPath = (section, index)
            problems += _expectation_problems(doc, path, item)
            found.append(_expectation(doc, path, item))
    ledger, ledger_problems = ledger_from_data(
        data["ledger"], doc.file, lambda path: doc.source(("ledger", *path))
    )
    problems += ledger_problems
    if problems or ledger is None:
        return None, problems
    raw_dates = data.get("dates") or [data["date"]]
    dates = tuple(d if isinstance(d, date) else date.fromisoformat(str(d)) for d in raw_dates)
    test = PolicyTest(
        name=str(data["name"]),
        file=doc.file,
        source=doc.source(("name",)),
        dates=dates,
        ledger=ledger,
        expect=tuple(expectations["expect"]),
        absent=tuple(expectations["absent"]),
        description=str(data.get("description") or ""),
    )
    return test, []


def read_tests(docs: Iterable[YamlDocument]) -> tuple[list[PolicyTest], list[Problem]]:
    """Return the policy tests of the documents, in file order, and the problems found."""
    tests: list[PolicyTest] = []
    problems: list[Problem] = []
    for doc in sorted(docs, key=lambda d: d.file):
        test, found = read_test(doc)
        problems += found
        if test is not None:
            tests.append(test)
    return tests, sorted(problems, key=Problem.sort_key)


def select(tests: Sequence[PolicyTest], keyword: str | None) -> list[PolicyTest]:
    """Return the tests whose name or file contains ``keyword`` (case ignored); all without one."""
    if not keyword:
        return list(tests)
    wanted = keyword.lower()
    return [t for t in tests if wanted in t.name.lower() or wanted in t.file.lower()]


# -- running -----------------------------------------------------------------------------------


def run_test(policy: Policy, test: PolicyTest, version: PolicyVersion) -> PolicyTestResult:
    """Return the outcome of one test: each of its dates evaluated and every expectation checked."""
    failures: list[Failure] = []
    for day in test.dates:
        evaluation = evaluate(policy, test.ledger, day, version)
        for absent, expectations in ((False, test.expect), (True, test.absent)):
            for expectation in expectations:
                found = matches(expectation, evaluation)
                if bool(found) == absent:
                    failures.append(
                        Failure(
                            expectation,
                            day,
                            absent,
                            tuple(
                                a
                                for a in evaluation.actions
                                if a.customer_id == expectation.customer
                            ),
                            tuple(
                                s
                                for s in evaluation.suppressions
                                if s.customer_id == expectation.customer
                            ),
                            found,
                        )
                    )
    checks = len(test.dates) * (len(test.expect) + len(test.absent))
    return PolicyTestResult(test, tuple(failures), checks)


def run_tests(
    policy: Policy, tests: Iterable[PolicyTest], version: PolicyVersion
) -> tuple[PolicyTestResult, ...]:
    """Return the outcome of every test, in the order given."""
    return tuple(run_test(policy, test, version) for test in tests)
