"""Which ladder step an invoice has reached on a day, and whether it is still to be done.

Step dates depend only on the ladder, the terms, the issue date (and an explicit due date), so
they are worked out once per such combination and shared by every invoice that has it: a ledger
of a million invoices has a few thousand. The rules, with their names, are in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

from engine.model.ledger import ActionRecord, ActionStatus
from engine.model.policy import Ladder, Step, Term
from engine.rules.calendar import BusinessCalendar
from engine.rules.terms import TermDates, term_dates


class InvoiceDates(NamedTuple):
    """An invoice's due date, discount deadline and the date of each step of its ladder."""

    due: date
    discount_deadline: date | None
    unrolled_due: date
    # One date a step, in ladder order; None for a `discount` step on terms without a discount.
    steps: tuple[date | None, ...]
    # The anchor date each step counts from (None where the step does not apply).
    anchors: tuple[date | None, ...]


class DayDates(NamedTuple):
    """An invoice's dates seen from one day: the steps reached then and the days overdue."""

    dates: InvoiceDates
    reached: tuple[int, ...]  # indices of the steps dated on or before the day, highest first
    days_overdue: int  # negative before the due date


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
    return InvoiceDates(due_date, terms.discount_deadline, unrolled, tuple(dates), anchors)


def reached_steps(steps: tuple[date | None, ...], as_of: date) -> tuple[int, ...]:
    """Return the indices of the steps dated on or before ``as_of``, highest rank first."""
    return tuple(i for i in range(len(steps) - 1, -1, -1) if (d := steps[i]) and d <= as_of)


class StepDates:
    """Step dates per (ladder, terms, issue date, due date, delays), and per day what is reached.

    The daily run asks the same question for every invoice sharing an issue date and terms; the
    answer is kept, and the per-day part is dropped when the day changes.
    """

    __slots__ = (
        "_dates",
        "_day",
        "_issue_dates",
        "_plans",
        "_terms",
        "by_key",
        "calendar",
        "roll",
    )

    def __init__(self, calendar: BusinessCalendar, roll: str) -> None:
        self.calendar = calendar
        self.roll = roll
        self._dates: dict[tuple[object, ...], InvoiceDates] = {}
        self._day: date | None = None
        # Read directly by the evaluation's inner loop; filled by ``compute`` on a miss.
        self.by_key: dict[tuple[object, ...], DayDates] = {}
        self._issue_dates: dict[tuple[object, ...], dict[date, DayDates]] = {}
        # Per (ladder, delays): each step's anchor and offset, ready to add (see ``_plan``).
        self._plans: dict[tuple[object, ...], tuple[_StepPlan, ...]] = {}
        # Per (terms, issue date): the terms' dates (one policy's terms have unique names).
        self._terms: dict[tuple[str, date], TermDates] = {}

    def set_day(self, as_of: date) -> None:
        """Make ``by_key`` answer for ``as_of``."""
        if self._day != as_of:
            self._day = as_of
            self.by_key = {}
            self._issue_dates = {}

    def by_issue_date(
        self, ladder: str, term: str, delay: tuple[object, ...]
    ) -> dict[date, DayDates]:
        """Return the day's dates of invoices on ``term`` without an explicit due date, by issue
        date (the common case, looked up without building a key); filled by the caller."""
        key = (ladder, term, delay)
        found = self._issue_dates.get(key)
        if found is None:
            found = self._issue_dates[key] = {}
        return found

    def compute(  # noqa: PLR0917 - mirrors the key the inner loop builds
        self,
        key: tuple[object, ...],
        ladder: Ladder,
        term: Term,
        issued: date,
        due: date | None,
        delay: Mapping[str, int] | None,
    ) -> DayDates:
        """Return (and keep under ``key``) the dates of an invoice seen from the current day."""
        day = self._day
        if day is None:
            raise RuntimeError("StepDates.set_day() must be called before compute()")
        dates = self._dates.get(key)
        if dates is None:
            dates = self._invoice_dates(ladder, term, issued, due, delay)
            self._dates[key] = dates
        steps = dates.steps
        reached = tuple(i for i in range(len(steps) - 1, -1, -1) if (d := steps[i]) and d <= day)
        found = DayDates(dates, reached, (day - dates.due).days)
        self.by_key[key] = found
        return found

    def _invoice_dates(
        self,
        ladder: Ladder,
        term: Term,
        issued: date,
        due: date | None,
        delay: Mapping[str, int] | None,
    ) -> InvoiceDates:
        """Return ``invoice_dates(ladder, term, issued, due, calendar, roll, delay)``, faster.

        A ledger of a million invoices has tens of thousands of distinct issue and due dates:
        the offsets of the ladder and the terms' dates are worked out once, not per date.
        """
        tkey = (term.name, issued)
        terms = self._terms.get(tkey)
        if terms is None:
            terms = self._terms[tkey] = term_dates(term, issued, self.calendar, self.roll)
        delays = tuple(sorted(delay.items())) if delay else ()
        plan = self._plans.get((ladder.name, delays))
        if plan is None:
            plan = self._plans[(ladder.name, delays)] = _plan(ladder, delay)
        due_date = due if due is not None else terms.due
        by_anchor = (issued, terms.discount_deadline, due_date)
        add_business_days = self.calendar.add_business_days
        anchors: list[date | None] = []
        dates: list[date | None] = []
        for anchor_index, business, offset, extra in plan:
            anchor = by_anchor[anchor_index]
            anchors.append(anchor)
            if anchor is None:
                dates.append(None)
            elif business:
                when = add_business_days(anchor, business)
                dates.append(when + extra if extra else when)
            else:
                dates.append(anchor + offset)
        unrolled = due if due is not None else terms.unrolled_due
        return InvoiceDates(
            due_date, terms.discount_deadline, unrolled, tuple(dates), tuple(anchors)
        )


