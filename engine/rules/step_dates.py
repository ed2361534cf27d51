"""Rules "due date" and "step dates": when an invoice falls due and when each step of its ladder
falls due, and which steps have been reached on a day.

Step dates depend only on the ladder, the terms, the issue date (and an explicit due date), so
they are worked out once per such combination and shared by every invoice that has it: a ledger
of a million invoices has a few thousand. The rules, with their names, are in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import NamedTuple

from engine.model.policy import ANCHORS, Ladder, Term
from engine.rules.calendar import BusinessCalendar
from engine.rules.terms import TermDates, term_dates, terms_start


class InvoiceDates(NamedTuple):
    """An invoice's due date, discount deadline and the date of each step of its ladder."""

    due: date
    discount_deadline: date | None
    unrolled_due: date
    # One date a step, in ladder order; None for a `discount` step on terms without a discount.
    steps: tuple[date | None, ...]
    # The anchor date each step counts from (None where the step does not apply).
    anchors: tuple[date | None, ...]
    # The last day each step may be sent (None: no limit), rule "expiry": a step dated before
    # the due date not on or after it (unless ``after_due: send``), none more than ``expires``
    # days after its date.
    last: tuple[date | None, ...]


class DayDates(NamedTuple):
    """An invoice's dates seen from one day: the steps reached then and the days overdue."""

    dates: InvoiceDates
    reached: tuple[int, ...]  # indices of the steps dated on or before the day, highest first
    days_overdue: int  # negative before the due date


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
        # Per (terms, date they count from): the terms' dates (a policy's terms have unique names).
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
        delivered: date | None = None,
    ) -> DayDates:
        """Return (and keep under ``key``) the dates of an invoice seen from the current day."""
        day = self._day
        if day is None:
            raise RuntimeError("StepDates.set_day() must be called before compute()")
        dates = self._dates.get(key)
        if dates is None:
            dates = self.invoice_dates(ladder, term, issued, due, delay, delivered)
            self._dates[key] = dates
        found = DayDates(dates, reached_on(dates.steps, dates.last, day), (day - dates.due).days)
        self.by_key[key] = found
        return found

    def invoice_dates(  # noqa: PLR0917 - mirrors compute()
        self,
        ladder: Ladder,
        term: Term,
        issued: date,
        due: date | None,
        delay: Mapping[str, int] | None = None,
        delivered: date | None = None,
    ) -> InvoiceDates:
        """Return the due date and step dates of an invoice (rules "due date", "step dates").

        The due date is ``due`` when the invoice states one, else the terms' due date (counted
        from ``delivered`` for terms with ``basis: delivery``, rule "terms"). A step's
        date is its anchor (``invoice``: the issue date, ``discount``: the discount deadline,
        ``due``: the due date) plus its offset in calendar days, or in business days for ``bd``,
        plus the customer's ``delay`` for that step in calendar days.

        A ledger of a million invoices has tens of thousands of distinct issue and due dates:
        the offsets of the ladder and the terms' dates are worked out once, not per date.
        """
        start = terms_start(term, issued, delivered) if delivered is not None else issued
        tkey = (term.name, start)
        terms = self._terms.get(tkey)
        if terms is None:
            terms = self._terms[tkey] = term_dates(term, start, self.calendar, self.roll)
        delays = tuple(sorted(delay.items())) if delay else ()
        plan = self._plans.get((ladder.name, delays))
        if plan is None:
            plan = self._plans[(ladder.name, delays)] = _plan(ladder, delay)
        due_date = due if due is not None else terms.due
        # In the order of ANCHORS; a `previous` step is dated per invoice from its action log
        # (engine.rules.previous_step), not here.
        by_anchor = (issued, terms.discount_deadline, due_date, None)
        add_business_days = self.calendar.add_business_days
        anchors: list[date | None] = []
        dates: list[date | None] = []
        for step in plan:
            anchor = by_anchor[step.anchor]
            anchors.append(anchor)
            if anchor is None:
                dates.append(None)
            elif step.business_days:
                when = add_business_days(anchor, step.business_days)
                dates.append(when + step.extra if step.extra else when)
            else:
                dates.append(anchor + step.offset)
        unrolled = due if due is not None else terms.unrolled_due
        last = tuple(
            last_day(step.expires, step.after_due, when, due_date)
            for step, when in zip(plan, dates, strict=True)
        )
        return InvoiceDates(
            due_date, terms.discount_deadline, unrolled, tuple(dates), tuple(anchors), last
        )


def last_day(
    expires: int | None, after_due: str | None, when: date | None, due: date
) -> date | None:
    """Return the last day a step dated ``when`` may be sent for an invoice due on ``due``
    (rule "expiry"), or None when there is no such day.

    A step dated before the due date is not sent on or after it, unless ``after_due`` is
    ``send``; with ``after_due: skip`` no step is; ``expires`` days after its date it is not
    sent any more.
    """
    if when is None:
        return None
    end = when + timedelta(days=expires) if expires is not None else None
    if after_due == "skip" or (after_due is None and when < due):
        before_due = due - _ONE_DAY
        if end is None or before_due < end:
            end = before_due
    return end


def reached_on(
    steps: tuple[date | None, ...], last: tuple[date | None, ...], day: date
) -> tuple[int, ...]:
    """Return the indices of the steps reached on ``day``, highest first: dated on or before it,
    and not past their last day (rules "step reached", "expiry")."""
    return tuple(
        i
        for i in range(len(steps) - 1, -1, -1)
        if (d := steps[i]) and d <= day and ((end := last[i]) is None or day <= end)
    )


class _StepPlan(NamedTuple):
    """How to date one step: its anchor, business days to add, then calendar days to add."""

    anchor: int  # 0: the issue date, 1: the discount deadline, 2: the due date, 3: previous
    business_days: int  # the offset in business days (0: a calendar-day step)
    offset: timedelta  # a calendar-day step: its offset and the delay together
    extra: timedelta  # a business-day step: the delay, added after the business days
    expires: int | None  # days after its date it may still be sent (None: no limit)
    after_due: str | None  # "send", "skip" or None: whether it may be sent on or after due


_ONE_DAY = timedelta(days=1)
_ANCHORS = {anchor: index for index, anchor in enumerate(ANCHORS)}


def _plan(ladder: Ladder, delay: Mapping[str, int] | None) -> tuple[_StepPlan, ...]:
    plan = []
    for step in ladder.steps:
        extra = delay.get(step.id, 0) if delay else 0
        at = step.at
        if at.business and at.days:
            plan.append(
                _StepPlan(
                    _ANCHORS[at.anchor],
                    at.days,
                    timedelta(),
                    timedelta(days=extra),
                    step.expires_days,
                    step.after_due,
                )
            )
        else:
            # add_business_days(anchor, 0) is the anchor itself, closed or not.
            plan.append(
                _StepPlan(
                    _ANCHORS[at.anchor],
                    0,
                    timedelta(days=at.days + extra),
                    timedelta(),
                    step.expires_days,
                    step.after_due,
                )
            )
    return tuple(plan)
