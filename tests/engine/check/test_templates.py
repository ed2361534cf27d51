"""Templates (engine/check/templates.py): P035-P038, P083.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.model.policy import PLACEHOLDERS
from tests.engine.policy_tree import (
    FIXTURE,
    STANDARD,
    TEMPLATE,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

CASES: list[Case] = [
    (
        "P035 unknown placeholder",
        {TEMPLATE: ("{total_due} is due", "{total_du} is due")},
        [(TEMPLATE, 9, 11, "P035",
          "template 'reminder' (standard, en) body: unknown placeholder {total_du}; the "
          "placeholders are customer_name, customer_id, invoice_numbers, invoice_table, "
          "total_overdue, oldest_due_date, days_overdue, fee_amount, interest_amount, "
          "total_due, company_name, step_name, discount_deadline, discount_amount, "
          "payment_options, payment_link, payment_reference, portal_link; did you mean "
          "{total_due}?")],
    ),
    (
        "P035 positional and attribute placeholders",
        {TEMPLATE: ("{total_due} is due", "{} and {customer_name.upper} is due")},
        [
            (TEMPLATE, 9, 11, "P035",
             "template 'reminder' (standard, en) body: '{customer_name.upper}' is not a plain "
             "placeholder; write only a name such as {customer_name}"),
            (TEMPLATE, 9, 11, "P035",
             "template 'reminder' (standard, en) body: '{}' has no name; write a placeholder "
             "such as {customer_name}, or {{ and }} for literal braces"),
        ],
    ),
    (
        "P036 unclosed brace",
        {TEMPLATE: ('subject: "Invoice {invoice_numbers}"', 'subject: "Invoice {invoice_numbers"')},
        [(TEMPLATE, 8, 14, "P036",
          "template 'reminder' (standard, en) subject: the braces do not match (expected '}' "
          "before end of string); placeholders are written {customer_name}, a literal brace "
          "{{ or }}")],
    ),
    (
        "P037 no standard variant in the policy language",
        {TEMPLATE: ("  - tone: standard\n", "  - tone: sympathetic\n")},
        [(TEMPLATE, 6, 3, "P037",
          "template 'reminder' (used by step 'discount-nudge' of ladder 'standard') has no "
          "variant with tone: standard and language: en, the policy language: customers whose "
          "tone or language has no variant would get no message; add that variant")],
    ),
    (
        "P038 two variants for one tone and language",
        {TEMPLATE: ("  - tone: firm\n", "  - tone: standard\n")},
        [(TEMPLATE, 10, 5, "P038",
          "template 'reminder' has two variants with tone: standard and language: en (the "
          "first on line 6): keep one")],
    ),
    (
        "P083 a step's tone its template has no variant in",
        {STANDARD: ("template: reminder, fee: reminder-fee}",
                    "template: reminder, fee: reminder-fee, tone: sympathetic}")},
        [(STANDARD, 9, 101, "P083",
          "step 'second-reminder' of ladder 'standard' sends template 'reminder' in the "
          "sympathetic tone, but that template has no sympathetic variant (it has firm, "
          "standard): add a variant with tone: sympathetic to the template, or remove the "
          "step's tone")],
    ),
    (
        "P083 not for a tone the template has",
        {STANDARD: ("template: reminder, fee: reminder-fee}",
                    "template: reminder, fee: reminder-fee, tone: firm}")},
        [],
    ),
]  # fmt: skip


@each_case(CASES)
def test_semantic_check_reports_the_exact_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Each broken rule gives exactly its problem, at the file, line and column to fix."""
    assert_case(tmp_path / "repo", monkeypatch, changes, expected)


def test_placeholders_are_the_documented_ones() -> None:
    """The placeholders checked (the renderer's) are those docs/policy-format.md lists."""
    docs = (FIXTURE.parents[2] / "docs" / "policy-format.md").read_text(encoding="utf-8")
    section = docs.split("Placeholders (", 1)[1].split("Fallback", 1)[0]
    listed = re.findall(r"`([a-z_]+)`", section)
    assert listed == list(PLACEHOLDERS)
