"""Due dates and early-payment discounts from credit terms.

The rules, with examples, are in docs/rules/dates-and-money.md.
"""

from __future__ import annotations

import calendar as gregorian
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from engine.model.money import ZERO, format_money, round_money
from engine.model.policy import DiscountTier, Term
from engine.rules.calendar import BusinessCalendar

# Distinct (term, invoice date) pairs in a ledger number in the thousands; the bound only keeps a
# long-running service from holding on to the calendars of policies it has since reloaded.
_CACHED_TERM_DATES = 1 << 16


@dataclass(frozen=True, slots=True)
class TermDates:
    """The dates an invoice's terms give it."""

    due: date
    # The last day the first (best) early-payment discount may be taken: the ``discount`` anchor.
    discount_deadline: date | None
    unrolled_due: date  # the due date before it was moved off a closed day


def term_dates(term: Term, start: date, calendar: BusinessCalendar, roll: str) -> TermDates:
    """Return the due date and discount deadline of an invoice whose terms count from ``start``.

    ``start`` is the invoice date, or the delivery date for terms with ``basis: delivery`` when
    the invoice states one (``terms_start``). ``roll`` (none, next_business_day,
    previous_business_day) moves a due date that falls on a closed day of ``calendar``. The
    answer is cached: many invoices share an issue date.
    """
    return _term_dates(term, start, calendar, roll)


def terms_start(term: Term, issued: date, delivered: date | None) -> date:
    """Return the date ``term`` counts from: the delivery date with ``basis: delivery`` when the
    invoice states one, else the invoice date."""
    if delivered is not None and term.basis == "delivery":
        return delivered
    return issued


@lru_cache(maxsize=_CACHED_TERM_DATES)
def _term_dates(term: Term, start: date, calendar: BusinessCalendar, roll: str) -> TermDates:
    unrolled = unrolled_due(term, start)
    due = calendar.roll(unrolled, roll)
    if due < start:
        # Only rolling back can do this (due on receipt, issued on a closed day): an invoice is
        # never due before it was issued, so the due date rolls forward instead.
        due = calendar.next_business_day(unrolled)
    deadlines = discount_deadlines(term, start)
    deadline = deadlines[0] if deadlines else None
    return TermDates(due=due, discount_deadline=deadline, unrolled_due=unrolled)


@lru_cache(maxsize=_CACHED_TERM_DATES)
def discount_deadlines(term: Term, start: date) -> tuple[date, ...]:
    """Return the last day of each early-payment discount of ``term``, counted from ``start``.

    A tier's period counts as a due date does, never rolled off a closed day: ``days`` after
    ``start`` (after the end of its month with ``from: end_of_month``), or the
    ``day_of_next_month``; past the terms' ``cutoff_day``, a month later.
    """
    return tuple(unrolled_due(_tier_period(term, tier), start) for tier in term.discounts)


def _tier_period(term: Term, tier: DiscountTier) -> Term:
    """Return the discount period of ``tier`` written as terms, to be dated as a due date is."""
    if tier.day_of_next_month is not None:
        return Term(term.name, day_of_next_month=tier.day_of_next_month, cutoff_day=term.cutoff_day)
    return Term(
        term.name,
        net_days=tier.days or 0,
        from_end_of_month=tier.from_end_of_month,
        cutoff_day=term.cutoff_day if tier.from_end_of_month else None,
    )


def unrolled_due(term: Term, start: date) -> date:
    """Return the due date ``term`` gives an invoice counted from ``start``, before rolling.

    Split terms are due in full when their last instalment is.
    """
    if term.instalments:
        return max(unrolled_due(part.due, start) for part in term.instalments)
    year, month = start.year, start.month
    if term.cutoff_day is not None and start.day > term.cutoff_day:
        year, month = _add_months(year, month, 1)  # past the cut-off: counted as next month's
    if term.day_of_next_month is not None:
        year, month = _add_months(year, month, 1)
        return date(year, month, min(term.day_of_next_month, _last_day(year, month)))
    if term.net_days is None and term.net_months is None:
        raise ValueError(
            f"term '{term.name}' has neither net_days, net_months nor day_of_next_month"
        )
    months = term.net_months or 0
    if term.from_end_of_month:
        year, month = _add_months(year, month, months)
        base = date(year, month, _last_day(year, month))
    elif months:
        base = add_months(start, months)  # 31 Jan + 1m: 28 Feb
    else:
        base = start
    due = base + timedelta(days=term.net_days or 0)
    if term.then_end_of_month:
        due = date(due.year, due.month, _last_day(due.year, due.month))
        due += timedelta(days=term.then_days)
    return due


