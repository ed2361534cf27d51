"""Plain reference versions of the ladder rules, for tests only.

The engine computes step dates, the steps reached and what the action log leaves pending the fast
way (``StepDates``, ``engine.rules.history.pending_steps``): worked out once per shared key, the
log read once per customer. The functions here state the same rules the plain way, invoice by
invoice, as docs/rules/ladder.md words them; the tests hold the fast forms to them. Nothing in
``engine/`` calls them.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import date, timedelta

from engine.model.ledger import ActionRecord
from engine.model.policy import Ladder, Step, Term
from engine.rules.calendar import BusinessCalendar
from engine.rules.history import InvoiceHistory, Pending, invoice_history, pending_from
from engine.rules.step_dates import DayDates, InvoiceDates
from engine.rules.terms import term_dates


def step_date(step: Step, anchor: date | None, calendar: BusinessCalendar) -> date | None:
    """Return the date of ``step`` counted from ``anchor`` (None when the step has no anchor)."""
    if anchor is None:
        return None
    if step.at.business:
        return calendar.add_business_days(anchor, step.at.days)
    return anchor + timedelta(days=step.at.days)


def invoice_dates(  # noqa: PLR0917 - the inputs of the rule, in the order it reads
    ladder: Ladder,
    term: Term,
    issued: date,
    due: date | None,
    calendar: BusinessCalendar,
    roll: str,
    delay: Mapping[str, int] | None = None,
) -> InvoiceDates:
    """Return the due date and step dates of an invoice (rule "step dates").

    The due date is ``due`` when the invoice states one, else the terms' due date. A step's date is
    its anchor (``invoice``: the issue date, ``discount``: the discount deadline, ``due``: the due
    date) plus its offset in calendar days, or in business days for ``bd``, plus the customer's
    ``delay`` for that step in calendar days.
    """
    terms = term_dates(term, issued, calendar, roll)
    due_date = due if due is not None else terms.due
    unrolled = due if due is not None else terms.unrolled_due
    by_anchor = {"invoice": issued, "discount": terms.discount_deadline, "due": due_date}
    anchors = tuple(by_anchor[step.at.anchor] for step in ladder.steps)
    dates = []
    for step, anchor in zip(ladder.steps, anchors, strict=True):
        when = step_date(step, anchor, calendar)
        extra = delay.get(step.id, 0) if delay else 0
        dates.append(when + timedelta(days=extra) if when is not None and extra else when)
    last = tuple(
        last_send_day(step, when, due_date) for step, when in zip(ladder.steps, dates, strict=True)
    )
    return InvoiceDates(due_date, terms.discount_deadline, unrolled, tuple(dates), anchors, last)


def last_send_day(step: Step, when: date | None, due: date) -> date | None:
    """Return the last day ``step``, dated ``when``, may be sent for an invoice due on ``due``
    (rule "expiry"): the earlier of the day before the due date (for a step dated before it,
    or with ``after_due: skip``; never with ``after_due: send``) and ``expires`` days after
    its date."""
    if when is None:
        return None
    ends = []
    if step.expires_days is not None:
        ends.append(when + timedelta(days=step.expires_days))
    before_due = step.after_due == "skip" or (step.after_due is None and when < due)
    if before_due:
        ends.append(due - timedelta(days=1))
    return min(ends) if ends else None


def reached_steps(
    steps: tuple[date | None, ...], as_of: date, last: tuple[date | None, ...] | None = None
) -> tuple[int, ...]:
    """Return the indices of the steps dated on or before ``as_of`` and not past their last day
    (``last``, when given), highest rank first."""
    ends = last or (None,) * len(steps)
    return tuple(
        i
        for i in range(len(steps) - 1, -1, -1)
        if (d := steps[i]) and d <= as_of and ((end := ends[i]) is None or as_of <= end)
    )


def index_history(ladder: Ladder, records: Iterable[ActionRecord]) -> dict[str, InvoiceHistory]:
    """Return, per invoice id, what the action log says about its steps of ``ladder``."""
    positions = {step.id: i for i, step in enumerate(ladder.steps)}
    by_invoice: dict[str, list[ActionRecord]] = {}
    for record in records:
        for invoice_id in record.invoice_ids:
            by_invoice.setdefault(invoice_id, []).append(record)
    out: dict[str, InvoiceHistory] = {}
    for invoice_id, found in by_invoice.items():
        history = invoice_history(found, positions)
        if history is not None:
            out[invoice_id] = history
    return out


def pending_step(
    day: DayDates,
    ineligible: Container[int],
    history: InvoiceHistory | None,
    steps: tuple[Step, ...],
    as_of: date,
) -> Pending | None:
    """Return the step still to be done for an invoice on ``as_of``, or None (rules "step
    reached" and "history").

    The step reached is the highest-ranked eligible step dated on or before ``as_of``. It is
    pending unless the history already has it (or a higher step); a repeat step is pending again
    once ``repeat_days`` have passed since it was last done or skipped.
    """
    top = next((index for index in day.reached if index not in ineligible), None)
    if top is None:
        return None
    return pending_from(top, day, history, steps, as_of)
