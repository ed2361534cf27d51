"""The reports on IBM's accounts-receivable sample, against figures computed from the CSV alone.

tests/fixtures/ibm-ar/README.md describes the file. Each invoice becomes a ledger invoice with its
own due date, paid in full on its settled date (amounts in USD). On a given day an invoice is open
when it was issued on or before the day and settled after it, and overdue when its due date is
before the day: those are counted here straight from the CSV rows, with no engine code, and
compared with the engine's aging, DSO and monthly summary (cash collected: the invoices settled in
the month).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from engine.model.ledger import Customer, CustomerLedger, Invoice, Settlement
from engine.tools.reports import SnapshotReportSource, aging_report, dso_report
from engine.tools.summary import SnapshotSummarySource, management_summary
from tests.engine.builders import make_policy

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
CSV = FIXTURES / "ibm-ar" / "WA_Fn-UseC_-Accounts-Receivable.csv"


def _day(text: str) -> date:
    month, day, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def _rows() -> list[dict[str, str]]:
    with CSV.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


ROWS = _rows()


def _ledger() -> SnapshotReportSource:
    by_customer: dict[str, list[Invoice]] = {}
    for row in ROWS:
        amount = Decimal(row["InvoiceAmount"])
        number = row["invoiceNumber"]
        by_customer.setdefault(row["customerID"], []).append(
            Invoice(
                number,
                row["customerID"],
                _day(row["InvoiceDate"]),
                amount,
                "USD",
                None,
                _day(row["DueDate"]),
                (Settlement(_day(row["SettledDate"]), amount, "payment", "P-" + number),),
            )
        )
    return SnapshotReportSource(
        CustomerLedger(Customer(customer), tuple(sorted(invoices, key=lambda i: (i.issued, i.id))))
        for customer, invoices in sorted(by_customer.items())
    )


# Due dates as the file states them, not moved off weekends.
POLICY = replace(make_policy(), due_date_roll="none")
LEDGER = _ledger()
CENT = Decimal("0.01")


@pytest.mark.parametrize("on", ["2012-06-30", "2013-03-15", "2013-12-31"])
def test_open_and_overdue_totals_match_the_csv(on: str) -> None:
    """Total receivables, the overdue part and the over-90 bucket equal the CSV's own counts."""
    day = date.fromisoformat(on)
    open_rows = [r for r in ROWS if _day(r["InvoiceDate"]) <= day < _day(r["SettledDate"])]
    expected_open = sum((Decimal(r["InvoiceAmount"]) for r in open_rows), Decimal(0))
    late = [r for r in open_rows if _day(r["DueDate"]) < day]
    expected_overdue = sum((Decimal(r["InvoiceAmount"]) for r in late), Decimal(0))
    expected_over_90 = sum(
        (Decimal(r["InvoiceAmount"]) for r in late if (day - _day(r["DueDate"])).days > 90),
        Decimal(0),
    )
    usd = aging_report(POLICY, LEDGER, day, by_customer=False).currency("USD")
    assert usd.total == expected_open
    assert usd.overdue == expected_overdue
    assert usd.buckets[-1] == expected_over_90
    assert usd.invoices == len(open_rows)
    assert usd.total > 0


def test_dso_matches_the_csv() -> None:
    """Standard DSO on 30 June 2013: the CSV's open amounts / its invoices of the 90 days to that
    day x 90, and best possible DSO from the rows not yet due."""
    day = date(2013, 6, 30)
    first = day - timedelta(days=89)
    sales = sum(
        (Decimal(r["InvoiceAmount"]) for r in ROWS if first <= _day(r["InvoiceDate"]) <= day),
        Decimal(0),
    )
    open_rows = [r for r in ROWS if _day(r["InvoiceDate"]) <= day < _day(r["SettledDate"])]
    receivables = sum((Decimal(r["InvoiceAmount"]) for r in open_rows), Decimal(0))
    current = sum(
        (Decimal(r["InvoiceAmount"]) for r in open_rows if _day(r["DueDate"]) >= day),
        Decimal(0),
    )
    [usd] = dso_report(POLICY, LEDGER, day).currencies
    assert usd.credit_sales == sales
    assert usd.standard == (receivables / sales * 90).quantize(CENT, ROUND_HALF_UP)
    assert usd.best_possible == (current / sales * 90).quantize(CENT, ROUND_HALF_UP)


@pytest.mark.parametrize("last", ["2013-03-31", "2013-06-30"])
def test_the_monthly_summary_matches_the_csv(last: str) -> None:
    """Cash collected in the month: the CSV's invoices settled in it; overdue at the end of the
    month and of the month before: the CSV's open rows past their due date."""
    end = date.fromisoformat(last)
    first = end.replace(day=1)

    def overdue(day: date) -> Decimal:
        return sum(
            (
                Decimal(r["InvoiceAmount"])
                for r in ROWS
                if _day(r["InvoiceDate"]) <= day < _day(r["SettledDate"])
                and _day(r["DueDate"]) < day
            ),
            Decimal(0),
        )

    cash = sum(
        (Decimal(r["InvoiceAmount"]) for r in ROWS if first <= _day(r["SettledDate"]) <= end),
        Decimal(0),
    )
    summary = management_summary(
        POLICY, LEDGER, SnapshotSummarySource(LEDGER.snapshot), period="month", last=end
    )
    now = summary.current
    assert now.cash == {"USD": cash}
    assert now.overdue_after["USD"] == overdue(end)
    assert now.overdue_before["USD"] == overdue(first - timedelta(days=1))
    assert cash > 0
