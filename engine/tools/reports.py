"""The portfolio reports: aging, DSO and CEI as of a date, per currency (docs/reports.md).

Built from the rules (``engine.rules.portfolio``, ``dso``, ``cei``) over a ``ReportSource`` that
the caller supplies: the store streams the ledger as of a date and sums credit sales in SQL; a
test hands over a ledger in memory. Nothing here reads a file or a database itself, so the CLI,
the API and the pages show the very same figures.

Credit sales are net: the invoices issued in the period less the credit notes dated in it, per
currency (the ledger holds no cash sales).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from engine.model.ledger import CreditNote, CustomerLedger
from engine.model.money import ZERO
from engine.model.policy import Policy
from engine.rules.aging import aging_scheme
from engine.rules.cei import CEI_FULL, CeiReport, CurrencyCei, collection_effectiveness, months_in
from engine.rules.context import EvaluationContext
from engine.rules.dso import (
    COUNTBACK_THIRTY_DAYS,
    CurrencyDso,
    DsoReport,
    MonthSales,
    average_days_delinquent,
    best_possible_dso,
    countback_dso,
    countback_months,
    dso_period,
    standard_dso,
)
from engine.rules.exposure import ExposureReport, credit_exposure
from engine.rules.portfolio import PortfolioAging, portfolio_aging
from engine.rules.trend import Trend, TrendPoint, overdue_trend, snapshot_points

# Credit sales keyed by (currency, month as "YYYY-MM").
MonthlySales = Mapping[tuple[str, str], Decimal]


class ReportSource(Protocol):
    """Where the reports read the ledger: streamed as of a day, and credit sales summed."""

    def ledgers(self, as_of: date) -> Iterable[CustomerLedger]:
        """Return every customer's ledger as it stood at the end of ``as_of``."""
        ...

    def credit_sales(self, first: date, last: date) -> MonthlySales:
        """Return the net credit sales from ``first`` to ``last`` inclusive, per currency and
        month (invoices issued less credit notes dated in those days)."""
        ...


class SnapshotReportSource:
    """The reports' rows from a ledger held in memory (a ledger file, a test)."""

    def __init__(self, snapshot: Iterable[CustomerLedger]) -> None:
        self.snapshot = tuple(snapshot)

    def ledgers(self, as_of: date) -> Iterable[CustomerLedger]:
        """Return the ledgers whole: every rule reads only what is dated on or before ``as_of``."""
        return self.snapshot

    def credit_sales(self, first: date, last: date) -> MonthlySales:
        """Return invoices issued less credit notes dated from ``first`` to ``last``, per
        currency and month, as the store sums them."""
        sales: dict[tuple[str, str], Decimal] = {}

        def add(currency: str, day: date, amount: Decimal) -> None:
            if first <= day <= last:
                key = (currency, day.strftime("%Y-%m"))
                sales[key] = sales.get(key, ZERO) + amount

        for ledger in self.snapshot:
            for invoice in ledger.invoices:
                add(invoice.currency, invoice.issued, invoice.amount)
                for settlement in invoice.settlements:
                    if settlement.kind == "credit_note":
                        add(invoice.currency, settlement.date, -settlement.amount)
            for item in ledger.unapplied:
                if isinstance(item, CreditNote):
                    add(item.currency, item.date, -item.amount)
        return sales


def _sum_by_currency(sales: MonthlySales) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for (currency, _month), amount in sales.items():
        totals[currency] = totals.get(currency, ZERO) + amount
    return totals


def aging_report(
    policy: Policy,
    source: ReportSource,
    as_of: date,
    *,
    by_customer: bool = True,
    most_overdue: int = 0,
) -> PortfolioAging:
    """Return the portfolio's aging on ``as_of``, per currency and per customer (or only the
    ``most_overdue`` customers of each currency: rule "portfolio aging")."""
    return portfolio_aging(
        EvaluationContext(policy),
        source.ledgers(as_of),
        as_of,
        by_customer=by_customer,
        most_overdue=most_overdue,
    )


def exposure_report(policy: Policy, source: ReportSource, as_of: date) -> ExposureReport:
    """Return every customer's exposure against its credit limit on ``as_of``."""
    return credit_exposure(EvaluationContext(policy), source.ledgers(as_of), as_of)


# The portfolio aging of a day, when the caller already has it (the management summary reads
# each day once for DSO, CEI and the overdue change).
AgingOn = Callable[[date], PortfolioAging]