def add_months(day: date, months: int) -> date:
    """Return the same day ``months`` months later, or the last day of a shorter month."""
    year, month = _add_months(day.year, day.month, months)
    return date(year, month, min(day.day, _last_day(year, month)))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    """Return the (year, month) ``months`` after ``month`` of ``year``."""
    year, index = divmod(year * 12 + month - 1 + months, 12)
    return year, index + 1


def _last_day(year: int, month: int) -> int:
    return gregorian.monthrange(year, month)[1]


def tier_discount(tier: DiscountTier, base: Decimal, currency: str) -> Decimal:
    """Return what ``tier`` takes off ``base``: its percentage of it rounded half up to the
    currency's minor unit, or its fixed amount in ``currency`` (none when it lists no amount in
    that currency), never more than ``base``."""
    if tier.percent is not None:
        return round_money(base * tier.percent / 100, currency)
    fixed = dict(tier.amounts).get(currency, ZERO)
    return round_money(max(min(fixed, base), ZERO), currency)


def discount_amount(term: Term, amount: Decimal, currency: str) -> Decimal:
    """Return the first (best) early-payment discount on ``amount`` (0 without a discount)."""
    if not term.discounts:
        return round_money(ZERO, currency)
    return tier_discount(term.discounts[0], amount, currency)


def describe_term(term: Term) -> str:
    """Return the terms as people say them: "2 % discount within 10 days, otherwise net 30 days"."""
    if term.instalments:
        return ", ".join(
            f"{part.percent.normalize():f} % {_describe_due(part.due)}" for part in term.instalments
        )
    net = _describe_due(term)
    if not term.discounts:
        return net
    tiers = [_describe_tier(tier) for tier in term.discounts]
    tiers[0] = (
        tiers[0].replace(" within", " discount within", 1).replace(" up to", " discount up to", 1)
    )
    return f"{', '.join(tiers)}, otherwise {net}"


def _describe_tier(tier: DiscountTier) -> str:
    """Return a discount tier as people say it: "2 % within 10 days"."""
    if tier.percent is not None:
        off = f"{tier.percent.normalize():f} %"
    else:
        off = " or ".join(format_money(amount, currency) for currency, amount in tier.amounts)
    if tier.day_of_next_month is not None:
        return f"{off} up to the {_ordinal(tier.day_of_next_month)} of the following month"
    days = tier.days or 0
    if tier.from_end_of_month:
        return f"{off} within {_days(days)} after the end of the month"
    return f"{off} within {_days(days)}"


def _describe_due(term: Term) -> str:
    if term.day_of_next_month is not None:
        text = f"due on the {_ordinal(term.day_of_next_month)} of the following month"
    else:
        if term.net_days is None and term.net_months is None:
            raise ValueError(f"term '{term.name}' has neither net_days nor day_of_next_month")
        span = _span(term.net_months or 0, term.net_days or 0)
        if term.from_end_of_month:
            text = "due at the end of the month"
            if span:
                text = f"net {span} from the end of the month"
        else:
            text = f"net {span}" if span else "due on receipt"
        if term.then_end_of_month:
            text += ", then at the end of that month"
            if term.then_days:
                text += f" plus {_days(term.then_days)}"
    if term.cutoff_day is not None:
        text += f" (invoices after the {_ordinal(term.cutoff_day)} count as the next month's)"
    if term.basis == "delivery":
        text += ", counted from the delivery date"
    return text


def _span(months: int, days: int) -> str:
    parts = []
    if months:
        parts.append("1 month" if months == 1 else f"{months} months")
    if days:
        parts.append(_days(days))
    return " and ".join(parts)


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
