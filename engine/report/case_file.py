"""A case file for an agency or a solicitor as data: ``case.json`` and the CSV of its lines.

The amounts are the rule "case totals" (``engine.rules.case_file``); the history (payments,
promises, disputes, every contact made) is the customer's timeline (``engine.model.timeline``),
so the file tells the story the customer page tells. Money is written by ``money_string``.
The formats are described in docs/handoff.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from engine.model.actions import PolicyVersion
from engine.model.ledger import Customer
from engine.model.money import money_string
from engine.model.policy import Contact
from engine.model.timeline import Timeline, TimelineEntry
from engine.report.timeline import entry_to_dict
from engine.rules.case_file import CaseAmounts, CaseLine, CaseTotals

# The columns of case.csv: one row a line, the amounts of a currency add up to its claim.
CSV_COLUMNS = (
    "case",
    "debtor_id",
    "debtor_name",
    "line",
    "kind",
    "ref",
    "date",
    "due",
    "days_overdue",
    "currency",
    "original",
    "paid",
    "amount",
    "disputed",
    "invoices",
    "how",
)
FORMAT_VERSION = "dunning/case-v1"


@dataclass(frozen=True, slots=True)
class CaseHeader:
    """Who the case is about and for whom: the case id, the target, the debtor, the policy."""

    case_id: str
    to: str  # agency | legal
    opened: date
    customer: Customer
    name: str
    contacts: Sequence[Contact]
    version: PolicyVersion


def totals_to_dict(totals: CaseTotals) -> dict[str, str]:
    """Return a currency's totals with money as ``money_string`` writes it."""
    c = totals.currency
    return {
        "currency": c,
        "invoices": money_string(totals.invoices, c),
        "credits": money_string(totals.credits, c),
        "balance": money_string(totals.balance, c),
        "charged": money_string(totals.charged, c),
        "interest_to_date": money_string(totals.interest_to_date, c),
        "claim": money_string(totals.claim, c),
    }


def claim_by_currency(amounts: CaseAmounts) -> dict[str, str]:
    """Return the claim per currency, as the hand-off records it."""
    return {t.currency: money_string(t.claim, t.currency) for t in amounts.totals}


def _line_to_dict(line: CaseLine) -> dict[str, Any]:
    c = line.currency
    out: dict[str, Any] = {
        "kind": line.kind,
        "ref": line.ref,
        "date": line.day.isoformat(),
        "currency": c,
        "amount": money_string(line.amount, c),
        "invoices": list(line.invoices),
    }
    if line.kind == "invoice":
        out |= {
            "due": line.due.isoformat() if line.due else None,
            "days_overdue": line.days_overdue,
            "original": money_string(line.original, c) if line.original is not None else None,
            "paid": money_string(line.paid, c) if line.paid is not None else None,
            "disputed": line.disputed,
        }
    else:
        out |= {"accrued": line.accrued, "how": line.how}
    return out


def _entries(timeline: Timeline, kinds: set[str]) -> list[dict[str, Any]]:
    # Oldest first: a case file is read as a story.
    chosen: list[TimelineEntry] = [e for e in timeline.entries if e.kind in kinds]
    return [entry_to_dict(e) for e in reversed(chosen)]


def case_to_dict(header: CaseHeader, amounts: CaseAmounts, timeline: Timeline) -> dict[str, Any]:
    """Return ``case.json``: debtor, contacts, lines, totals, history and the policy version."""
    lines = [_line_to_dict(line) for line in amounts.lines]
    customer = header.customer
    return {
        "format": FORMAT_VERSION,
        "case": {
            "id": header.case_id,
            "to": header.to,
            "opened": header.opened.isoformat(),
            "as_of": amounts.as_of.isoformat(),
            "policy_version": {"commit": header.version.commit, "digest": header.version.digest},
            "interest_scheme": amounts.interest_scheme,
        },
        "debtor": {
            "id": customer.id,
            "name": header.name,
            "country": customer.country,
            "email": customer.email or None,
            "language": customer.language,
            "contacts": [
                {"name": c.name, "email": c.email, "phone": c.phone, "role": c.role}
                for c in header.contacts
            ],
        },
        "totals": [totals_to_dict(t) for t in amounts.totals],
        "invoices": [line for line in lines if line["kind"] == "invoice"],
        "credits": [line for line in lines if line["kind"] == "credit"],
        "charges": [line for line in lines if line["kind"] not in {"invoice", "credit"}],
        "payments": _entries(timeline, {"payment", "credit_note", "discount"}),
        "disputes": _entries(timeline, {"dispute", "dispute_resolved"}),
        "promises": _entries(timeline, {"promise", "promise_broken", "plan"}),
        "contacts_made": _entries(timeline, {"action", "note", "assignment"}),
        "notes": list(amounts.notes),
    }


def case_csv(header: CaseHeader, amounts: CaseAmounts) -> str:
    """Return ``case.csv``: one row per line of the statement, numbered from 1."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for number, line in enumerate(amounts.lines, start=1):
        c = line.currency
        writer.writerow(
            {
                "case": header.case_id,
                "debtor_id": header.customer.id,
                "debtor_name": header.name,
                "line": number,
                "kind": line.kind,
                "ref": line.ref,
                "date": line.day.isoformat(),
                "due": line.due.isoformat() if line.due else "",
                "days_overdue": "" if line.days_overdue is None else line.days_overdue,
                "currency": c,
                "original": "" if line.original is None else money_string(line.original, c),
                "paid": "" if line.paid is None else money_string(line.paid, c),
                "amount": money_string(line.amount, c),
                "disputed": "yes" if line.disputed else "",
                "invoices": " ".join(line.invoices),
                "how": line.how,
            }
        )
    return out.getvalue()
