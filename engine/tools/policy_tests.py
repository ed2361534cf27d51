"""Policy tests: a small ledger, one or more dates, and the actions the policy must (not) produce.

A finance lead writes them in ``policies/tests/*.yaml`` (``kind: PolicyTest``) to prove a change
does what they meant. The loader reads and schema-checks the files (``LoadResult.tests``);
``read_tests`` turns those documents into records, ``run_tests`` evaluates each test's ledger on
each of its dates and compares, and the reporters (``REPORTERS``: text, junit) say what failed
with the expected and the actual actions side by side. No file is read or written here.

How an expectation matches (docs/policy-tests.md): only the fields given are compared; ``invoices``
is compared as a set; amounts compare as ``Decimal`` (``"15"`` equals ``"15.00"``) in ``currency``,
or in the action's only currency when none is given; ``fee`` is the sum of the action's fees,
``interest`` of its interest and fixed compensation, ``total`` its open amount plus both; ``reason``
is a piece of text (case ignored) found in the reasons, their facts (``key: value``) or the
action's own settings (``ladder:``, ``template:``, ``tone:``, ``language:``, ``owner:``,
``assign:``). ``suppressed: true`` expects the customer to be held back instead.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from engine.evaluate import evaluate
from engine.load.ledger_file import ledger_from_data
from engine.load.yaml_reader import YamlDocument
from engine.model.actions import Action, Evaluation, PolicyVersion, Suppression
from engine.model.ledger import LedgerSnapshot
from engine.model.money import ZERO, format_money
from engine.model.policy import Policy
from engine.model.source import DocPath, Problem, Source
from engine.rules.payment import amounts_due

CODES: dict[str, str] = {
    "T001": "an expectation with suppressed: true also checks kind, fee, interest, total or "
    "currency, which a held-back item does not have",
}

_AMOUNT_FIELDS = ("fee", "interest", "total")
# Settings of the action a test may pin down: which ladder, message, voice and people.
SETTING_FIELDS = ("ladder", "template", "tone", "language", "owner", "assign")


# -- records -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Expectation:
    """An action (or, with ``suppressed``, a held-back customer) a test expects or forbids."""

    customer: str
    source: Source
    step: str | None = None
    kind: str | None = None
    invoices: frozenset[str] | None = None
    fee: Decimal | None = None
    interest: Decimal | None = None
    total: Decimal | None = None
    currency: str | None = None
    suppressed: bool = False
    reason: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)  # ladder, template, tone, ...

    def describe(self) -> str:
        """Return the expectation in words: ``second-reminder (email) for ORCH-0009``."""
        if self.suppressed:
            step = f" (step {self.step})" if self.step else ""
            return f"{self.customer} held back{step}"
        what = self.step or "an action"
        if self.kind:
            what += f" ({self.kind})"
        return f"{what} for {self.customer}"


@dataclass(frozen=True, slots=True)
class PolicyTest:
    """One policy test file: its ledger, its dates and what it expects."""

    name: str
    file: str
    source: Source
    dates: tuple[date, ...]
    ledger: LedgerSnapshot
    expect: tuple[Expectation, ...] = ()
    absent: tuple[Expectation, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Failure:
    """An expectation that did not hold on one date, with what the list held for that customer."""

    expectation: Expectation
    day: date
    absent: bool  # True: the expectation is in `absent` and something matched it
    actions: tuple[Action, ...]  # the customer's actions on the day
    suppressions: tuple[Suppression, ...]  # the customer's held-back items on the day
    matched: tuple[Action | Suppression, ...] = ()  # for `absent`: what must not be there


@dataclass(frozen=True, slots=True)
class PolicyTestResult:
    """The outcome of one policy test."""

    test: PolicyTest
    failures: tuple[Failure, ...]
    checks: int  # expectations times dates

    @property
    def passed(self) -> bool:
        """Return whether every expectation held on every date."""
        return not self.failures


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
        settings={
            name: str(data[name]) for name in SETTING_FIELDS if data.get(name) is not None
        },
    )


def _expectation_problems(
    doc: YamlDocument, path: DocPath, data: Mapping[str, Any]
) -> list[Problem]:
    if data.get("suppressed") is not True:
        return []
    extra = [name for name in ("kind", *_AMOUNT_FIELDS, "currency") if name in data]
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


# -- matching ----------------------------------------------------------------------------------


def currencies(action: Action) -> tuple[str, ...]:
    """Return the currencies an action is in (its invoices and its charges), sorted."""
    return tuple(sorted(set(action.totals) | {c.currency for c in action.charges}))


def searchable(action: Action) -> list[str]:
    """Return the texts ``reason`` is looked for in: reasons, their facts, the action's settings."""
    texts = [reason.text for reason in action.reasons]
    texts += [f"{key}: {value}" for reason in action.reasons for key, value in reason.facts.items()]
    settings = {
        "ladder": action.ladder,
        "template": action.template,
        "tone": action.tone,
        "language": action.language,
        "owner": action.owner,
        "assign": action.assign,
        "escalate_to": action.escalate_to,
    }
    texts += [f"{key}: {value}" for key, value in settings.items() if value]
    return texts


