"""Rule "management summary": the figures of one page for a week or a month (docs/reports.md).

The records of the summary and the rules of its periods: a week is the 7 days to its last day, a
month its calendar month to its last day; the period before a week is the 7 days before it, before
a month the whole calendar month before. The figures come from the other rules (portfolio aging,
DSO, CEI, promise kept or broken), composed in ``engine.tools.summary``.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal, NamedTuple

from engine.model.money import ZERO
from engine.rules.cei import CeiReport
from engine.rules.dso import DsoReport
from engine.rules.portfolio import CustomerAging, PortfolioAging

Period = Literal["week", "month"]
PERIODS: tuple[Period, ...] = ("week", "month")
LARGEST = 10


class HandedOff(NamedTuple):
    """A customer handed to an agency or a solicitor in the period, with the claim."""

    customer_id: str
    name: str
    to: str
    opened: date
    claim: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class PeriodFigures:
    """The figures of one period: cash, overdue at its start and end, DSO at its end, CEI."""

    first: date
    last: date
    cash: Mapping[str, Decimal]
    overdue_before: Mapping[str, Decimal]  # at the end of the day before ``first``
    overdue_after: Mapping[str, Decimal]  # at the end of ``last``
    dso: DsoReport
    cei: CeiReport

    def overdue_change(self, currency: str) -> Decimal:
        """Return the overdue amount at the end less at the start, in ``currency``."""
        return self.overdue_after.get(currency, ZERO) - self.overdue_before.get(currency, ZERO)


@dataclass(frozen=True, slots=True)
class PolicyChange:
    """A commit that changed the policy in the period, and what its plan said that day."""

    commit: str
    day: date
    subject: str
    headline: str


@dataclass(frozen=True, slots=True)
class BrokenPromise:
    """A promise broken in the period: its pay-by date passed without the payment."""

    customer_id: str
    pay_by: date
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class ManagementSummary:
    """One page for management: a period, the one before, and what happened in it."""

    period: Period
    current: PeriodFigures
    previous: PeriodFigures
    largest_overdue: tuple[CustomerAging, ...]  # per currency, at most ten each
    handoffs: tuple[HandedOff, ...]
    write_offs: Mapping[str, tuple[int, Decimal]]
    broken: tuple[BrokenPromise, ...]
    changes: tuple[PolicyChange, ...]

    @property
    def currencies(self) -> tuple[str, ...]:
        """Return every currency a figure of either period is in."""
        found: set[str] = set()
        for figures in (self.current, self.previous):
            found |= set(figures.cash) | set(figures.overdue_after) | set(figures.overdue_before)
            found |= {f.currency for f in figures.dso.currencies}
        return tuple(sorted(found))


def period_of(period: Period, last: date) -> tuple[date, date]:
    """Return the period that ends on ``last``: the 7 days to it, or its month to it."""
    if period == "week":
        return last - timedelta(days=6), last
    return last.replace(day=1), last


def previous_period(period: Period, first: date) -> tuple[date, date]:
    """Return the period before the one starting on ``first``: the 7 days before, or the whole
    calendar month before."""
    end = first - timedelta(days=1)
    if period == "week":
        return end - timedelta(days=6), end
    return end.replace(day=1), end


def last_complete(period: Period, day: date) -> date:
    """Return the last day of the latest whole period before ``day``: yesterday for a week, the
    end of last month for a month (what the daily job sends)."""
    yesterday = day - timedelta(days=1)
    if period == "week":
        return yesterday
    return day.replace(day=1) - timedelta(days=1)


def month_end(day: date) -> date:
    """Return the last day of ``day``'s month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def largest_overdue(aging: PortfolioAging, count: int = LARGEST) -> tuple[CustomerAging, ...]:
    """Return the ``count`` customers with the most overdue in each currency, most first."""
    chosen: list[CustomerAging] = []
    for currency in (a.currency for a in aging.currencies):
        overdue = [
            c for c in aging.customers if c.amounts.currency == currency and c.amounts.overdue
        ]
        overdue.sort(key=lambda c: (-c.amounts.overdue, c.customer_id))
        chosen.extend(overdue[:count])
    return tuple(chosen)
