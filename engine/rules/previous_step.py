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
from engine.rules.step_dates import DayDates

# A step actually sent: done (a person or the sender worked it) or sent (its message went out).
_SENT = (ActionStatus.DONE, ActionStatus.SENT)


class PreviousStep(NamedTuple):
    """How to date one ``previous`` step: its position, business days, then calendar days to add."""

    position: int  # the step's index in the ladder
    after: int  # the index of the step it counts from: the nearest one before it not skipped
    business_days: int  # the offset in business days (0: a calendar-day step)
    days: int  # calendar days: the offset of a calendar-day step, plus the customer's delay


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
            if at.business:
                found.append(PreviousStep(index, after, at.days, extra))
            else:
                found.append(PreviousStep(index, after, 0, at.days + extra))
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
    changed = False
    for step in steps:
        base = sent.get(step.after)
        if base is None:
            continue
        when = calendar.add_business_days(base, step.business_days) if step.business_days else base
        dates[step.position] = when + timedelta(days=step.days)
        anchors[step.position] = base
        changed = True
    if not changed:
        return day
    reached = tuple(i for i in range(len(dates) - 1, -1, -1) if (d := dates[i]) and d <= as_of)
    return DayDates(
        day.dates._replace(steps=tuple(dates), anchors=tuple(anchors)),
        reached,
        day.days_overdue,
    )