def _found(needle: str, texts: Iterable[str]) -> bool:
    wanted = needle.casefold()
    return any(wanted in text.casefold() for text in texts)


def action_differences(expectation: Expectation, action: Action) -> tuple[str, ...]:
    """Return the fields of ``expectation`` that ``action`` does not meet (empty: it matches)."""
    if expectation.suppressed or action.customer_id != expectation.customer:
        return ("customer",)
    out: list[str] = []
    if expectation.step is not None and action.step != expectation.step:
        out.append("step")
    if expectation.kind is not None and action.kind != expectation.kind:
        out.append("kind")
    if expectation.invoices is not None and frozenset(action.invoice_ids) != expectation.invoices:
        out.append("invoices")
    amounts = [name for name in _AMOUNT_FIELDS if getattr(expectation, name) is not None]
    if expectation.currency is not None or amounts:
        currency = expectation_currency(expectation, action)
        if currency is None or (
            expectation.currency is not None and currency not in currencies(action)
        ):
            out.append("currency")
        else:
            measured = {
                "fee": action.fees().get(currency, ZERO),
                "interest": action.interest().get(currency, ZERO),
                "total": amounts_due(action).get(currency, ZERO),
            }
            out += [name for name in amounts if measured[name] != getattr(expectation, name)]
    if expectation.reason is not None and not _found(expectation.reason, searchable(action)):
        out.append("reason")
    out += [
        name for name, wanted in expectation.settings.items() if _setting(action, name) != wanted
    ]
    return tuple(out)


def _setting(action: Action, name: str) -> str:
    value = {"ladder": action.ladder, "template": action.template, "tone": action.tone,
             "language": action.language, "owner": action.owner, "assign": action.assign}[name]
    return value or "-"


def expectation_currency(expectation: Expectation, action: Action) -> str | None:
    """Return the currency to compare amounts in: the one given, else the action's only one."""
    if expectation.currency is not None:
        return expectation.currency
    found = currencies(action)
    return found[0] if len(found) == 1 else None


def suppression_differences(expectation: Expectation, item: Suppression) -> tuple[str, ...]:
    """Return the fields of a ``suppressed`` expectation that ``item`` does not meet."""
    if not expectation.suppressed or item.customer_id != expectation.customer:
        return ("customer",)
    out: list[str] = []
    if expectation.step is not None and item.step != expectation.step:
        out.append("step")
    if expectation.invoices is not None and frozenset(item.invoice_ids) != expectation.invoices:
        out.append("invoices")
    if expectation.reason is not None and not _found(expectation.reason, (item.text, item.code)):
        out.append("reason")
    return tuple(out)


def matches(expectation: Expectation, evaluation: Evaluation) -> tuple[Action | Suppression, ...]:
    """Return the actions (or held-back items, for ``suppressed``) that meet ``expectation``."""
    if expectation.suppressed:
        return tuple(
            s for s in evaluation.suppressions if not suppression_differences(expectation, s)
        )
    return tuple(a for a in evaluation.actions if not action_differences(expectation, a))


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


# -- the side-by-side diff ---------------------------------------------------------------------

_LABEL = 10
_COLUMN = 40
_ANY = "(any)"


def _money_cell(value: Decimal | None, currency: str | None) -> str:
    if value is None:
        return _ANY
    return format_money(value, currency) if currency else f"{value}"


