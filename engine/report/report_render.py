"""The portfolio reports as text for people and machines: table, JSON, CSV and Markdown.

Each report is first turned into a ``Sheet`` (a title, the definition used, column names and
rows of cells) and a JSON document; the four reporters only lay those out, so every format shows
the same figures. Money in JSON and CSV is written by ``money_string`` (the currency's minor
units); tables and Markdown write it as people read it (``GBP 1,200.00``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.model.money import format_money, money_string
from engine.rules.aging import AgingScheme
from engine.rules.cei import CeiReport
from engine.rules.dso import DsoReport
from engine.rules.effectiveness import WINDOWS, WhatWorksReport
from engine.rules.experiments import ExperimentResult
from engine.rules.portfolio import AgedAmounts, PortfolioAging
from engine.rules.trend import Trend


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell: what people read (``GBP 1,200.00``) and what a CSV holds (``1200.00``)."""

    text: str
    plain: str


@dataclass(frozen=True, slots=True)
class Sheet:
    """A report laid out as a table, with the definition printed beside it."""

    title: str
    definition: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True, slots=True)
class RenderedReport:
    """A report as a sheet (table, CSV, Markdown) and as a JSON document."""

    sheet: Sheet
    document: dict[str, Any]


def text_cell(value: object) -> Cell:
    text = "" if value is None else str(value)
    return Cell(text, text)


def money_cell(amount: Decimal, currency: str) -> Cell:
    return Cell(format_money(amount, currency), money_string(amount, currency))


def days_cell(value: Decimal | None, *, more_than: bool = False) -> Cell:
    if value is None:
        return Cell("n/a", "")
    return Cell(f"more than {value}" if more_than else str(value), str(value))