# A step's anchor (0: the issue date, 1: the discount deadline, 2: the due date), its offset in
# business days (0: calendar days), the calendar days to add (offset and delay together for a
# calendar-day step; the delay alone after business days).
_StepPlan = tuple[int, int, timedelta, timedelta]
_ANCHORS = {"invoice": 0, "discount": 1, "due": 2}


def _plan(ladder: Ladder, delay: Mapping[str, int] | None) -> tuple[_StepPlan, ...]:
    plan = []
    for step in ladder.steps:
        extra = delay.get(step.id, 0) if delay else 0
        at = step.at
        if at.business and at.days:
            plan.append((_ANCHORS[at.anchor], at.days, timedelta(), timedelta(days=extra)))
        else:
            # add_business_days(anchor, 0) is the anchor itself, closed or not.
            plan.append((_ANCHORS[at.anchor], 0, timedelta(days=at.days + extra), timedelta()))
    return tuple(plan)


class InvoiceHistory(NamedTuple):
    """What the action log says about one invoice's steps."""

    # step index -> (times done or skipped, last date done or skipped); a step recorded only as
    # superseded has (0, None).
    seen: Mapping[int, tuple[int, date | None]]
    floor: int  # the highest step index recorded (-1: none)


class Pending(NamedTuple):
    """The step still to be done for an invoice."""

    step: int
    occurrence: int  # 0 the first time; n for the n-th repetition of a repeat step
    floor: int  # the highest step already in the history (-1: none); lower steps are passed
    due: date  # when this occurrence fell due


_COUNTED = frozenset({ActionStatus.DONE, ActionStatus.SKIPPED})


def invoice_history(
    records: Iterable[ActionRecord], positions: Mapping[str, int]
) -> InvoiceHistory | None:
    """Return what ``records`` (all about one invoice) say about its steps (rule "history").

    ``done`` and ``skipped`` count as the step having been worked; ``superseded`` as passed over;
    ``failed`` is ignored (the step is retried); steps of other ladders are ignored. A record
    counts once per action id. None when nothing is left.
    """
    worked: dict[int, dict[str, date]] = {}
    passed: set[int] = set()
    for record in records:
        index = positions.get(record.step)
        status = record.status
        if index is None or status == ActionStatus.FAILED:
            continue
        if status in _COUNTED:
            per_step = worked.setdefault(index, {})
            key = record.action_id or record.date.isoformat()
            previous = per_step.get(key)
            if previous is None or record.date > previous:
                per_step[key] = record.date
        else:
            passed.add(index)
    if not worked and not passed:
        return None
    seen: dict[int, tuple[int, date | None]] = dict.fromkeys(passed, (0, None))
    for index, dates in worked.items():
        seen[index] = (len(dates), max(dates.values()))
    return InvoiceHistory(seen, max(seen))


