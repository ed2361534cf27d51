"""Rule "expiry" (docs/rules/ladder.md): a step meant for a moment is not sent weeks late.

Worked examples after Odoo's follow-up levels and ERPNext's dunning types, which count each level
from the due date and send a reminder only once its level is reached: a note meant for before the
due date (Odoo's pre-due "reminder" level, a negative delay) has nothing to say once the invoice
is overdue. The standard ladder of ``make_policy()`` has a courtesy note at due-3d; INV-1 (issued
1 Sep 2026, net 30) falls due on Thu 1 Oct 2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from engine.rules.step_dates import last_day
from tests.engine.builders import (
    INV_1,
    STANDARD_STEPS,
    account,
    d,
    done,
    invoice,
    ladder,
    make_policy,
    run,
    step,
)

# The example: the first reminder moved from due+1d to due+10d.
LATE_REMINDER = ladder(
    "standard",
    [
        step("delivery-check", "invoice+2d", expires_days=7),
        step("courtesy", "due-3d"),
        step("first-reminder", "due+10d"),
        *STANDARD_STEPS[2:],
    ],
)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("2026-09-03", ["delivery-check"]),  # invoice+2d
        ("2026-09-10", ["delivery-check"]),  # seven days late: still sent
        ("2026-09-11", []),  # eight days late: expired
        ("2026-09-28", ["courtesy"]),  # due-3d
        ("2026-09-30", ["courtesy"]),  # the day before the due date: still sent
        ("2026-10-01", []),  # on the due date: a pre-due step is not sent
        ("2026-10-09", []),  # eight days overdue: no courtesy note, no reminder yet
        ("2026-10-11", ["first-reminder"]),
    ],
)
def test_a_step_is_not_sent_after_it_expires(on: str, expected: list[str]) -> None:
    """Rule "expiry": the delivery check (``expires: 7d``) goes out up to 7 days after its date;
    the courtesy note (due-3d) up to the day before the due date, never eight days overdue when
    the first reminder moves to due+10d (the issue's example)."""
    evaluation = run(make_policy(ladders=[LATE_REMINDER]), account("C1", INV_1), on=on)
    assert [a.step for a in evaluation.actions] == expected
    assert not evaluation.superseded  # an expired step was never due that day: not superseded


def test_after_due_send_keeps_the_old_behaviour() -> None:
    """Rule "expiry": ``after_due: send`` lets a step dated before the due date go out after it
    (a late import then gets the courtesy note, as before)."""
    steps = [replace(s, after_due="send") if s.id == "courtesy" else s for s in STANDARD_STEPS]
    policy = make_policy(ladders=[ladder("standard", steps)])
    evaluation = run(policy, account("C1", INV_1), on="2026-10-01")
    assert [a.step for a in evaluation.actions] == ["courtesy"]


def test_after_due_skip_drops_a_step_dated_after_due() -> None:
    """Rule "expiry": on due-on-receipt terms a delivery check at invoice+2d falls after the due
    date; with ``after_due: skip`` it is not sent (its message speaks of the due date to come)."""
    check = step("delivery-check", "invoice+2d", after_due="skip")
    policy = make_policy(ladders=[ladder("standard", [check, *STANDARD_STEPS])])
    on_receipt = invoice("INV-1", "2026-09-01", "1200.00", due="2026-09-01")
    sent = run(policy, account("C1", on_receipt), on="2026-09-03").actions
    assert [a.step for a in sent] == ["first-reminder"]  # due+1d: the reminder, not the check
    net30 = invoice("INV-2", "2026-09-01", "1200.00")
    assert [a.step for a in run(policy, account("C1", net30), on="2026-09-03").actions] == [
        "delivery-check"
    ]


def test_an_expired_step_lets_the_ladder_go_on() -> None:
    """Rule "expiry": once the courtesy note is done, the next step comes as usual; a step that
    expired unsent is not in the history and does not hold the next one back."""
    history = [done("courtesy", ["INV-1"], "2026-09-28")]
    evaluation = run(make_policy(), account("C1", INV_1, history=history), on="2026-10-02")
    assert [a.step for a in evaluation.actions] == ["first-reminder"]


@pytest.mark.parametrize(
    ("expires", "after_due", "when", "expected"),
    [
        (None, None, "2026-09-28", "2026-09-30"),  # before due: up to the day before
        (None, None, "2026-10-02", None),  # after due: no limit
        (7, None, "2026-09-03", "2026-09-10"),
        (40, None, "2026-09-03", "2026-09-30"),  # the due date comes first
        (None, "send", "2026-09-28", None),
        (3, "send", "2026-09-28", "2026-10-01"),
        (None, "skip", "2026-10-02", "2026-09-30"),  # before its own date: never sent
    ],
)
def test_last_day_a_step_may_be_sent(
    expires: int | None, after_due: str | None, when: str, expected: str | None
) -> None:
    """Rule "expiry": the earlier of ``expires`` days after the step's date and, for a step
    dated before the due date (or ``after_due: skip``), the day before the due date."""
    due = date(2026, 10, 1)
    assert last_day(expires, after_due, d(when), due) == (d(expected) if expected else None)