def dso_report(
    policy: Policy,
    source: ReportSource,
    as_of: date,
    period_days: int | None = None,
    aging_on: AgingOn | None = None,
) -> DsoReport:
    """Return standard and countback DSO, best possible DSO and ADD on ``as_of``, per currency.

    ``period_days`` overrides the policy's ``reports.dso.period_days``.
    """
    settings = policy.reports
    days = period_days or settings.dso_period_days
    first, _ = dso_period(as_of, days)
    aging = (
        aging_on(as_of)
        if aging_on is not None
        else aging_report(policy, source, as_of, by_customer=False)
    )
    sales = _sum_by_currency(source.credit_sales(first, as_of))
    months = countback_months(as_of)
    monthly = source.credit_sales(months[-1][0], as_of)
    thirty = settings.countback_months == COUNTBACK_THIRTY_DAYS
    currencies = sorted({a.currency for a in aging.currencies} | set(sales))
    figures = []
    for currency in currencies:
        amounts = aging.currency(currency)
        credit = sales.get(currency, ZERO)
        standard = standard_dso(amounts.total, credit, days)
        best = best_possible_dso(amounts.current, credit, days)
        back = countback_dso(
            amounts.total,
            [
                MonthSales(start, end, monthly.get((currency, start.strftime("%Y-%m")), ZERO))
                for start, end in months
            ],
            thirty_days=thirty,
        )
        figures.append(
            CurrencyDso(
                currency,
                amounts.total,
                amounts.current,
                credit,
                standard,
                back,
                best,
                average_days_delinquent(standard, best),
            )
        )
    month_words = "30 days each" if thirty else "their actual number of days"
    definition = (
        f"DSO = receivables on {as_of} / net credit sales of the {days} days"
        f" {first} to {as_of} x {days}; countback DSO takes away each month's credit sales from"
        f" the receivables, latest month first, months counting {month_words}; best possible"
        f" DSO = current receivables ({aging.scheme.current_words()}) / credit sales x {days};"
        " average days delinquent = DSO - best possible DSO (Credit Research Foundation)."
        f" {aging.scheme.sentence()}"
    )
    return DsoReport(as_of, first, days, definition, tuple(figures))


def cei_report(
    policy: Policy,
    source: ReportSource,
    first: date,
    last: date,
    aging_on: AgingOn | None = None,
) -> CeiReport:
    """Return the collection effectiveness index of ``first``..``last``, per currency.

    Beginning receivables are those at the end of the day before ``first``; ending ones at the
    end of ``last``.
    """
    scheme = aging_scheme(policy.reports)

    def aging(day: date) -> PortfolioAging:
        if aging_on is not None:
            return aging_on(day)
        return aging_report(policy, source, day, by_customer=False)

    begin = aging(first - timedelta(days=1))
    end = aging(last)
    sales = _sum_by_currency(source.credit_sales(first, last))
    full = policy.reports.cei_credit_sales == CEI_FULL
    months = Decimal(1) if full else months_in(first, last)
    currencies = sorted(
        {a.currency for a in begin.currencies} | {a.currency for a in end.currencies} | set(sales)
    )
    figures = []
    for currency in currencies:
        start, finish = begin.currency(currency), end.currency(currency)
        credit = sales.get(currency, ZERO)
        figures.append(
            CurrencyCei(
                currency,
                start.total,
                credit,
                finish.total,
                finish.current,
                collection_effectiveness(
                    start.total, credit, finish.total, finish.current, months
                ),
            )
        )
    sales_words = (
        "the period's whole credit sales"
        if full
        else f"the period's credit sales / N, N = {months.normalize():f} months"
    )
    definition = (
        "CEI = (beginning receivables + credit sales - ending total receivables) /"
        " (beginning receivables + credit sales - ending current receivables) x 100,"
        f" with {sales_words}; beginning receivables at the end of"
        f" {first - timedelta(days=1)}, ending at the end of {last}; current means"
        f" {scheme.current_words()} (Credit Research Foundation)."
    )
    return CeiReport(first, last, months, definition, tuple(figures))


def trend_from_ledger(policy: Policy, source: ReportSource, first: date, last: date) -> Trend:
    """Return the overdue trend of ``first``..``last`` computed day by day from the ledger (what
    the daily snapshots hold; for a ledger file, which has none)."""
    context = EvaluationContext(policy)
    points: list[TrendPoint] = []
    days: list[date] = []
    day = first
    while day <= last:
        points.extend(snapshot_points(portfolio_aging(context, source.ledgers(day), day)))
        days.append(day)
        day += timedelta(days=1)
    return overdue_trend(points, days, first, last)