def index_history(ladder: Ladder, records: Iterable[ActionRecord]) -> dict[str, InvoiceHistory]:
    """Return, per invoice id, what the action log says about its steps of ``ladder``.

    The evaluation reads the log once per customer and asks ``pending_in`` instead; this is the
    plain form of the rule, which the tests hold the fast one to.
    """
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


def top_step(day: DayDates, ineligible: Container[int]) -> int | None:
    """Return the highest-ranked eligible step reached (rule "step reached"), or None."""
    for index in day.reached:
        if index not in ineligible:
            return index
    return None


def pending_step(
    day: DayDates,
    ineligible: Container[int],
    history: InvoiceHistory | None,
    steps: tuple[Step, ...],
    as_of: date,
) -> Pending | None:
    """Return the step still to be done for an invoice on ``as_of``, or None (rule "step reached").

    The step reached is the highest-ranked eligible step dated on or before ``as_of``. It is
    pending unless the history already has it (or a higher step); a repeat step is pending again
    once ``repeat_days`` have passed since it was last done or skipped.
    """
    top = top_step(day, ineligible)
    if top is None:
        return None
    return pending_from(top, day, history, steps, as_of)


def pending_from(
    top: int, day: DayDates, history: InvoiceHistory | None, steps: tuple[Step, ...], as_of: date
) -> Pending | None:
    """Return the step ``top`` an invoice reached if it is still to be done, given its history."""
    step_due = day.dates.steps[top]
    assert step_due is not None  # a reached step has a date
    if history is None:
        return Pending(top, 0, -1, step_due)
    seen = history.seen.get(top)
    if seen is None:
        if history.floor > top:
            return None  # a later step was already worked: this one was passed over
        return Pending(top, 0, history.floor, step_due)
    count, last = seen
    repeat = steps[top].repeat_days
    if repeat and count and last is not None:
        again = last + timedelta(days=repeat)
        if again <= as_of:
            return Pending(top, count, history.floor, again)
    return None


def pending_in(  # noqa: PLR0917 - the inputs of the rule, in the order it reads
    top: int,
    day: DayDates,
    records: Iterable[ActionRecord],
    positions: Mapping[str, int],
    steps: tuple[Step, ...],
    as_of: date,
) -> Pending | None:
    """Return ``pending_from(top, day, invoice_history(records, positions), ...)``, faster.

    Most invoices with records have simply had their step done; that needs no counting.
    """
    floor = -1
    seen = False
    for record in records:
        index = positions.get(record.step)
        if index is None or record.status == ActionStatus.FAILED:
            continue
        if index > floor:  # noqa: PLR1730 - max() would cost a call per record here
            floor = index
        if index == top:
            seen = True
    if not seen:
        if floor > top:
            return None
        step_due = day.dates.steps[top]
        assert step_due is not None  # a reached step has a date
        return Pending(top, 0, floor, step_due)
    if not steps[top].repeat_days:
        return None
    return pending_from(top, day, invoice_history(records, positions), steps, as_of)


def passed_over(day: DayDates, ineligible: frozenset[int], pending: Pending) -> tuple[int, ...]:
    """Return the lower steps a pending step supersedes (rule "catch-up"), lowest first.

    They are the eligible steps reached but ranked between the last step in the history and the
    pending one: due, never sent, and now overtaken.
    """
    if pending.occurrence:
        return ()
    floor, top = pending.floor, pending.step
    return tuple([i for i in reversed(day.reached) if floor < i < top and i not in ineligible])
