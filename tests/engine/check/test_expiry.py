"""Steps that expire (engine/check/expiry.py): P079 (a warning) and P085.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.check.expiry import can_go_out_after_due, shortest_period
from engine.model.policy import Offset, Step, Term
from tests.engine.policy_tree import (
    STANDARD,
    STRATEGIC,
    TERMS,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

COURTESY = "policies/templates/courtesy.yaml"
FALLS_DUE = """apiVersion: dunning/v1
kind: Template
name: courtesy
variants:
  - tone: standard
    language: en
    subject: "Invoice {invoice_numbers}"
    body: "Dear {customer_name}, invoice {invoice_numbers} falls due on {oldest_due_date}."
"""
COURTESY_STEP = "{id: courtesy, at: due-3d, channel: email, template: reminder}"
REMINDER_STEP = "{id: first-reminder, at: due+1bd, channel: email, template: reminder}"
NUDGE_STEP = "{id: discount-nudge, at: discount-2d, channel: email, template: reminder}"
ADVICE = ": set `after_due: skip` on the step, or word the message for an invoice already due"
CASES: list[Case] = [
    (
        "P079 not raised for a step dated before the due date",
        {COURTESY: FALLS_DUE,
         STANDARD: (COURTESY_STEP, COURTESY_STEP.replace("reminder}", "courtesy}"))},
        [],
    ),
    (
        "P079 a step before the due date told to go out after it",
        {COURTESY: FALLS_DUE,
         STANDARD: (COURTESY_STEP,
                    COURTESY_STEP.replace("reminder}", "courtesy, after_due: send}"))},
        [(STANDARD, 7, 58, "P079",
          "template 'courtesy' says \"falls due\", a due date still to come, but step 'courtesy' "
          "(due-3d) can go out after the due date (after_due: send)" + ADVICE)],
    ),
    (
        "P079 a step dated after the due date",
        {COURTESY: FALLS_DUE,
         STANDARD: (REMINDER_STEP, REMINDER_STEP.replace("reminder}", "courtesy}"))},
        [(STANDARD, 8, 65, "P079",
          "template 'courtesy' says \"falls due\", a due date still to come, but step "
          "'first-reminder' (due+1bd) goes out after the due date" + ADVICE)],
    ),
    (
        "P079 German words of a due date to come",
        {COURTESY: FALLS_DUE.replace(
            "Dear {customer_name}, invoice {invoice_numbers} falls due on {oldest_due_date}.",
            "Die Rechnung {invoice_numbers} wird am {oldest_due_date} fällig."),
         STANDARD: (REMINDER_STEP, REMINDER_STEP.replace("reminder}", "courtesy}"))},
        [(STANDARD, 8, 65, "P079",
          "template 'courtesy' says \"wird am {oldest_due_date} fällig\", a due date still to "
          "come, but step 'first-reminder' (due+1bd) goes out after the due date" + ADVICE)],
    ),
    (
        "P079 not raised for words of a due date passed",
        {COURTESY: FALLS_DUE.replace("falls due on", "was due on"),
         STANDARD: (REMINDER_STEP, REMINDER_STEP.replace("reminder}", "courtesy}"))},
        [],
    ),
    (
        "P079 an invoice+Nd step that due-on-receipt terms put after the due date",
        {COURTESY: FALLS_DUE,
         TERMS: ("net30: {net_days: 30}", "net30: {net_days: 30}\n  on-receipt: {net_days: 0}"),
         STANDARD: (NUDGE_STEP, NUDGE_STEP.replace("discount-2d", "invoice+2d")
                    .replace("reminder}", "courtesy}"))},
        [(STANDARD, 6, 68, "P079",
          "template 'courtesy' says \"falls due\", a due date still to come, but step "
          "'discount-nudge' (invoice+2d) goes out after the due date on the policy's terms of "
          "0 days" + ADVICE)],
    ),
    (
        "P079 not raised for an invoice+Nd step before the shortest terms",
        {COURTESY: FALLS_DUE,
         STANDARD: (NUDGE_STEP, NUDGE_STEP.replace("discount-2d", "invoice+2d")
                    .replace("reminder}", "courtesy}"))},
        [],
    ),
    (
        "P085 after_due: skip on a step dated after the due date",
        {STRATEGIC: ("at: due+7d, channel: email, template: reminder}",
                     "at: due+7d, channel: email, template: reminder, after_due: skip}")},
        [(STRATEGIC, 6, 85, "P085",
          "step 'first-reminder' (due+7d) falls on or after the due date, and `after_due: skip` "
          "stops it from going out then, so it is never sent: remove `after_due: skip`, or date "
          "the step before the due date")],
    ),
    (
        "P085 a repeating step that expires",
        {STRATEGIC: ("repeat: 14d}", "repeat: 14d, expires: 30d}")},
        [(STRATEGIC, 8, 98, "P085",
          "step 'final-reminder' (due+60d) repeats and expires: once expired it would never "
          "repeat again. Use `max_repeats` to end the repeats, or remove `expires`")],
    ),
    (
        "P085 not raised for a step before the due date that expires",
        {STANDARD: (COURTESY_STEP,
                    COURTESY_STEP.replace("reminder}", "reminder, expires: 1d, after_due: skip}"))},
        [],
    ),
]  # fmt: skip


@each_case(CASES)
def test_expiry_check_reports_the_exact_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Each broken rule gives exactly its problem, at the file, line and column to fix."""
    assert_case(tmp_path / "repo", monkeypatch, changes, expected)


@pytest.mark.parametrize(
    ("term", "days"),
    [
        (Term("net30", net_days=30), 30),
        (Term("on-receipt", net_days=0), 0),
        (Term("10th-prox", day_of_next_month=10), 10),
        (Term("60-eom", net_months=2, from_end_of_month=True), 56),
        (Term("30-eom-10th", net_days=30, then_end_of_month=True, then_days=10), 40),
    ],
    ids=["net", "on-receipt", "prox", "months", "then-end-of-month"],
)
def test_shortest_period_is_a_lower_bound_of_the_days_to_due(term: Term, days: int) -> None:
    """The fewest days from the invoice date to the due date: 10th prox from the 31st is 10."""
    assert shortest_period(term) == days


@pytest.mark.parametrize(
    ("at", "after_due", "expected"),
    [
        ("due-3d", None, False),
        ("due+0d", None, True),
        ("previous+10d", None, True),
        ("invoice+2d", None, True),  # on-receipt terms: 0 days to due
        ("discount-2d", None, False),
        ("due-3d", "send", True),
        ("due+1bd", "skip", False),
    ],
)
def test_a_step_can_go_out_after_due(at: str, after_due: str | None, expected: bool) -> None:
    """Rule "expiry": a step dated on or after the due date, or told to, can go out after it."""
    offset = Offset.parse(at)
    assert offset is not None
    step = Step("s", offset, channel="email", template="t", after_due=after_due)
    assert can_go_out_after_due(step, (0, 20)) is expected
