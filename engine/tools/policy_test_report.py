"""What `dunning test` prints: each failure with the expected and the actual action side by side,
and the summary, as text or JUnit XML for CI."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from engine.model.actions import Action, Suppression
from engine.model.money import ZERO, format_money
from engine.model.policy_test import Expectation, Failure, PolicyTestResult
from engine.rules.payment import amounts_due
from engine.tools.policy_test_match import (
    action_differences,
    currencies,
    expectation_currency,
    setting,
    suppression_differences,
)

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
    rows.update({name: setting(action, name) for name in expectation.settings})
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
