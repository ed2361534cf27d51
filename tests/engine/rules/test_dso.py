"""Rules "DSO", "best possible DSO" and "average days delinquent": worked examples from public
definitions (docs/rules/reports.md cites each).

- Standard DSO, "simple method": 150,000 receivables, 1,800,000 annual credit sales, 365 days give
  30.4 days (Mesha, "The 2 DSO Calculation Formulas: Simple vs Countback Method Explained",
  https://trymesha.com/blog/the-2-dso-calculation-formulas-simple-vs-countback-method-explained/);
  Oracle JD Edwards' "current balance divided by sales": (10869 x 90) / (5538 + 4566 + 7570)
  = 55.35 (https://docs.oracle.com/en/applications/jd-edwards/financials/9.2/eoaar/current-balance-divided-by-sales.html).
- Countback, 30-day months: 212,000 receivables over monthly sales of 100,000, 80,000 and 70,000
  (latest first) give 60 + 32/70 x 30 = 73.71 days (Benji Pays, "Mastering DSO Calculation: The
  Count-Back Method Explained", https://support.benjipays.com/support/solutions/articles/150000179580).
- Countback, actual months: 2,100,000 receivables over March 900,000 (31 days), February 800,000
  (28) and January 700,000 (31) give 31 + 28 + 400/700 x 31 = 76.71 days ("Debtor Days
  Calculation Count Back Method", https://calculator7.snowdaycalculatornow.com/debtor-days-calculation-count-back-method/).
- Best possible DSO and ADD: 30,000 monthly credit sales, 10,000 receivables of which 2,000 past
  due: current 8,000 gives 8 days best possible against a DSO of 10, so 2 days delinquent
  (Growfin, "What is Best Possible DSO?", https://www.growfin.ai/blog/best-possible-dso-definition;
  formulas of the Credit Research Foundation, https://www.crfonline.org/survey-form/).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.rules.dso import (
    Countback,
    MonthSales,
    average_days_delinquent,
    best_possible_dso,
    countback_dso,
    countback_months,
    dso_period,
    standard_dso,
)


def D(text: str) -> Decimal:  # noqa: N802 - reads like a literal
    return Decimal(text)


@pytest.mark.parametrize(
    ("receivables", "sales", "days", "expected"),
    [
        ("150000", "1800000", 365, "30.42"),
        ("10869", "17674", 90, "55.35"),
        ("10000", "30000", 30, "10.00"),
    ],
    ids=["mesha-simple-method", "jd-edwards", "growfin-month"],
)
def test_standard_dso_matches_the_published_examples(
    receivables: str, sales: str, days: int, expected: str
) -> None:
    """Standard DSO = receivables / credit sales x days."""
    assert standard_dso(D(receivables), D(sales), days) == D(expected)


def test_standard_dso_has_no_value_without_credit_sales() -> None:
    """No credit sales in the period: DSO means nothing, and says so (None), never divides by 0."""
    assert standard_dso(D("500"), D("0"), 90) is None


def _months(*sales: tuple[str, str, str]) -> list[MonthSales]:
    return [MonthSales(date.fromisoformat(a), date.fromisoformat(b), D(s)) for a, b, s in sales]


def test_countback_with_thirty_day_months_matches_benji_pays() -> None:
    """Countback, every month 30 days: 60 + 32,000 / 70,000 x 30 = 73.71."""
    months = _months(
        ("2026-03-01", "2026-03-31", "100000"),
        ("2026-02-01", "2026-02-28", "80000"),
        ("2026-01-01", "2026-01-31", "70000"),
    )
    found = countback_dso(D("212000"), months, thirty_days=True)
    assert found == Countback(D("73.71"), whole_months=2, more_than=False)


def test_countback_with_actual_months_matches_the_worked_example() -> None:
    """Countback, months of their own length: 31 + 28 + 400,000 / 700,000 x 31 = 76.71."""
    months = _months(
        ("2025-03-01", "2025-03-31", "900000"),
        ("2025-02-01", "2025-02-28", "800000"),
        ("2025-01-01", "2025-01-31", "700000"),
    )
    assert countback_dso(D("2100000"), months) == Countback(D("76.71"), 2, more_than=False)


def test_countback_beyond_every_month_given_says_more_than() -> None:
    """Receivables larger than all the sales read: the DSO is at least every day counted."""
    months = _months(("2026-03-01", "2026-03-31", "100"), ("2026-02-01", "2026-02-28", "100"))
    assert countback_dso(D("500"), months) == Countback(D("59.00"), 2, more_than=True)


def test_countback_months_start_with_the_month_of_the_report_date() -> None:
    """The latest month runs from its first day to the report date, then whole months."""
    assert countback_months(date(2026, 3, 15), 3) == [
        (date(2026, 3, 1), date(2026, 3, 15)),
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 1, 1), date(2026, 1, 31)),
    ]
    partial = MonthSales(date(2026, 3, 1), date(2026, 3, 15), D("1"))
    assert (partial.days(thirty_days=False), partial.days(thirty_days=True)) == (15, 15)
    february = MonthSales(date(2026, 2, 1), date(2026, 2, 28), D("1"))
    assert (february.days(thirty_days=False), february.days(thirty_days=True)) == (28, 30)


def test_best_possible_dso_and_average_days_delinquent_match_growfin() -> None:
    """BPDSO = 8,000 current / 30,000 x 30 = 8; ADD = DSO 10 - BPDSO 8 = 2."""
    best = best_possible_dso(D("8000"), D("30000"), 30)
    dso = standard_dso(D("10000"), D("30000"), 30)
    assert (best, average_days_delinquent(dso, best)) == (D("8.00"), D("2.00"))
    assert average_days_delinquent(None, best) is None


def test_the_period_of_a_dso_ends_on_the_report_date() -> None:
    """90 days to 31 March 2026 start on 1 January 2026."""
    assert dso_period(date(2026, 3, 31), 90) == (date(2026, 1, 1), date(2026, 3, 31))