def _expected_rows(expectation: Expectation, currency: str | None) -> dict[str, str]:
    shown = expectation.currency or currency
    rows = {
        "customer": expectation.customer,
        "step": expectation.step or _ANY,
        "kind": expectation.kind or _ANY,
        "invoices": ", ".join(sorted(expectation.invoices))
        if expectation.invoices is not None
        else _ANY,
    }
    if expectation.suppressed:
        rows["held back"] = "yes"
    else:
        rows["currency"] = expectation.currency or _ANY
        rows["fee"] = _money_cell(expectation.fee, shown)
        rows["interest"] = _money_cell(expectation.interest, shown)
        rows["total"] = _money_cell(expectation.total, shown)
    rows["reason"] = f"contains '{expectation.reason}'" if expectation.reason else _ANY
    rows.update(expectation.settings)
    return rows


def _action_rows(action: Action, expectation: Expectation) -> dict[str, str]:
    currency = expectation_currency(expectation, action)
    shown = [currency] if currency else list(currencies(action))
    fees, interest, due = action.fees(), action.interest(), amounts_due(action)
    rows = {
        "customer": action.customer_id,
        "step": action.step + (f" (repeat {action.occurrence})" if action.occurrence else ""),
        "kind": action.kind,
        "invoices": ", ".join(sorted(action.invoice_ids)) or "-",
        "currency": ", ".join(currencies(action)) or "-",
        "fee": ", ".join(format_money(fees.get(c, ZERO), c) for c in shown) or "-",
        "interest": ", ".join(format_money(interest.get(c, ZERO), c) for c in shown) or "-",
        "total": ", ".join(format_money(due.get(c, ZERO), c) for c in shown) or "-",
        "reason": " / ".join(r.text for r in action.reasons) or "-",
    }
    rows.update({name: _setting(action, name) for name in expectation.settings})
    rows["settings"] = (
        f"ladder {action.ladder}, template {action.template or '-'}, tone {action.tone}, "
        f"language {action.language}" + (f", owner {action.owner}" if action.owner else "")
    )
    return rows


def _suppression_rows(item: Suppression) -> dict[str, str]:
    return {
        "customer": item.customer_id,
        "step": item.step or "-",
        "kind": "-",
        "invoices": ", ".join(sorted(item.invoice_ids)) or "-",
        "held back": f"yes ({item.code})",
        "reason": item.text,
    }


def side_by_side(
    expected: Mapping[str, str], actual: Mapping[str, str], differs: Iterable[str], title: str
) -> list[str]:
    """Return two columns, expected | actual, one field a row, ``≠`` before the rows that differ."""
    marked = set(differs)
    lines = [
        f"    {'':<{_LABEL}}   {'expected':<{_COLUMN}} | {title}",
        f"    {'-' * _LABEL}   {'-' * _COLUMN}-+-{'-' * _COLUMN}",
    ]
    for name in dict.fromkeys([*expected, *actual]):
        left = textwrap.wrap(expected.get(name, ""), _COLUMN, break_on_hyphens=False) or [""]
        right = textwrap.wrap(actual.get(name, ""), _COLUMN, break_on_hyphens=False) or [""]
        mark = "≠" if name in marked else " "
        for index in range(max(len(left), len(right))):
            label = name if index == 0 else ""
            cell_left = left[index] if index < len(left) else ""
            cell_right = right[index] if index < len(right) else ""
            flag = mark if index == 0 else " "
            row = f"    {label:<{_LABEL}} {flag} {cell_left:<{_COLUMN}} | {cell_right}"
            lines.append(row.rstrip())
    return lines


def _closest(expectation: Expectation, actions: Sequence[Action]) -> Action | None:
    if not actions:
        return None
    return min(actions, key=lambda a: len(action_differences(expectation, a)))


def _closest_held(expectation: Expectation, items: Sequence[Suppression]) -> Suppression | None:
    if not items:
        return None
    return min(items, key=lambda s: len(suppression_differences(expectation, s)))


def _brief(action: Action) -> str:
    return f"{action.step} ({action.kind}) {', '.join(action.invoice_ids)}"


