"""What an import checks beyond each value: the records its rows refer to.

A row's values are checked by the ledger's rules as it is read (``store.row_reader``); this
module checks, against the ledger and the rest of the file, what the good rows refer to: their
customer and invoice exist and match, a dispute does not open a second one on an invoice, a
write-off is not above its invoice, and refunds, chargebacks and reversals name a payment or
credit note of their customer and never give back more than it was. Every problem is an
``ImportProblem``, with its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

from store.cancellation_checks import (
    APPLIED_KINDS,
    check_applied_to_cancelled,
    check_cancellations,
)
from store.columns import SCALE, Money
from store.import_problem import BATCH, ImportProblem, fetch_rows
from store.models import credit_notes, customers, disputes, invoices, payments, reversals
from store.row_reader import Kind

__all__ = ["BATCH", "ImportProblem", "check_references", "fetch_rows"]


def check_references(
    conn: Connection,
    spec: Kind,
    parsed: dict[str, tuple[int, tuple[Any, ...]]],
    existing: dict[str, tuple[Any, ...]],
    source: str,
) -> list[ImportProblem]:
    """Return the problems with what the rows refer to (customers, invoices, open disputes).

    ``existing`` holds the ledger's rows with the ids of the file (as stored).
    """
    problems: list[ImportProblem] = []
    if spec.name == "customers":
        return problems
    if spec.name in (
        "invoices",
        "payments",
        "credit-notes",
        "write-offs",
        "reversals",
        "cancellations",
    ):
        known = fetch_rows(conn, customers, ("id",), {values[1] for _, values in parsed.values()})
        for line, values in parsed.values():
            if values[1] not in known:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"customer {values[1]} is not in the ledger: import the customers first",
                        "L009",
                        "customer",
                    )
                )
    if spec.name == "invoices":
        for invoice_id, (line, values) in parsed.items():
            was = existing.get(invoice_id)
            if was is not None and was[1] != values[1]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"invoice {invoice_id} belongs to customer {was[1]} in the ledger;"
                        f" an invoice cannot move to customer {values[1]}"
                        " (credit it and invoice again)",
                        "L011",
                        "customer",
                    )
                )
    elif spec.name in ("payments", "credit-notes"):
        wanted = {values[5] for _, values in parsed.values() if values[5] is not None}
        known = fetch_rows(conn, invoices, ("id", "customer_id", "currency"), wanted)
        for line, values in parsed.values():
            invoice_id = values[5]
            if invoice_id is None:
                continue
            invoice = known.get(invoice_id)
            if invoice is None:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} is applied to invoice {invoice_id},"
                        " which is not in the ledger",
                        "L010",
                        "invoice",
                    )
                )
            elif invoice[1] != values[1]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} from customer {values[1]} is applied to invoice"
                        f" {invoice_id} of customer {invoice[1]}",
                        "L011",
                        "customer",
                    )
                )
            elif invoice[2] != values[4]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} in {values[4]} is applied to invoice"
                        f" {invoice_id} in {invoice[2]}",
                        "L011",
                        "currency",
                    )
                )
    elif spec.name == "disputes":
        problems += _check_disputes(conn, parsed, source)
    elif spec.name == "write-offs":
        problems += _check_write_offs(conn, parsed, source)
    elif spec.name == "reversals":
        problems += _check_reversals(conn, parsed, source)
    elif spec.name == "cancellations":
        problems += check_cancellations(conn, parsed, source)
    if spec.name in APPLIED_KINDS and not problems:
        problems += check_applied_to_cancelled(
            conn, spec.name, parsed, existing, source=source, noun=spec.noun
        )
    return sorted(problems, key=lambda p: p.line)


def _check_write_offs(
    conn: Connection, parsed: dict[str, tuple[int, tuple[Any, ...]]], source: str
) -> list[ImportProblem]:
    """Return the problems of write-offs: their invoice exists, is the customer's, in their
    currency, and was for at least the amount written off."""
    problems: list[ImportProblem] = []
    wanted = {values[2] for _, values in parsed.values()}
    known = _fetch_money(conn, invoices, ("id", "customer_id", "currency", "amount"), wanted)
    for write_off_id, (line, values) in parsed.items():
        _, customer_id, invoice_id, _, amount, currency = values[:6]
        invoice = known.get(invoice_id)
        if invoice is None:
            problems.append(ImportProblem(
                source, line,
                f"write-off {write_off_id} is of invoice {invoice_id}, which is not in the ledger",
                "L010", "invoice",
            ))  # fmt: skip
        elif invoice[1] != customer_id or invoice[2] != currency:
            field = "customer" if invoice[1] != customer_id else "currency"
            problems.append(ImportProblem(
                source, line,
                f"write-off {write_off_id} is for customer {customer_id} in {currency}, and"
                f" invoice {invoice_id} for customer {invoice[1]} in {invoice[2]}",
                "L011", field,
            ))  # fmt: skip
        elif amount > invoice[3]:
            problems.append(ImportProblem(
                source, line,
                f"write-off {write_off_id} of {amount} is more than invoice {invoice_id}'s"
                f" {invoice[3]}: a write-off is at most what the invoice was for",
                "L016", "amount",
            ))  # fmt: skip
    return problems


def _check_reversals(
    conn: Connection, parsed: dict[str, tuple[int, tuple[Any, ...]]], source: str
) -> list[ImportProblem]:
    """Return the problems of refunds, chargebacks and reversals: each names one payment (or a
    credit note, reversed), of its customer and currency, and what is given back of a payment
    or credit note never adds up to more than it was."""
    problems: list[ImportProblem] = []
    columns = ("id", "customer_id", "currency", "amount")
    pays = _fetch_money(conn, payments, columns, {v[6] for _, v in parsed.values() if v[6]})
    notes = _fetch_money(conn, credit_notes, columns, {v[7] for _, v in parsed.values() if v[7]})
    given_back = _given_back(conn, [*pays], [*notes], set(parsed))
    for reversal_id, (line, values) in parsed.items():
        _, customer_id, kind, _, amount, currency, payment_id, credit_note_id = values[:8]

        def problem(message: str, code: str, field: str, line: int = line) -> None:
            problems.append(ImportProblem(source, line, message, code, field))

        if (payment_id is None) == (credit_note_id is None):
            problem(
                f"reversal {reversal_id} needs either a payment or a credit note: the one it"
                " gives back", "L003", "payment",
            )  # fmt: skip
            continue
        if credit_note_id is not None and kind != "reversal":
            problem(
                f"a credit note is reversed, not given back as a {kind}: use kind reversal",
                "L013", "kind",
            )  # fmt: skip
            continue
        ref = payment_id or credit_note_id
        noun, found = ("payment", pays) if payment_id else ("credit note", notes)
        original = found.get(ref)
        if original is None:
            problem(
                f"reversal {reversal_id} gives back {noun} {ref}, which is not in the ledger",
                "L015", "payment" if payment_id else "credit_note",
            )  # fmt: skip
        elif original[1] != customer_id or original[2] != currency:
            problem(
                f"reversal {reversal_id} is for customer {customer_id} in {currency}, and"
                f" {noun} {ref} for customer {original[1]} in {original[2]}",
                "L011", "customer" if original[1] != customer_id else "currency",
            )  # fmt: skip
        else:
            total = given_back[ref] = given_back.get(ref, Decimal(0)) + amount
            if total > original[3]:
                problem(
                    f"reversal {reversal_id} brings what was given back of {noun} {ref} to"
                    f" {total}, more than its {original[3]}", "L016", "amount",
                )  # fmt: skip
    return problems


def _given_back(
    conn: Connection, payment_ids: list[str], credit_note_ids: list[str], leave_out: set[str]
) -> dict[str, Decimal]:
    """Return what the ledger's reversals (except ``leave_out``) gave back, per payment or
    credit note id."""
    out: dict[str, Decimal] = {}
    r = reversals.c
    for column, ids in ((r.payment_id, payment_ids), (r.credit_note_id, credit_note_ids)):
        for start in range(0, len(ids), BATCH):
            stmt = select(column, r.id, r.amount).where(
                column.in_(bindparam("keys", expanding=True))
            )
            for ref, reversal_id, amount in conn.execute(
                stmt, {"keys": ids[start : start + BATCH]}
            ):
                if reversal_id not in leave_out:
                    out[ref] = out.get(ref, Decimal(0)) + amount
    return out


def _fetch_money(
    conn: Connection, table: Table, columns: Sequence[str], keys: Iterable[str]
) -> dict[str, tuple[Any, ...]]:
    """Return ``_fetch`` with money columns as exact amounts (SQLite stores ten-thousandths)."""
    rows = fetch_rows(conn, table, columns, keys)
    if conn.dialect.name != "sqlite":
        return rows
    money = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, Money)]
    return {
        key: tuple(
            Decimal(value).scaleb(-SCALE) if i in money and value is not None else value
            for i, value in enumerate(row)
        )
        for key, row in rows.items()
    }


def _check_disputes(
    conn: Connection, parsed: dict[str, tuple[int, tuple[Any, ...]]], source: str
) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    wanted = sorted({values[2] for _, values in parsed.values()})
    known = fetch_rows(conn, invoices, ("id", "customer_id"), wanted)
    open_in_ledger: dict[str, str] = {}
    stmt = select(disputes.c.invoice_id, disputes.c.id).where(
        disputes.c.resolved.is_(None),
        disputes.c.invoice_id.in_(bindparam("keys", expanding=True)),
    )
    for start in range(0, len(wanted), BATCH):
        for invoice_id, dispute_id in conn.execute(stmt, {"keys": wanted[start : start + BATCH]}):
            open_in_ledger[invoice_id] = dispute_id
    open_in_file: dict[str, str] = {}
    for dispute_id, (line, values) in list(parsed.items()):
        invoice_id = values[2]
        invoice = known.get(invoice_id)
        if invoice is None:
            problems.append(
                ImportProblem(
                    source,
                    line,
                    f"dispute {dispute_id} is about invoice {invoice_id},"
                    " which is not in the ledger",
                    "L010",
                    "invoice",
                )
            )
            continue
        parsed[dispute_id] = (line, (values[0], invoice[1], *values[2:]))
        if values[4] is not None:
            continue
        other = open_in_file.get(invoice_id) or open_in_ledger.get(invoice_id)
        if other is not None and other != dispute_id:
            problems.append(
                ImportProblem(
                    source,
                    line,
                    f"invoice {invoice_id} already has an open dispute ({other}):"
                    " resolve it or update that dispute instead",
                )
            )
        open_in_file[invoice_id] = dispute_id
    return problems
