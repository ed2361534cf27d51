"""Rule "overdue trend": the portfolio's open and overdue receivables day by day.

Each day's figures are a **daily snapshot**: the portfolio aging of that day (rule "portfolio
aging"), written by the daily job or rebuilt from the ledger for a past day, kept per currency.
The trend is the series of those snapshots over a period, per currency, with the change of the
overdue amount from the first day to the last, and the days that have no snapshot (a day the job
did not run, not yet rebuilt) named rather than silently skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from engine.rules.portfolio import PortfolioAging


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One currency's receivables at the end of one day."""

    day: date
    currency: str
    total: Decimal
    current: Decimal
    overdue: Decimal
    invoices: int

    @property
    def overdue_share(self) -> Decimal | None:
        """Return the overdue part of the total as a fraction, None when nothing is open."""
        return self.overdue / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class CurrencyTrend:
    """The series of one currency, by day, and how much the overdue amount moved."""

    currency: str
    points: tuple[TrendPoint, ...]

    @property
    def overdue_change(self) -> Decimal:
        """Return the overdue amount of the last day less that of the first."""
        if not self.points:
            return Decimal(0)
        return self.points[-1].overdue - self.points[0].overdue


@dataclass(frozen=True, slots=True)
class Trend:
    """The overdue trend of ``first``..``last``: a series per currency and the missing days."""

    first: date
    last: date
    currencies: tuple[CurrencyTrend, ...]
    missing: tuple[date, ...]


def snapshot_points(aging: PortfolioAging) -> tuple[TrendPoint, ...]:
    """Return the points a day's portfolio aging contributes to the trend, one per currency."""
    return tuple(
        TrendPoint(aging.as_of, a.currency, a.total, a.current, a.overdue, a.invoices)
        for a in aging.currencies
    )


def overdue_trend(
    points: Iterable[TrendPoint], snapshot_days: Iterable[date], first: date, last: date
) -> Trend:
    """Return the trend of ``first``..``last`` from the snapshots' points.

    ``snapshot_days`` are the days that have a snapshot (a day with nothing open has a snapshot
    but no point); every other day of the period is reported missing.
    """
    by_currency: dict[str, list[TrendPoint]] = {}
    for point in points:
        if first <= point.day <= last:
            by_currency.setdefault(point.currency, []).append(point)
    present = {day for day in snapshot_days if first <= day <= last}
    missing = []
    day = first
    while day <= last:
        if day not in present:
            missing.append(day)
        day += timedelta(days=1)
    return Trend(
        first,
        last,
        tuple(
            CurrencyTrend(currency, tuple(sorted(series, key=lambda p: p.day)))
            for currency, series in sorted(by_currency.items())
        ),
        tuple(missing),
    )
