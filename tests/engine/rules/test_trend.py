"""Rule "overdue trend" (engine/rules/trend.py): a series per currency, missing days named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.rules.trend import TrendPoint, overdue_trend


def point(day: int, overdue: str, total: str = "1000.00", currency: str = "GBP") -> TrendPoint:
    zero = Decimal(0)
    return TrendPoint(date(2026, 11, day), currency, Decimal(total), zero, Decimal(overdue), 3)


def test_the_trend_is_a_series_per_currency_with_the_overdue_change() -> None:
    """GBP overdue went from 400.00 to 250.00 (-150.00); 3 Nov has no snapshot at all."""
    points = [point(2, "300.00"), point(1, "400.00"), point(4, "250.00"), point(1, "9", "9", "EUR")]
    days = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 4)]
    trend = overdue_trend(points, days, date(2026, 11, 1), date(2026, 11, 4))
    eur, gbp = trend.currencies
    assert [p.day.day for p in gbp.points] == [1, 2, 4]
    assert gbp.overdue_change == Decimal("-150.00")
    assert (eur.currency, eur.overdue_change) == ("EUR", Decimal(0))
    assert trend.missing == (date(2026, 11, 3),)
    assert gbp.points[0].overdue_share == Decimal("0.4")


def test_a_day_with_nothing_open_is_not_missing() -> None:
    """A snapshot of a day with no open invoice has no point but is not reported missing."""
    trend = overdue_trend([], [date(2026, 11, 1)], date(2026, 11, 1), date(2026, 11, 1))
    assert (trend.currencies, trend.missing) == ((), ())
    zero = Decimal(0)
    assert TrendPoint(date(2026, 11, 1), "GBP", zero, zero, zero, 0).overdue_share is None
