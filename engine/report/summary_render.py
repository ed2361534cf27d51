"""The management summary as one page: Markdown, HTML (the PDF is printed from it), and as a sheet
and a JSON document for the table, CSV and JSON formats every report has.

Money in JSON and CSV has the currency's minor units; the page writes it as people read it
(``GBP 1,200.00``), changes with their sign.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from html import escape
from typing import Any

from engine.model.money import ZERO, format_money, money_string
from engine.report.report_render import Cell, RenderedReport, Sheet, json_days, text_cell
from engine.rules.summary import ManagementSummary, PeriodFigures

Line = tuple[str, str, str, str]  # figure, currency, this period, previous period


def _signed(amount: Decimal, currency: str) -> str:
    text = format_money(abs(amount), currency)
    return f"+{text}" if amount > 0 else (f"-{text}" if amount < 0 else text)


def _figure(value: Decimal | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value}{unit}"


def _dso(figures: PeriodFigures, currency: str) -> Decimal | None:
    return next((f.standard for f in figures.dso.currencies if f.currency == currency), None)


def _cei(figures: PeriodFigures, currency: str) -> Decimal | None:
    return next((f.cei for f in figures.cei.currencies if f.currency == currency), None)


def key_lines(summary: ManagementSummary) -> list[Line]:
    """Return the key figures, per currency: this period and the one before."""
    now, before = summary.current, summary.previous
    lines: list[Line] = []
    for c in summary.currencies:
        lines += [
            ("Cash collected", c, format_money(now.cash.get(c, ZERO), c),
             format_money(before.cash.get(c, ZERO), c)),
            ("Overdue at the end", c, format_money(now.overdue_after.get(c, ZERO), c),
             format_money(before.overdue_after.get(c, ZERO), c)),
            ("Overdue change", c, _signed(now.overdue_change(c), c),
             _signed(before.overdue_change(c), c)),
            ("DSO (days)", c, _figure(_dso(now, c)), _figure(_dso(before, c))),
            ("CEI", c, _figure(_cei(now, c), " %"), _figure(_cei(before, c), " %")),
        ]  # fmt: skip
    return lines


def title(summary: ManagementSummary) -> str:
    """Return the page's title: the period and its dates."""
    now = summary.current
    return f"Management summary: {summary.period} {now.first} to {now.last}"


def _compared(summary: ManagementSummary) -> str:
    before = summary.previous
    return f"Compared with the {summary.period} before: {before.first} to {before.last}."


def _amounts(amounts: Mapping[str, Decimal]) -> str:
    return ", ".join(format_money(a, c) for c, a in sorted(amounts.items())) or "-"


def _sections(summary: ManagementSummary) -> dict[str, list[list[str]]]:
    """Return the tables of the page after the key figures, each a header and rows of text."""
    largest = [["Customer", "Name", "Overdue", "Open"]] + [
        [c.customer_id, c.name, format_money(c.amounts.overdue, c.amounts.currency),
         format_money(c.amounts.total, c.amounts.currency)]
        for c in summary.largest_overdue
    ]  # fmt: skip
    escalations = [["Customer", "Name", "Handed to", "On", "Claim"]] + [
        [h.customer_id, h.name, h.to, h.opened.isoformat(), _amounts(h.claim)]
        for h in summary.handoffs
    ]
    written = [["Currency", "Write-offs", "Amount"]] + [
        [c, str(count), format_money(amount, c)]
        for c, (count, amount) in summary.write_offs.items()
    ]
    broken = [["Customer", "Pay-by date", "Promised"]] + [
        [b.customer_id, b.pay_by.isoformat(), format_money(b.amount, b.currency)]
        for b in summary.broken
    ]
    changes = [["Commit", "Merged", "Change", "Plan on that day"]] + [
        [c.commit, c.day.isoformat(), c.subject, c.headline] for c in summary.changes
    ]
    return {
        "Ten largest overdue customers": largest,
        "Escalations: customers handed off": escalations,
        "Write-offs": written,
        "Broken promises": broken,
        "Policy changes merged": changes,
    }


EMPTY = {
    "Ten largest overdue customers": "Nobody is overdue.",
    "Escalations: customers handed off": "No customer was handed off.",
    "Write-offs": "Nothing was written off.",
    "Broken promises": "No promise was broken.",
    "Policy changes merged": "The policy did not change.",
}


def definitions(summary: ManagementSummary) -> str:
    """Return how the figures are defined, printed at the foot of the page."""
    return (
        "Cash collected: payments dated in the period less refunds, chargebacks and reversals"
        " of payments dated in it. Overdue: open amounts past their due date at the end of the"
        " day; the change is from the end of the day before the period. "
        f"{summary.current.dso.definition} {summary.current.cei.definition} Broken promises:"
        " promises whose pay-by date passed in the period without the promised payment."
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_md(c) for c in rows[0]) + " |"]
    out.append("|" + "|".join("---" for _ in rows[0]) + "|")
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows[1:]]
    return out


def summary_markdown(summary: ManagementSummary) -> str:
    """Return the summary as a Markdown page."""
    lines = [f"# {title(summary)}", "", _compared(summary), "", "## Key figures", ""]
    keys = [["Figure", "Currency", "This period", "Previous period"]]
    keys += [list(line) for line in key_lines(summary)]
    lines += _md_table(keys) if len(keys) > 1 else ["Nothing owed and nothing collected."]
    for name, rows in _sections(summary).items():
        lines += ["", f"## {name}", ""]
        lines += _md_table(rows) if len(rows) > 1 else [EMPTY[name]]
    lines += ["", f"*{_md(definitions(summary))}*", ""]
    return "\n".join(lines)


STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; color: #1d232b; }
h1 { font-size: 15pt; margin: 0 0 4pt; } h2 { font-size: 11pt; margin: 10pt 0 3pt; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2pt 6pt; border-bottom: 0.5pt solid #c9ced6; }
td.num, th.num { text-align: right; } p.hint { color: #4b5563; font-size: 8pt; }
@page { size: A4; margin: 14mm; }
"""


def _html_table(rows: list[list[str]], numeric_from: int) -> str:
    def cell(tag: str, index: int, text: str) -> str:
        kind = ' class="num"' if index >= numeric_from else ""
        return f"<{tag}{kind}>{escape(text)}</{tag}>"

    head = "".join(cell("th", i, c) for i, c in enumerate(rows[0]))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>" for row in rows[1:]
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


NUMERIC_FROM = {
    "Ten largest overdue customers": 2,
    "Escalations: customers handed off": 4,
    "Write-offs": 1,
    "Broken promises": 2,
    "Policy changes merged": 9,
}


def summary_html(summary: ManagementSummary) -> str:
    """Return the summary as one HTML page (the PDF is printed from it)."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{escape(title(summary))}</title>',
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(title(summary))}</h1>",
        f"<p>{escape(_compared(summary))}</p>",
        "<h2>Key figures</h2>",
    ]
    keys = [["Figure", "Currency", "This period", "Previous period"]]
    keys += [list(line) for line in key_lines(summary)]
    parts.append(
        _html_table(keys, 2) if len(keys) > 1 else "<p>Nothing owed and nothing collected.</p>"
    )
    for name, rows in _sections(summary).items():
        parts.append(f"<h2>{escape(name)}</h2>")
        parts.append(
            _html_table(rows, NUMERIC_FROM[name]) if len(rows) > 1 else f"<p>{EMPTY[name]}</p>"
        )
    parts.append(f'<p class="hint">{escape(definitions(summary))}</p></body></html>')
    return "\n".join(parts) + "\n"


def _money_json(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    return {c: money_string(a, c) for c, a in sorted(amounts.items())}


def _period_json(figures: PeriodFigures, currencies: tuple[str, ...]) -> dict[str, Any]:
    return {
        "from": figures.first.isoformat(),
        "to": figures.last.isoformat(),
        "currencies": [
            {
                "currency": c,
                "cash_collected": money_string(figures.cash.get(c, ZERO), c),
                "overdue_before": money_string(figures.overdue_before.get(c, ZERO), c),
                "overdue_after": money_string(figures.overdue_after.get(c, ZERO), c),
                "overdue_change": money_string(figures.overdue_change(c), c),
                "dso": json_days(_dso(figures, c)),
                "cei": json_days(_cei(figures, c)),
            }
            for c in currencies
        ],
    }


def summary_rendered(summary: ManagementSummary) -> RenderedReport:
    """Return the summary as a sheet (one row per figure and line) and a JSON document."""
    columns = ("Section", "Item", "Currency", "This period", "Previous period")
    rows: list[tuple[Cell, ...]] = [
        (text_cell("Key figures"), text_cell(f), text_cell(c), text_cell(now), text_cell(then))
        for f, c, now, then in key_lines(summary)
    ]
    for name, table in _sections(summary).items():
        for row in table[1:]:
            rows.append(
                (text_cell(name), text_cell(" / ".join(row[:-1])), text_cell(""),
                 text_cell(row[-1]), text_cell(""))
            )  # fmt: skip
    currencies = summary.currencies
    document = {
        "report": "summary",
        "period": summary.period,
        "from": summary.current.first.isoformat(),
        "to": summary.current.last.isoformat(),
        "definition": definitions(summary),
        "current": _period_json(summary.current, currencies),
        "previous": _period_json(summary.previous, currencies),
        "largest_overdue": [
            {
                "customer_id": c.customer_id,
                "name": c.name,
                "currency": c.amounts.currency,
                "overdue": money_string(c.amounts.overdue, c.amounts.currency),
                "total": money_string(c.amounts.total, c.amounts.currency),
            }
            for c in summary.largest_overdue
        ],
        "handoffs": [
            {
                "customer_id": h.customer_id,
                "name": h.name,
                "to": h.to,
                "opened": h.opened.isoformat(),
                "claim": _money_json(h.claim),
            }
            for h in summary.handoffs
        ],
        "write_offs": [
            {"currency": c, "count": count, "amount": money_string(amount, c)}
            for c, (count, amount) in summary.write_offs.items()
        ],
        "broken_promises": [
            {
                "customer_id": b.customer_id,
                "pay_by": b.pay_by.isoformat(),
                "amount": money_string(b.amount, b.currency),
                "currency": b.currency,
            }
            for b in summary.broken
        ],
        "policy_changes": [
            {
                "commit": c.commit,
                "day": c.day.isoformat(),
                "subject": c.subject,
                "headline": c.headline,
            }
            for c in summary.changes
        ],
    }
    sheet = Sheet(title(summary), definitions(summary), columns, tuple(rows))
    return RenderedReport(sheet, document)
