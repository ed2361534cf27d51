"""Rules "DSO", "best possible DSO" and "average days delinquent" (docs/rules/reports.md).

Days sales outstanding, as the Credit Research Foundation (CRF) defines it:

- **standard DSO** = ending total receivables / credit sales of the period x days in the period;
- **countback DSO**: start from the ending receivables, take away the credit sales of the latest
  month, then of the month before, and so on, counting each month's days, until what is left is
  smaller than a month's sales; that month counts the fraction of its days that the rest is of
  its sales. Months count their actual days (``reports.dso.countback_months: actual``, the
  default) or 30 days each (``thirty_days``);
- **best possible DSO** = current receivables / credit sales of the period x days in the period;
- **average days delinquent** (ADD) = standard DSO - best possible DSO.

Each figure is per currency and is None when it has no meaning (no credit sales in the period).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# Figures in days are shown to two decimals, rounded half up (as the CRF's calculator shows them).
DAYS = Decimal("0.01")
ROUNDING = ROUND_HALF_UP
COUNTBACK_ACTUAL = "actual"
COUNTBACK_THIRTY_DAYS = "thirty_days"
# How far the countback looks back before it says "more than".
COUNTBACK_MAX_MONTHS = 24


@dataclass(frozen=True, slots=True)
class MonthSales:
    """The credit sales of one month of the countback, from ``first`` to ``last`` inclusive
    (the latest month ends on the report date)."""

    first: date
    last: date
    sales: Decimal

    def days(self, thirty_days: bool) -> int:
        """Return the days the month counts: its own (to the report date), or 30."""
        own = (self.last - self.first).days + 1
        if not thirty_days:
            return own
        month_days = calendar.monthrange(self.first.year, self.first.month)[1]
        return 30 if own == month_days else min(own, 30)


@dataclass(frozen=True, slots=True)
class Countback:
    """The countback DSO and how it was reached: the months taken whole, and whether the
    receivables outlasted every month given (the DSO is then "more than" ``days``)."""

    days: Decimal
    whole_months: int
    more_than: bool


def _days(value: Decimal) -> Decimal:
    return value.quantize(DAYS, rounding=ROUNDING)


def standard_dso(receivables: Decimal, credit_sales: Decimal, period_days: int) -> Decimal | None:
    """Return receivables / credit sales x days (CRF "DSO"), None without credit sales."""
    if credit_sales <= 0:
        return None
    return _days(receivables / credit_sales * period_days)


def best_possible_dso(
    current: Decimal, credit_sales: Decimal, period_days: int
) -> Decimal | None:
    """Return current receivables / credit sales x days (CRF "best possible DSO")."""
    return standard_dso(current, credit_sales, period_days)


def average_days_delinquent(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    """Return DSO - best possible DSO (CRF "average days delinquent")."""
    if dso is None or best is None:
        return None
    return _days(dso - best)


def countback_dso(
    receivables: Decimal, months: Sequence[MonthSales], *, thirty_days: bool = False
) -> Countback:
    """Return the countback DSO of ``receivables`` over ``months``, the latest month first."""
    left = receivables
    days = Decimal(0)
    whole = 0
    for month in months:
        if left <= 0:
            break
        counted = month.days(thirty_days)
        if month.sales > 0 and left < month.sales:
            return Countback(_days(days + left / month.sales * counted), whole, more_than=False)
        left -= month.sales
        days += counted
        whole += 1
    return Countback(_days(days), whole, more_than=left > 0)


def countback_months(as_of: date, count: int = COUNTBACK_MAX_MONTHS) -> list[tuple[date, date]]:
    """Return the months the countback reads, latest first: the month of ``as_of`` from its
    first day to ``as_of``, then ``count - 1`` whole calendar months before it."""
    months = [(as_of.replace(day=1), as_of)]
    while len(months) < count:
        last = months[-1][0] - timedelta(days=1)
        months.append((last.replace(day=1), last))
    return months


def dso_period(as_of: date, period_days: int) -> tuple[date, date]:
    """Return the first and last day of the ``period_days`` that end on ``as_of``."""
    return as_of - timedelta(days=period_days - 1), as_of


@dataclass(frozen=True, slots=True)
class CurrencyDso:
    """The DSO figures of one currency."""

    currency: str
    receivables: Decimal
    current: Decimal
    credit_sales: Decimal
    standard: Decimal | None
    countback: Countback
    best_possible: Decimal | None
    average_days_delinquent: Decimal | None


@dataclass(frozen=True, slots=True)
class DsoReport:
    """DSO, countback DSO, best possible DSO and ADD on ``as_of`` over ``first``..``as_of``."""

    as_of: date
    first: date
    period_days: int
    definition: str
    currencies: tuple[CurrencyDso, ...]
