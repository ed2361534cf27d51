"""The collector activity and credit exposure reports as sheets and JSON documents.

Laid out as every portfolio report is (``engine.report.report_render``): a sheet for the table,
CSV and Markdown reporters, and a JSON document; money with the currency's minor units in JSON
and CSV.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from engine.model.money import format_money, money_string
from engine.report.report_render import (
    Cell,
    RenderedReport,
    Sheet,
    money_cell,
    percent_cell,
    share_text,
    text_cell,
)
from engine.rules.collectors import CONTACT_WINDOW_DAYS, CollectorReport
from engine.rules.exposure import ExposureReport


def _amounts_cell(amounts: Mapping[str, Decimal]) -> Cell:
    return Cell(
        ", ".join(format_money(a, c) for c, a in amounts.items()) or "-",
        " ".join(f"{c} {money_string(a, c)}" for c, a in amounts.items()),
    )


def collectors_definition(report: CollectorReport) -> str:
    """Return the definition printed beside the figures."""
    return (
        f"Actions worked: the actions a person recorded as done, skipped or failed from"
        f" {report.first} to {report.last}. Contacts: the actions of contact steps worked or"
        " delivered (the sender, `dunning send`, delivers emails and letters). Promises: those"
        " made in the period, counted for the person who recorded them, kept, broken or pending"
        f" on {report.as_of} (kept once the customer's payments since the promise add up to"
        " it; broken after the pay-by date without that; replaced when a later promise took"
        f" its place first). Paid within {CONTACT_WINDOW_DAYS} days: the cash applied to a"
        f" contacted invoice in the {CONTACT_WINDOW_DAYS} days after the contact, up to"
        f" {report.as_of}, credited to the latest contact before the payment."
    )


def collectors_rendered(report: CollectorReport) -> RenderedReport:
    """Return each person's activity as a sheet and a JSON document."""
    window = f"Paid within {CONTACT_WINDOW_DAYS} days of a contact"
    columns = (
        "Who", "Actions worked", "Contacts", "Promises made", "Kept", "Broken", "Pending",
        "Replaced", "Kept %", window,
    )  # fmt: skip
    rows = tuple(
        (
            text_cell(p.who), text_cell(p.worked), text_cell(p.contacts), text_cell(p.promises),
            text_cell(p.kept), text_cell(p.broken), text_cell(p.pending), text_cell(p.replaced),
            percent_cell(p.kept_share), _amounts_cell(p.collected),
        )
        for p in report.people
    )  # fmt: skip
    definition = collectors_definition(report)
    document = {
        "report": "collectors",
        "from": report.first.isoformat(),
        "to": report.last.isoformat(),
        "as_of": report.as_of.isoformat(),
        "window_days": CONTACT_WINDOW_DAYS,
        "definition": definition,
        "people": [
            {
                "who": p.who,
                "actions_worked": p.worked,
                "contacts": p.contacts,
                "promises_made": p.promises,
                "promises_kept": p.kept,
                "promises_broken": p.broken,
                "promises_pending": p.pending,
                "promises_replaced": p.replaced,
                "kept_percent": share_text(p.kept_share),
                "paid_within_window": {c: money_string(a, c) for c, a in p.collected.items()},
            }
            for p in report.people
        ],
    }
    title = f"Collector activity, {report.first} to {report.last}"
    return RenderedReport(Sheet(title, definition, columns, rows), document)


def exposure_definition() -> str:
    """Return the credit exposure's definition, printed beside the figures."""
    return (
        "Exposure: the customer's open balance in its credit limit's currency (open invoices"
        " after unapplied cash and credits, as the credit-hold rule compares it with the"
        " limit); headroom = limit - exposure; used = exposure / limit; over the limit when the"
        " exposure is above it. The limit is the effective one (customer file, else the"
        " policy's assignment). Open balances of customers without a limit are totalled apart."
        " Review due: the customer file's credit_review (every N months after the last review)"
        " has fallen due and no review is recorded done since."
    )


def exposure_rendered(report: ExposureReport) -> RenderedReport:
    """Return the credit exposure as a sheet (totals, then customers) and a JSON document."""
    columns = (
        "Customer", "Name", "Currency", "Credit limit", "Exposure", "Overdue", "Headroom",
        "Used", "Over the limit", "Review due since",
    )  # fmt: skip
    rows: list[tuple[Cell, ...]] = []
    for total in report.currencies:
        c = total.currency
        rows.append(
            (
                text_cell("(all with a limit)"), text_cell(f"{total.customers} customers"),
                text_cell(c), money_cell(total.limits, c), money_cell(total.exposure, c),
                text_cell(""), money_cell(total.limits - total.exposure, c),
                percent_cell(total.exposure / total.limits if total.limits else None),
                text_cell(f"{total.over_limit} over"), text_cell(""),
            )
        )  # fmt: skip
        if total.customers_without_limit:
            rows.append(
                (
                    text_cell("(no limit)"),
                    text_cell(f"{total.customers_without_limit} customers"), text_cell(c),
                    text_cell(""), money_cell(total.without_limit, c), text_cell(""),
                    text_cell(""), text_cell(""), text_cell(""), text_cell(""),
                )
            )  # fmt: skip
    for r in report.customers:
        c = r.limit.currency
        rows.append(
            (
                text_cell(r.customer_id), text_cell(r.name), text_cell(c),
                money_cell(r.limit.amount, c), money_cell(r.exposure, c),
                money_cell(r.overdue, c), money_cell(r.headroom, c), percent_cell(r.used),
                text_cell("yes" if r.over else "no"),
                text_cell(r.review_due.isoformat() if r.review_due else ""),
            )
        )  # fmt: skip
    definition = exposure_definition()
    document = {
        "report": "exposure",
        "as_of": report.as_of.isoformat(),
        "definition": definition,
        "currencies": [
            {
                "currency": t.currency,
                "customers": t.customers,
                "credit_limits": money_string(t.limits, t.currency),
                "exposure": money_string(t.exposure, t.currency),
                "over_limit": t.over_limit,
                "without_limit": money_string(t.without_limit, t.currency),
                "customers_without_limit": t.customers_without_limit,
            }
            for t in report.currencies
        ],
        "customers": [
            {
                "customer_id": r.customer_id,
                "name": r.name,
                "currency": r.limit.currency,
                "credit_limit": money_string(r.limit.amount, r.limit.currency),
                "exposure": money_string(r.exposure, r.limit.currency),
                "overdue": money_string(r.overdue, r.limit.currency),
                "headroom": money_string(r.headroom, r.limit.currency),
                "used_percent": share_text(r.used),
                "over_limit": r.over,
                "review_due": r.review_due.isoformat() if r.review_due else None,
            }
            for r in report.customers
        ],
        "reviews_due": [
            {
                "customer_id": r.customer_id,
                "name": r.customer_name,
                "owner": r.owner,
                "every_months": r.every_months,
                "last": r.last.isoformat(),
                "due": r.due.isoformat(),
            }
            for r in report.reviews
        ],
    }
    title = f"Credit exposure on {report.as_of}"
    return RenderedReport(Sheet(title, definition, columns, tuple(rows)), document)