def failure_lines(failure: Failure) -> list[str]:
    """Return a failure as text: where the expectation is, then expected and actual side by side."""
    exp = failure.expectation
    day = failure.day.isoformat()
    lines: list[str] = []
    if failure.absent:
        if exp.suppressed:
            step = f" at step {exp.step}" if exp.step else ""
            said = f"{exp.customer} must not be held back{step}, but it is:"
        else:
            said = f"{exp.describe()} must not be on the list, but it is:"
        lines.append(f"  {exp.source}: on {day}, {said}")
        for item in failure.matched:
            expected = _expected_rows(exp, None)
            if isinstance(item, Action):
                lines += side_by_side(expected, _action_rows(item, exp), (), "actual")
            else:
                lines += side_by_side(expected, _suppression_rows(item), (), "actual")
        return lines
    if exp.suppressed:
        step = f" at step {exp.step}" if exp.step else ""
        lines.append(f"  {exp.source}: on {day}, expected {exp.customer} to be held back{step}")
        held = _closest_held(exp, failure.suppressions)
        if held is not None:
            lines += side_by_side(
                _expected_rows(exp, None),
                _suppression_rows(held),
                suppression_differences(exp, held),
                f"actual: held back ({len(failure.suppressions)} for {exp.customer})",
            )
        else:
            lines.append(f"    {exp.customer} is not held back on {day}.")
        for action in failure.actions:
            lines.append(f"    on the list for {exp.customer}: {_brief(action)}")
        return lines
    lines.append(f"  {exp.source}: on {day}, expected {exp.describe()}, which is not on the list")
    closest = _closest(exp, failure.actions)
    if closest is None:
        lines += side_by_side(
            _expected_rows(exp, None),
            {"customer": f"(nothing for {exp.customer} on the list)"},
            ("customer",),
            "actual",
        )
    else:
        others = len(failure.actions)
        title = "actual" if others == 1 else f"actual (closest of {others} for {exp.customer})"
        lines += side_by_side(
            _expected_rows(exp, expectation_currency(exp, closest)),
            _action_rows(closest, exp),
            action_differences(exp, closest),
            title,
        )
        for action in failure.actions:
            if action is not closest:
                lines.append(f"    also on the list for {exp.customer}: {_brief(action)}")
    for item in failure.suppressions:
        step = f" ({item.step})" if item.step else ""
        lines.append(f"    held back{step}: {item.text}")
    return lines


# -- reporters ---------------------------------------------------------------------------------


def summary(results: Sequence[PolicyTestResult]) -> str:
    """Return the last line of a run: ``12 passed`` or ``1 failed, 11 passed``."""
    failed = sum(1 for r in results if not r.passed)
    passed = len(results) - failed
    parts = ([f"{failed} failed"] if failed else []) + [f"{passed} passed"]
    return ", ".join(parts) + f" ({len(results)} policy test{'s' if len(results) != 1 else ''})"


def failure_text(result: PolicyTestResult) -> str:
    """Return every failure of a test as text."""
    lines: list[str] = []
    for failure in result.failures:
        lines += failure_lines(failure)
    return "\n".join(lines)


def report_text(results: Sequence[PolicyTestResult]) -> str:
    """Return one line per test, then each failure with its side-by-side diff, then a summary."""
    lines = [f"{'ok    ' if r.passed else 'FAILED'} {r.test.file}: {r.test.name}" for r in results]
    for result in results:
        if not result.passed:
            lines += ["", f"FAILED {result.test.file}: {result.test.name}", failure_text(result)]
    lines += ["", summary(results)]
    return "\n".join(lines) + "\n"


def report_junit(results: Sequence[PolicyTestResult]) -> str:
    """Return the results as JUnit XML (one testcase per policy test) for CI test reports."""
    failed = sum(1 for r in results if not r.passed)
    counts = {"tests": str(len(results)), "failures": str(failed), "errors": "0", "skipped": "0"}
    root = ET.Element("testsuites", {"name": "dunning policy tests", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "policies/tests", **counts})
    for result in results:
        test = result.test
        classname = test.file.removesuffix(".yaml").removesuffix(".yml").replace("/", ".")
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": classname,
                "name": test.name,
                "file": test.file,
                "line": str(test.source.line),
            },
        )
        if result.failures:
            first = result.failures[0]
            message = (
                f"{len(result.failures)} expectation(s) failed; first: {first.expectation.source}"
                f" on {first.day.isoformat()}: {first.expectation.describe()}"
            )
            failure = ET.SubElement(
                case, "failure", {"message": message, "type": "PolicyTestFailure"}
            )
            failure.text = failure_text(result)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


Reporter = Callable[[Sequence[PolicyTestResult]], str]

REPORTERS: dict[str, Reporter] = {"text": report_text, "junit": report_junit}
