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
from decimal import Decimal
from typing import Any

from engine.model.money import format_money, money_string
from engine.rules.aging import AgingScheme
from engine.rules.cei import CeiReport
from engine.rules.dso import DsoReport
from engine.rules.portfolio import AgedAmounts, PortfolioAging


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


def _text(value: object) -> Cell:
    text = "" if value is None else str(value)
    return Cell(text, text)


def _money(amount: Decimal, currency: str) -> Cell:
    return Cell(format_money(amount, currency), money_string(amount, currency))


def _days(value: Decimal | None, *, more_than: bool = False) -> Cell:
    if value is None:
        return Cell("n/a", "")
    return Cell(f"more than {value}" if more_than else str(value), str(value))


def _json_days(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _amounts_json(scheme: AgingScheme, amounts: AgedAmounts) -> dict[str, Any]:
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
            _text(customer), _text(name), _text(currency),
            *(_money(amount, currency) for amount in amounts.buckets),
            _money(amounts.total, currency), _money(amounts.overdue, currency),
        )  # fmt: skip

    for amounts in aging.currencies:
        rows.append(row("(all)", f"{amounts.customers} customers", amounts))
    for customer in aging.customers:
        rows.append(row(customer.customer_id, customer.name, customer.amounts))
    definition = scheme.describe().capitalize() + "."
    document = {
        "report": "aging",
        "as_of": aging.as_of.isoformat(),
        "definition": definition,
        "currencies": [_amounts_json(scheme, amounts) for amounts in aging.currencies],
        "customers": [
            {"customer_id": c.customer_id, "name": c.name, **_amounts_json(scheme, c.amounts)}
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
            _text(f.currency), _money(f.receivables, f.currency), _money(f.current, f.currency),
            _money(f.credit_sales, f.currency), _days(f.standard),
            _days(f.countback.days, more_than=f.countback.more_than), _days(f.best_possible),
            _days(f.average_days_delinquent),
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
                "dso": _json_days(f.standard),
                "countback_dso": _json_days(f.countback.days),
                "countback_more_than": f.countback.more_than,
                "best_possible_dso": _json_days(f.best_possible),
                "average_days_delinquent": _json_days(f.average_days_delinquent),
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
            _text(f.currency), _money(f.beginning, f.currency), _money(f.credit_sales, f.currency),
            _money(f.ending_total, f.currency), _money(f.ending_current, f.currency),
            _days(f.cei),
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
                "cei": _json_days(f.cei),
            }
            for f in report.currencies
        ],
    }
    title = f"Collection effectiveness index, {report.first} to {report.last}"
    return RenderedReport(Sheet(title, report.definition, columns, rows), document)


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
