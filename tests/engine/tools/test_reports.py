"""The portfolio reports (engine/tools/reports.py) over a ledger in memory, figures by hand.

C1 (GBP, net 30), reported on Tue 31 March 2026 over the 90 days from 1 January:

- I4, 500.00 issued 1 Dec 2025, 100.00 credited on 5 Jan: 400.00 open, overdue;
- I1, 1,000.00 issued 10 Jan, paid in full on 9 Feb;
- I2, 2,000.00 issued 10 Feb, due Thu 12 Mar: open, 19 days late;
- I3, 3,000.00 issued 15 Mar, due 14 Apr: open, not yet due.

Net credit sales of the period: 1,000 + 2,000 + 3,000 - 100 = 5,900.00; receivables 5,400.00, of
which 3,000.00 current.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from engine.model.policy import ReportSettings
from engine.report.report_render import (
    aging_rendered,
    cei_rendered,
    dso_rendered,
    render_report,
)
from engine.rules.dso import Countback
from engine.tools.reports import SnapshotReportSource, aging_report, cei_report, dso_report
from tests.engine.builders import account, invoice, m, make_policy

LEDGER = SnapshotReportSource(
    [
        account(
            "C1",
            invoice("I4", "2025-12-01", "500.00", credited=[("2026-01-05", "100.00")]),
            invoice("I1", "2026-01-10", "1000.00", paid=[("2026-02-09", "1000.00")]),
            invoice("I2", "2026-02-10", "2000.00"),
            invoice("I3", "2026-03-15", "3000.00"),
            name="Acme Trading Ltd",
        )
    ]
)
ON = date(2026, 3, 31)


def test_credit_sales_are_invoices_less_credit_notes_per_month() -> None:
    """The credit note of 5 January lowers January's sales."""
    assert LEDGER.credit_sales(date(2026, 1, 1), ON) == {
        ("GBP", "2026-01"): m("900.00"),
        ("GBP", "2026-02"): m("2000.00"),
        ("GBP", "2026-03"): m("3000.00"),
    }


def test_dso_report_gives_standard_countback_best_possible_and_add() -> None:
    """DSO = 5,400 / 5,900 x 90 = 82.37; best possible = 3,000 / 5,900 x 90 = 45.76; ADD =
    36.61; countback: March 3,000 (31 days), February 2,000 (28), then 400 of January's 900
    (400 / 900 x 31 = 13.78): 72.78."""
    report = dso_report(make_policy(), LEDGER, ON)
    [gbp] = report.currencies
    assert (report.first, report.period_days) == (date(2026, 1, 1), 90)
    assert (gbp.receivables, gbp.current, gbp.credit_sales) == (
        m("5400.00"),
        m("3000.00"),
        m("5900.00"),
    )
    assert (gbp.standard, gbp.best_possible, gbp.average_days_delinquent) == (
        Decimal("82.37"),
        Decimal("45.76"),
        Decimal("36.61"),
    )
    assert gbp.countback == Countback(Decimal("72.78"), 2, more_than=False)
    assert "Credit Research Foundation" in report.definition


def test_cei_report_with_full_credit_sales() -> None:
    """Beginning (31 Dec 2025) 500.00; (500 + 5,900 - 5,400) / (500 + 5,900 - 3,000) = 29.41 %."""
    policy = replace(make_policy(), reports=ReportSettings(cei_credit_sales="full"))
    report = cei_report(policy, LEDGER, date(2026, 1, 1), ON)
    [gbp] = report.currencies
    assert (gbp.beginning, gbp.credit_sales, gbp.ending_total, gbp.ending_current) == (
        m("500.00"),
        m("5900.00"),
        m("5400.00"),
        m("3000.00"),
    )
    assert gbp.cei == Decimal("29.41")
    assert "whole credit sales" in report.definition


def test_every_format_shows_the_same_figures_and_the_definition() -> None:
    """Table, Markdown, CSV and JSON of one report carry the same amounts; JSON writes money
    with the currency's minor units."""
    rendered = aging_rendered(aging_report(make_policy(), LEDGER, ON))
    table = render_report(rendered, "table")
    assert "Definition: Aged by days past the due date" in table
    assert "GBP 5,400.00" in table
    assert "| C1 | Acme Trading Ltd | GBP |" in render_report(rendered, "markdown")
    csv_lines = render_report(rendered, "csv").splitlines()
    assert csv_lines[0] == "Customer,Name,Currency,Not due,1–30,31–60,61–90,Over 90,Total,Overdue"
    assert csv_lines[1] == "(all),1 customers,GBP,3000.00,2000.00,0.00,400.00,0.00,5400.00,2400.00"
    document = rendered.document
    assert document["currencies"][0]["total"] == "5400.00"
    dso_json = dso_rendered(dso_report(make_policy(), LEDGER, ON)).document
    assert dso_json["currencies"][0]["dso"] == "82.37"
    cei_json = cei_rendered(cei_report(make_policy(), LEDGER, date(2026, 1, 1), ON)).document
    # Averaged credit sales (1,966.67 a month) do not cover the growth: nothing to index.
    assert (cei_json["months"], cei_json["currencies"][0]["cei"]) == ("3", None)
