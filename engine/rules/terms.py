"""Due dates and early-payment discounts from credit terms.

The rules, with examples, are in docs/rules/dates-and-money.md.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from engine.model.money import ZERO, round_money
from engine.model.policy import Term
from engine.rules.calendar import BusinessCalendar

# Distinct (term, invoice date) pairs in a ledger number in the thousands; the bound only keeps a
# long-running service from holding on to the calendars of policies it has since reloaded.
_CACHED_TERM_DATES = 1 << 16


@dataclass(frozen=True, slots=True)
class TermDates:
    """The dates an invoice's terms give it."""

    due: date
    discount_deadline: date | None  # last day the early-payment discount may be taken
    unrolled_due: date  # the due date before it was moved off a closed day


def term_dates(term: Term, issued: date, calendar: BusinessCalendar, roll: str) -> TermDates:
    """Return the due date and discount deadline of an invoice issued on ``issued``.

    ``roll`` (none, next_business_day, previous_business_day) moves a due date that falls on a
    closed day of ``calendar``. The answer is cached: many invoices share an issue date.
    """
    return _term_dates(term, issued, calendar, roll)


@lru_cache(maxsize=_CACHED_TERM_DATES)
def _term_dates(term: Term, issued: date, calendar: BusinessCalendar, roll: str) -> TermDates:
    unrolled = _unrolled_due(term, issued)
    due = calendar.roll(unrolled, roll)
    if due < issued:
        # Only rolling back can do this (due on receipt, issued on a closed day): an invoice is
        # never due before it was issued, so the due date rolls forward instead.
        due = calendar.next_business_day(unrolled)
    discount = _discount(term)
    deadline = issued + timedelta(days=discount[1]) if discount is not None else None
    return TermDates(due=due, discount_deadline=deadline, unrolled_due=unrolled)


def _unrolled_due(term: Term, issued: date) -> date:
    if term.day_of_next_month is not None:
        year, month = divmod(issued.year * 12 + issued.month, 12)  # the month after, 1-based
        month += 1
        last = gregorian.monthrange(year, month)[1]
        return date(year, month, min(term.day_of_next_month, last))
    if term.net_days is not None:
        start = issued
        if term.from_end_of_month:
            start = issued.replace(day=gregorian.monthrange(issued.year, issued.month)[1])
        return start + timedelta(days=term.net_days)
    raise ValueError(f"term '{term.name}' has neither net_days nor day_of_next_month")


def _discount(term: Term) -> tuple[Decimal, int] | None:
    """Return the discount percentage and the days it may be taken in, or None without one."""
    percent, days = term.discount_percent, term.discount_days
    if percent is None or days is None or percent <= 0:
        return None
    return percent, days


def discount_amount(term: Term, amount: Decimal, currency: str) -> Decimal:
    """Return the early-payment discount on ``amount``, rounded half up (0 without a discount)."""
    discount = _discount(term)
    if discount is None:
        return round_money(ZERO, currency)
    return round_money(amount * discount[0] / 100, currency)


def describe_term(term: Term) -> str:
    """Return the terms as people say them: "2 % discount within 10 days, otherwise net 30 days"."""
    if term.day_of_next_month is not None:
        return f"due on the {_ordinal(term.day_of_next_month)} of the following month"
    if term.net_days is None:
        raise ValueError(f"term '{term.name}' has neither net_days nor day_of_next_month")
    if term.net_days == 0:
        net = "due at the end of the month" if term.from_end_of_month else "due on receipt"
    else:
        net = f"net {_days(term.net_days)}"
        if term.from_end_of_month:
            net += " from the end of the month"
    discount = _discount(term)
    if discount is None:
        return net
    percent, days = discount
    return f"{percent.normalize():f} % discount within {_days(days)}, otherwise {net}"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