def json_days(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def aged_amounts_json(scheme: AgingScheme, amounts: AgedAmounts) -> dict[str, Any]:
    """Return one currency's aged amounts as JSON writes them (money with its minor units)."""
    currency = amounts.currency
    return {
        "currency": currency,
        "total": money_string(amounts.total, currency),
        "current": money_string(amounts.current, currency),
        "overdue": money_string(amounts.overdue, currency),
        "invoices": amounts.invoices,
        "customers": amounts.customers,
        "buckets": [
            {
                "bucket": spec.name,
                "label": spec.label,
                "invoices": amounts.counts[index],
                "amount": money_string(amounts.buckets[index], currency),
            }
            for index, spec in enumerate(scheme.buckets)
        ],
    }


def aging_rendered(aging: PortfolioAging) -> RenderedReport:
    """Return the portfolio aging as a sheet and a JSON document."""
    scheme = aging.scheme
    columns = (
        "Customer", "Name", "Currency", *(spec.label for spec in scheme.buckets),
        "Total", "Overdue",
    )  # fmt: skip
    rows: list[tuple[Cell, ...]] = []

    def row(customer: str, name: str, amounts: AgedAmounts) -> tuple[Cell, ...]:
        currency = amounts.currency
        return (
            text_cell(customer), text_cell(name), text_cell(currency),
            *(money_cell(amount, currency) for amount in amounts.buckets),
            money_cell(amounts.total, currency), money_cell(amounts.overdue, currency),
        )  # fmt: skip

    for amounts in aging.currencies:
        rows.append(row("(all)", f"{amounts.customers} customers", amounts))
    for customer in aging.customers:
        rows.append(row(customer.customer_id, customer.name, customer.amounts))
    definition = scheme.sentence()
    document = {
        "report": "aging",
        "as_of": aging.as_of.isoformat(),
        "definition": definition,
        "currencies": [aged_amounts_json(scheme, amounts) for amounts in aging.currencies],
        "customers": [
            {"customer_id": c.customer_id, "name": c.name, **aged_amounts_json(scheme, c.amounts)}
            for c in aging.customers
        ],
    }
    sheet = Sheet(f"Aging on {aging.as_of}", definition, columns, tuple(rows))
    return RenderedReport(sheet, document)


def dso_rendered(report: DsoReport) -> RenderedReport:
    """Return the DSO figures as a sheet and a JSON document."""
    columns = (
        "Currency", "Receivables", "Current", "Credit sales", "DSO", "Countback DSO",
        "Best possible DSO", "Average days delinquent",
    )  # fmt: skip
    rows = tuple(
        (
            text_cell(f.currency), money_cell(f.receivables, f.currency),
            money_cell(f.current, f.currency), money_cell(f.credit_sales, f.currency),
            days_cell(f.standard), days_cell(f.countback.days, more_than=f.countback.more_than),
            days_cell(f.best_possible), days_cell(f.average_days_delinquent),
        )
        for f in report.currencies
    )  # fmt: skip
    document = {
        "report": "dso",
        "as_of": report.as_of.isoformat(),
        "from": report.first.isoformat(),
        "period_days": report.period_days,
        "definition": report.definition,
        "currencies": [
            {
                "currency": f.currency,
                "receivables": money_string(f.receivables, f.currency),
                "current": money_string(f.current, f.currency),
                "credit_sales": money_string(f.credit_sales, f.currency),
                "dso": json_days(f.standard),
                "countback_dso": json_days(f.countback.days),
                "countback_more_than": f.countback.more_than,
                "best_possible_dso": json_days(f.best_possible),
                "average_days_delinquent": json_days(f.average_days_delinquent),
            }
            for f in report.currencies
        ],
    }
    title = f"DSO on {report.as_of} ({report.period_days} days from {report.first})"
    return RenderedReport(Sheet(title, report.definition, columns, rows), document)


def cei_rendered(report: CeiReport) -> RenderedReport:
    """Return the collection effectiveness index as a sheet and a JSON document."""
    columns = (
        "Currency", "Beginning receivables", "Credit sales", "Ending receivables",
        "Ending current", "CEI %",
    )  # fmt: skip
    rows = tuple(
        (
            text_cell(f.currency), money_cell(f.beginning, f.currency),
            money_cell(f.credit_sales, f.currency), money_cell(f.ending_total, f.currency),
            money_cell(f.ending_current, f.currency),
            days_cell(f.cei),
        )
        for f in report.currencies
    )  # fmt: skip
    document = {
        "report": "cei",
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "months": str(report.months.quantize(Decimal("0.0001")).normalize()),
        "definition": report.definition,
        "currencies": [
            {
                "currency": f.currency,
                "beginning_receivables": money_string(f.beginning, f.currency),
                "credit_sales": money_string(f.credit_sales, f.currency),
                "ending_receivables": money_string(f.ending_total, f.currency),
                "ending_current": money_string(f.ending_current, f.currency),
                "cei": json_days(f.cei),
            }
            for f in report.currencies
        ],
    }
    title = f"Collection effectiveness index, {report.first} to {report.last}"
    return RenderedReport(Sheet(title, report.definition, columns, rows), document)


def share_text(part: Decimal | None) -> str | None:
    # A fraction as a percentage with two decimals, half up like every figure of the reports.
    if part is None:
        return None
    return str((part * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def trend_rendered(trend: Trend) -> RenderedReport:
    """Return the overdue trend as a sheet (a row per day and currency) and a JSON document."""
    columns = ("Day", "Currency", "Total", "Current", "Overdue", "Overdue %")
    rows = tuple(
        (
            text_cell(p.day.isoformat()), text_cell(p.currency), money_cell(p.total, p.currency),
            money_cell(p.current, p.currency), money_cell(p.overdue, p.currency),
            text_cell(share_text(p.overdue_share) or "n/a"),
        )
        for series in trend.currencies
        for p in series.points
    )  # fmt: skip
    missing = ", ".join(day.isoformat() for day in trend.missing[:10])
    if len(trend.missing) > 10:
        missing += f" and {len(trend.missing) - 10} more"
    definition = (
        "Open and overdue receivables at the end of each day, from the daily snapshots (the"
        " aging of that day, as the daily job wrote it or as rebuilt from the ledger)."
    )
    if missing:
        definition += f" No snapshot on {missing}: `dunning report snapshot` rebuilds them."
    document = {
        "report": "trend",
        "from": trend.first.isoformat(),
        "to": trend.last.isoformat(),
        "definition": definition,
        "missing_days": [day.isoformat() for day in trend.missing],
        "currencies": [
            {
                "currency": series.currency,
                "overdue_change": money_string(series.overdue_change, series.currency),
                "points": [
                    {
                        "day": p.day.isoformat(),
                        "total": money_string(p.total, p.currency),
                        "current": money_string(p.current, p.currency),
                        "overdue": money_string(p.overdue, p.currency),
                        "overdue_percent": share_text(p.overdue_share),
                    }
                    for p in series.points
                ],
            }
            for series in trend.currencies
        ],
    }
    title = f"Overdue trend, {trend.first} to {trend.last}"
    return RenderedReport(Sheet(title, definition, columns, rows), document)


def percent_cell(part: Decimal | None) -> Cell:
    shown = share_text(part)
    return Cell(f"{shown} %" if shown is not None else "n/a", shown or "")


def what_works_rendered(report: WhatWorksReport) -> RenderedReport:
    """Return the "what works" figures as a sheet and a JSON document."""
    windows = [f"Paid within {w} days" for w in WINDOWS]
    columns = (
        "Dimension", "Value", "Policy version", "Invoices reached", *windows,
        "Median days to payment", "Collected in 30 days", "Steps fired",
        "Led to a portal answer", "Led to an answer or a payment",
    )  # fmt: skip
    rows = tuple(
        (
            text_cell(e.dimension), text_cell(e.value), text_cell(e.version), text_cell(e.reached),
            *(percent_cell(e.share(index)) for index in range(len(WINDOWS))),
            days_cell(e.median_days),
            Cell(
                ", ".join(format_money(a, c) for c, a in e.collected.items()) or "-",
                " ".join(f"{c} {money_string(a, c)}" for c, a in e.collected.items()),
            ),
            text_cell(e.fired), text_cell(e.answered), text_cell(e.answered_or_paid),
        )
        for e in report.effects
    )  # fmt: skip
    versions = "; ".join(
        f"{v.version} ({f'from {v.since}: ' if v.since else ''}{v.subject})"
        for v in report.versions
    )
    definition = (
        f"Steps worked or delivered from {report.first} to {report.last}, seen on"
        f" {report.as_of}: an invoice is reached when something was open on it at the end of"
        " the day the step fired, paid on the day its payments and credit notes cover it; a"
        " share counts only the invoices whose window had ended by then; collected is the cash"
        " applied in the 30 days after the step. Of the steps fired, how many led to an answer"
        " on the payment portal from the message's link, and how many to that or a payment,"
        " in the 30 days after. Split by the policy version in force on the"
        f" day the step fired: {versions or 'none'}."
    )
    document = {
        "report": "effectiveness",
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "as_of": report.as_of.isoformat(),
        "definition": definition,
        "versions": [
            {
                "version": v.version,
                "since": v.since.isoformat() if v.since else None,
                "subject": v.subject,
            }
            for v in report.versions
        ],
        "rows": [
            {
                "dimension": e.dimension,
                "value": e.value,
                "version": e.version,
                "reached": e.reached,
                "paid_within": {
                    str(window): {
                        "observed": e.observed[index],
                        "paid": e.paid[index],
                        "percent": share_text(e.share(index)),
                    }
                    for index, window in enumerate(WINDOWS)
                },
                "median_days_to_payment": json_days(e.median_days),
                "collected": {c: money_string(a, c) for c, a in e.collected.items()},
                "fired": e.fired,
                "answered": e.answered,
                "answered_or_paid": e.answered_or_paid,
            }
            for e in report.effects
        ],
    }
    title = f"What works: steps fired {report.first} to {report.last}"
    return RenderedReport(Sheet(title, definition, columns, rows), document)


def experiments_rendered(
    results: Sequence[ExperimentResult], report: WhatWorksReport, window: int
) -> RenderedReport:
    """Return the experiments' comparison as a sheet (a row per variant) and a JSON document."""
    columns = (
        "Experiment", "Step", "Variant", "Invoices observed", "Paid within the window",
        "Share paid", "95 % interval", "Difference from control", "p-value", "Verdict",
    )  # fmt: skip
    rows: list[tuple[Cell, ...]] = []
    for result in results:
        against = {d.variant: d for d in result.differences}
        for arm in result.arms:
            diff = against.get(arm.variant)
            interval = (
                f"{share_text(arm.low)} % to {share_text(arm.high)} %"
                if arm.low is not None
                else "n/a"
            )
            rows.append(
                (
                    text_cell(result.experiment), text_cell(result.step), text_cell(arm.variant),
                    text_cell(arm.observed), text_cell(arm.paid), percent_cell(arm.share),
                    text_cell(interval),
                    percent_cell(diff.difference) if diff else text_cell("control"),
                    text_cell(diff.p_value) if diff else text_cell(""),
                    text_cell(diff.verdict) if diff else text_cell(""),
                )
            )  # fmt: skip
    definition = (
        f"For each variant, the invoices its step reached whose {window}-day window had ended by"
        f" {report.as_of}, the share paid within {window} days with a 95 % Wilson score interval,"
        " and the difference from the first variant (the control) with a 95 % Newcombe interval"
        " and a two-sided p-value (statsmodels). A difference whose interval includes zero is"
        f" not significant. Steps fired {report.first} to {report.last}, every policy version."
    )
    document = {
        "report": "experiments",
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "as_of": report.as_of.isoformat(),
        "window_days": window,
        "definition": definition,
        "experiments": [
            {
                "experiment": r.experiment,
                "step": r.step,
                "variants": [
                    {
                        "variant": a.variant,
                        "observed": a.observed,
                        "paid": a.paid,
                        "percent": share_text(a.share),
                        "low_percent": share_text(a.low),
                        "high_percent": share_text(a.high),
                    }
                    for a in r.arms
                ],
                "differences": [
                    {
                        "variant": d.variant,
                        "control": d.control,
                        "difference_percent": share_text(d.difference),
                        "low_percent": share_text(d.low),
                        "high_percent": share_text(d.high),
                        "p_value": str(d.p_value),
                        "significant": d.significant,
                        "verdict": d.verdict,
                    }
                    for d in r.differences
                ],
            }
            for r in results
        ],
    }
    title = f"Experiments: steps fired {report.first} to {report.last}"
    return RenderedReport(Sheet(title, definition, columns, tuple(rows)), document)


def _table(report: RenderedReport) -> str:
    sheet = report.sheet
    lines = [sheet.title, f"Definition: {sheet.definition}", ""]
    if not sheet.rows:
        lines.append("Nothing to report.")
        return "\n".join(lines) + "\n"
    grid = [list(sheet.columns), *([cell.text for cell in row] for row in sheet.rows)]
    widths = [max(len(r[i]) for r in grid) for i in range(len(sheet.columns))]
    for index, cells in enumerate(grid):
        padded = [
            cell.ljust(width) if column < 3 or index == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines) + "\n"


def _csv(report: RenderedReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(report.sheet.columns)
    for row in report.sheet.rows:
        writer.writerow(cell.plain for cell in row)
    return out.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(report: RenderedReport) -> str:
    sheet = report.sheet
    lines = [f"## {sheet.title}", "", f"*{_md_cell(sheet.definition)}*", ""]
    lines.append("| " + " | ".join(sheet.columns) + " |")
    lines.append("|" + "|".join("---" for _ in sheet.columns) + "|")
    for row in sheet.rows:
        lines.append("| " + " | ".join(_md_cell(cell.text) for cell in row) + " |")
    return "\n".join(lines) + "\n"


def _json(report: RenderedReport) -> str:
    return json.dumps(report.document, indent=2, ensure_ascii=False) + "\n"


REPORT_FORMATS: dict[str, Callable[[RenderedReport], str]] = {
    "table": _table,
    "json": _json,
    "csv": _csv,
    "markdown": _markdown,
}


def render_report(report: RenderedReport, fmt: str) -> str:
    """Return ``report`` in format ``fmt`` (table, json, csv or markdown)."""
    return REPORT_FORMATS[fmt](report)


def format_names() -> Sequence[str]:
    """Return the formats ``render_report`` writes."""
    return tuple(REPORT_FORMATS)
