"""Build a case file for an agency or a solicitor and open the hand-off: one call for the CLI,
the API and the page.

The case file is a zip of ``case.json``, ``case.csv``, ``statement.pdf`` (the statement of account
laid out by ``delivery``'s statement renderer) and, when the customer's ladder sends one and it
went out, ``letter-before-action.pdf`` (the very letter the print room received). Every amount
comes from the rule "case totals" (``engine.rules.case_file``). The hand-off stores the zip as it
was handed over, so downloading it later gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from delivery.compose import account_statement_pdf
from engine.model.actions import PolicyVersion
from engine.model.money import format_money
from engine.model.payment import Company, PaymentOptions
from engine.model.policy import Policy
from engine.report.case_file import CaseHeader, case_csv, case_to_dict, claim_by_currency
from engine.rules.case_file import CaseAmounts, case_amounts, letter_before_action
from engine.rules.context import EvaluationContext
from store.handoffs import (
    HandoffError,
    HandoffRecord,
    customer_exists,
    insert_handoff,
    open_handoff_of,
)
from store.models import outbox
from store.reader import load_snapshot
from store.timeline import read_timeline

# A zip's entries carry a date: a fixed one keeps the archive the same for the same case.
_ZIP_DATE = (2000, 1, 1, 0, 0, 0)
_LETTER_NAME = "letter-before-action.pdf"


@dataclass(frozen=True, slots=True)
class CaseFile:
    """A case file ready to hand over: its files, its amounts and the digest of case.json."""

    case_id: str
    to: str
    amounts: CaseAmounts
    files: Mapping[str, bytes]
    digest: str

    def archive(self) -> bytes:
        """Return the files as one zip, the same bytes for the same files."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in sorted(self.files):
                archive.writestr(
                    zipfile.ZipInfo(f"{self.case_id}/{name}", _ZIP_DATE), self.files[name]
                )
        return buffer.getvalue()


def new_case_id(day: date) -> str:
    """Return a fresh case id such as ``C20261203-1a2b3c4d``."""
    return f"C{day:%Y%m%d}-{secrets.token_hex(4)}"


def build_case(
    conn: Connection,
    policy: Policy,
    version: PolicyVersion,
    *,
    customer_id: str,
    to: str,
    day: date,
    case_id: str,
    root: Path,
) -> CaseFile:
    """Return the customer's case file on ``day``; raise ``HandoffError`` for an unknown
    customer or a target other than ``agency`` or ``legal``."""
    if to not in ("agency", "legal"):
        raise HandoffError("to", f"a case goes to 'agency' or 'legal', not {to!r}")
    snapshot = load_snapshot(conn, [customer_id], as_of=day)
    if not snapshot.customers:
        raise HandoffError("customer", f"customer {customer_id} is not in the ledger")
    ledger = snapshot.customers[0]
    context = EvaluationContext(policy)
    amounts = case_amounts(context, ledger, day)
    rules = context.effective.get(ledger.customer, context.rule_currencies(ledger))
    header = CaseHeader(
        case_id, to, day, ledger.customer, rules.customer_name, rules.contacts, version
    )
    timeline = read_timeline(conn, customer_id, day, policy)
    document = case_to_dict(header, amounts, timeline)
    letter_step = letter_before_action(rules.ladder)
    letter = _sent_letter(conn, customer_id, letter_step, day) if letter_step else None
    document["letter_before_action"] = _letter_note(letter_step, letter)
    case_json = (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
    files = {
        "case.json": case_json,
        "case.csv": case_csv(header, amounts).encode(),
        "statement.pdf": _statement(policy.payment, policy.name, header, amounts, root),
    }
    if letter is not None:
        files[_LETTER_NAME] = letter[1]
    digest = hashlib.sha256(case_json).hexdigest()
    return CaseFile(case_id, to, amounts, files, digest)


def _letter_note(step: str | None, letter: tuple[date, bytes] | None) -> dict[str, Any]:
    if step is None:
        return {"step": None, "sent": None, "file": None, "note": "the ladder sends no letter"}
    if letter is None:
        return {
            "step": step,
            "sent": None,
            "file": None,
            "note": "no copy of the letter is in the outbox (not sent, or sent by hand)",
        }
    return {"step": step, "sent": letter[0].isoformat(), "file": _LETTER_NAME, "note": ""}


def _sent_letter(
    conn: Connection, customer_id: str, step: str, day: date
) -> tuple[date, bytes] | None:
    """Return the day and PDF of the newest letter of ``step`` delivered to the customer."""
    o = outbox.c
    row = conn.execute(
        select(o.date, o.content)
        .where(
            o.customer_id == customer_id,
            o.step == step,
            o.channel == "letter",
            o.state == "sent",
            o.date <= day,
        )
        .order_by(o.date.desc())
        .limit(1)
    ).first()
    return None if row is None else (row.date, bytes(row.content))


def _statement(
    payment: PaymentOptions | None,
    policy_name: str,
    header: CaseHeader,
    amounts: CaseAmounts,
    root: Path,
) -> bytes:
    """Return the statement of account PDF of the case: its lines and claim per currency."""
    invoices = [
        {
            "id": line.ref,
            "issued": line.day.isoformat(),
            "due": line.due.isoformat() if line.due else "",
            "days_overdue": line.days_overdue,
            "amount": format_money(line.original or line.amount, line.currency),
            "open": format_money(line.amount, line.currency),
        }
        for line in amounts.lines
        if line.kind == "invoice"
    ]
    others = [
        {
            "label": f"{_LINE_WORDS[line.kind]} {line.ref} ({line.day.isoformat()})"
            + (f" on {', '.join(line.invoices)}" if line.invoices else ""),
            "amount": format_money(line.amount, line.currency),
        }
        for line in amounts.lines
        if line.kind != "invoice"
    ]
    claim = [(t.currency, format_money(t.claim, t.currency)) for t in amounts.totals]
    return account_statement_pdf(
        payment or PaymentOptions(Company(policy_name)),
        header.name,
        header.customer.id,
        amounts.as_of.isoformat(),
        (invoices, others, claim),
        root=root,
    )


_LINE_WORDS = {
    "credit": "Paid on account:",
    "fee": "Fee charged by step",
    "interest": "Interest:",
    "compensation": "Fixed compensation:",
}


def hand_off(
    conn: Connection,
    policy: Policy,
    version: PolicyVersion,
    *,
    customer_id: str,
    to: str,
    day: date,
    who: str,
    note: str = "",
    root: Path,
    now: datetime | None = None,
) -> tuple[HandoffRecord, bool, CaseFile | None]:
    """Return the customer's open case, whether this call opened it, and the case file it built.

    A customer already handed off keeps their case: nothing is built or written, and the
    existing case is returned (``opened`` False, no case file).
    """
    if not customer_exists(conn, customer_id):
        raise HandoffError("customer", f"customer {customer_id} is not in the ledger")
    already = open_handoff_of(conn, customer_id)
    if already is not None:
        return already, False, None
    case = build_case(
        conn,
        policy,
        version,
        customer_id=customer_id,
        to=to,
        day=day,
        case_id=new_case_id(day),
        root=root,
    )
    record, opened = insert_handoff(
        conn,
        case_id=case.case_id,
        customer_id=customer_id,
        to=to,
        day=day,
        who=who,
        note=note,
        digest=case.digest,
        claim=claim_by_currency(case.amounts),
        archive=case.archive(),
        now=now,
    )
    return record, opened, case if opened else None
