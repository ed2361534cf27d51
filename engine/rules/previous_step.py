"""Rule "previous step": a step counted from the step before it, on the day that one was sent.

A step written ``previous+10d`` falls due ten days after the last day the step before it in the
ladder (the nearest one the customer file does not skip) was ``done`` or ``sent`` for that
invoice: "ten days after the last reminder", as OCA's credit control levels count in "Previous
Reminder" mode. A step skipped, superseded or failed was not sent and does not count: until the
step before it is sent, a ``previous`` step has no date and is not reached. The rules, with their
names, are in docs/rules/ladder.md.

Step dates are otherwise shared by every invoice with the same terms and dates
(``engine.rules.step_dates``); these depend on the invoice's own log, so they are added per
invoice, and only for ladders that have such steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from engine.model.ledger import ActionRecord, ActionStatus
from engine.model.policy import Ladder
from engine.rules.calendar import BusinessCalendar
from engine.rules.step_dates import DayDates, last_day, reached_on

# A step actually sent: done (a person or the sender worked it) or sent (its message went out).
_SENT = (ActionStatus.DONE, ActionStatus.SENT)


class PreviousStep(NamedTuple):
    """How to date one ``previous`` step: its position, business days, then calendar days to add."""

    position: int  # the step's index in the ladder
    after: int  # the index of the step it counts from: the nearest one before it not skipped
    business_days: int  # the offset in business days (0: a calendar-day step)
    days: int  # calendar days: the offset of a calendar-day step, plus the customer's delay
    expires: int | None = None  # the step's ``expires`` days (rule "expiry")
    after_due: str | None = None  # the step's ``after_due``


def previous_steps(
    ladder: Ladder, delay: Mapping[str, int] | None, skip: frozenset[str]
) -> tuple[PreviousStep, ...]:
    """Return the ladder's ``previous`` steps under the customer's ``delay`` and ``skip``."""
    found = []
    after = -1
    for index, step in enumerate(ladder.steps):
        at = step.at
        if at.anchor == "previous" and after >= 0 and step.id not in skip:
            extra = delay.get(step.id, 0) if delay else 0
            window = (step.expires_days, step.after_due)
            if at.business:
                found.append(PreviousStep(index, after, at.days, extra, *window))
            else:
                found.append(PreviousStep(index, after, 0, at.days + extra, *window))
        if step.id not in skip:
            after = index
    return tuple(found)


def sent_dates(
    history: Iterable[ActionRecord], positions: Mapping[str, int]
) -> dict[str, dict[int, date]]:
    """Return per invoice, per step of the ladder (by index), the last day it was sent."""
    out: dict[str, dict[int, date]] = {}
    for record in history:
        if record.status not in _SENT:
            continue
        index = positions.get(record.step)
        if index is None:
            continue
        for invoice_id in record.invoice_ids:
            per_step = out.setdefault(invoice_id, {})
            last = per_step.get(index)
            if last is None or record.date > last:
                per_step[index] = record.date
    return out


def with_previous_steps(
    day: DayDates,
    sent: Mapping[int, date],
    steps: tuple[PreviousStep, ...],
    calendar: BusinessCalendar,
    as_of: date,
) -> DayDates:
    """Return ``day`` with each ``previous`` step dated from the day the step it counts from was
    last ``sent``, and the steps reached on ``as_of`` worked out again."""
    dates = list(day.dates.steps)
    anchors = list(day.dates.anchors)
    last = list(day.dates.last)
    due = day.dates.due
    changed = False
    for step in steps:
        base = sent.get(step.after)
        if base is None:
            continue
        when = calendar.add_business_days(base, step.business_days) if step.business_days else base
        dated = dates[step.position] = when + timedelta(days=step.days)
        anchors[step.position] = base
        last[step.position] = last_day(step.expires, step.after_due, dated, due)
        changed = True
    if not changed:
        return day
    return DayDates(
        day.dates._replace(steps=tuple(dates), anchors=tuple(anchors), last=tuple(last)),
        reached_on(tuple(dates), tuple(last), as_of),
        day.days_overdue,
    )
