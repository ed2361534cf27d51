"""Approved write-offs as a journal CSV for the accounting system: Xero or QuickBooks Online.

Both systems book a bad debt as a credit note (Xero) or credit memo (QuickBooks) against the
invoice, on the bad-debts account; the file is each system's own import layout, one row per
invoice written off, with the columns the shipped import mappings read
(``store/mappings/xero-invoices.yaml``, ``store/mappings/quickbooks-invoices.yaml``), so the
journal also imports back as credit notes through the same mapping. docs/handoff.md shows the
columns.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.model.money import money_string


@dataclass(frozen=True, slots=True)
class JournalLine:
    """One invoice's part of an approved write-off, with what the journal names."""

    write_off_id: str
    number: int  # the line's number within its write-off, from 1
    customer_name: str
    customer_email: str
    day: date  # the day the write-off took effect
    invoice_id: str
    currency: str
    amount: Decimal
    reason: str
    account: str  # the bad-debts account code of the policy

    @property
    def credit_note(self) -> str:
        """Return the credit note's number: the write-off and the line."""
        return f"{self.write_off_id}-{self.number}"


XERO_COLUMNS = (
    "ContactName",
    "EmailAddress",
    "InvoiceNumber",
    "Reference",
    "InvoiceDate",
    "DueDate",
    "Description",
    "Quantity",
    "UnitAmount",
    "Total",
    "AccountCode",
    "TaxType",
    "Currency",
)
QUICKBOOKS_COLUMNS = (
    "Date",
    "Transaction type",
    "Num",
    "Customer",
    "Due date",
    "Amount",
    "Applied to",
    "Account",
    "Memo",
)


def _xero(line: JournalLine) -> dict[str, str]:
    amount = money_string(line.amount, line.currency)
    day = line.day.strftime("%d/%m/%Y")  # the UK dates of the shipped Xero mapping
    return {
        "ContactName": line.customer_name,
        "EmailAddress": line.customer_email,
        "InvoiceNumber": line.credit_note,
        "Reference": line.invoice_id,
        "InvoiceDate": day,
        "DueDate": day,
        "Description": f"Bad debt written off: {line.reason}",
        "Quantity": "1",
        "UnitAmount": amount,
        "Total": amount,
        "AccountCode": line.account,
        "TaxType": "No VAT",
        "Currency": line.currency,
    }


def _quickbooks(line: JournalLine) -> dict[str, str]:
    day = line.day.strftime("%m/%d/%Y")  # the US dates of the shipped QuickBooks mapping
    return {
        "Date": day,
        "Transaction type": "Credit Memo",
        "Num": line.credit_note,
        "Customer": line.customer_name,
        "Due date": day,
        "Amount": money_string(line.amount, line.currency),
        "Applied to": line.invoice_id,
        "Account": line.account,
        "Memo": f"Bad debt written off: {line.reason}",
    }


SYSTEMS: dict[str, tuple[tuple[str, ...], Callable[[JournalLine], dict[str, str]]]] = {
    "xero": (XERO_COLUMNS, _xero),
    "quickbooks": (QUICKBOOKS_COLUMNS, _quickbooks),
}


def journal_csv(lines: Iterable[JournalLine], system: str) -> str:
    """Return the journal of ``lines`` in the import layout of ``system`` (xero, quickbooks)."""
    columns, row = SYSTEMS[system]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for line in sorted(lines, key=lambda x: (x.day, x.write_off_id, x.number)):
        writer.writerow(row(line))
    return out.getvalue()
