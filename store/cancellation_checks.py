"""What an import checks about cancelled invoices: cancelled once, and only with no money on them.

An invoice is cancelled at most once (L018): another cancellation of it, in the ledger or the
same file, is refused; the same one again is an unchanged row. It is cancelled only while no
money is applied to it (L019): the payments, credit notes and write-offs on it less what was
given back of them must come to nothing, as accounting systems refuse to cancel a paid invoice
until its payments are removed. And no new payment, credit note or write-off is applied to an
invoice once it is cancelled (L019). Rule "ledger records", cancellations
(docs/rules/ledger-records.md).

On PostgreSQL an import takes its own table in SHARE ROW EXCLUSIVE mode (``store.imports``), and
an import of money applied to invoices takes ``cancellations`` in SHARE mode too, for its
transaction: an import of cancellations and one of payments check each other's rows, and this way
the second always sees what the first committed (SQLite writes one transaction at a time anyway).
Reads of the ledger are never held up.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, union_all
from sqlalchemy.sql.elements import BindParameter

from store.import_problem import BATCH, ImportProblem, fetch_rows
from store.models import cancellations, credit_notes, invoices, payments, reversals, write_offs

# The import kinds that apply money to an invoice: refused on a cancelled one.
APPLIED_KINDS = {"payments": 5, "credit-notes": 5, "write-offs": 2}  # kind -> invoice's column


def lock_for(conn: Connection, kind: str) -> None:
    """Take, on PostgreSQL, the lock that makes an import of money applied to invoices wait for
    an import of cancellations in progress, and the other way round (see the module's
    docstring); nothing for other kinds."""
    if conn.dialect.name == "postgresql" and kind in APPLIED_KINDS:
        conn.exec_driver_sql("LOCK TABLE cancellations IN SHARE MODE")


def check_cancellations(
    conn: Connection, parsed: dict[str, tuple[int, tuple[Any, ...]]], source: str
) -> list[ImportProblem]:
    """Return the problems of cancellations: their invoice exists and is their customer's, is
    not cancelled by another cancellation, and has no money applied."""
    problems: list[ImportProblem] = []
    wanted = {values[2] for _, values in parsed.values()}
    known = fetch_rows(conn, invoices, ("id", "customer_id"), wanted)
    cancelled = _cancelled(conn, wanted)
    applied = _applied(conn, wanted)
    in_file: dict[str, str] = {}
    for cancellation_id, (line, values) in parsed.items():
        _, customer_id, invoice_id = values[:3]

        def problem(message: str, code: str, field: str, line: int = line) -> None:
            problems.append(ImportProblem(source, line, message, code, field))

        invoice = known.get(invoice_id)
        if invoice is None:
            problem(
                f"cancellation {cancellation_id} is of invoice {invoice_id}, which is not in"
                " the ledger", "L010", "invoice",
            )  # fmt: skip
            continue
        if invoice[1] != customer_id:
            problem(
                f"cancellation {cancellation_id} is for customer {customer_id}, and invoice"
                f" {invoice_id} for customer {invoice[1]}", "L011", "customer",
            )  # fmt: skip
            continue
        other = in_file.get(invoice_id) or cancelled.get(invoice_id)
        if other is not None and other != cancellation_id:
            problem(
                f"invoice {invoice_id} is already cancelled by {other}: an invoice is cancelled"
                " once", "L018", "invoice",
            )  # fmt: skip
            continue
        in_file[invoice_id] = cancellation_id
        money = applied.get(invoice_id, Decimal(0))
        if money != 0:
            problem(
                f"invoice {invoice_id} has {money} paid, credited or written off: reverse the"
                " payments and credit notes applied to it before cancelling it",
                "L019", "invoice",
            )  # fmt: skip
    return problems


def check_applied_to_cancelled(
    conn: Connection,
    kind: str,
    parsed: dict[str, tuple[int, tuple[Any, ...]]],
    existing: dict[str, tuple[Any, ...]],
    *,
    source: str,
    noun: str,
) -> list[ImportProblem]:
    """Return the problems of payments, credit notes or write-offs newly applied to a cancelled
    invoice (a row already in the ledger as it is, imported again, is no problem)."""
    column = APPLIED_KINDS[kind]
    new = {
        key: (line, values)
        for key, (line, values) in parsed.items()
        if values[column] is not None
        and (key not in existing or existing[key][column] != values[column])
    }
    if not new:
        return []
    cancelled = _cancelled(conn, {values[column] for _, values in new.values()})
    return [
        ImportProblem(
            source,
            line,
            f"{noun} {key} is applied to invoice {values[column]}, which is cancelled"
            f" ({cancelled[values[column]]}): apply it to another invoice or leave it on the"
            " account",
            "L019",
            "invoice",
        )
        for key, (line, values) in new.items()
        if values[column] in cancelled
    ]


def _cancelled(conn: Connection, invoice_ids: set[str]) -> dict[str, str]:
    """Return the ledger's cancellations of ``invoice_ids``: invoice id -> cancellation id."""
    c = cancellations.c
    stmt = select(c.invoice_id, c.id).where(c.invoice_id.in_(bindparam("keys", expanding=True)))
    wanted = sorted(invoice_ids)
    out: dict[str, str] = {}
    for start in range(0, len(wanted), BATCH):
        for invoice_id, cancellation_id in conn.execute(stmt, {"keys": wanted[start:][:BATCH]}):
            out[invoice_id] = cancellation_id
    return out


def _applied(conn: Connection, invoice_ids: set[str]) -> dict[str, Decimal]:
    """Return the money applied to each of ``invoice_ids`` (payments, credit notes and
    write-offs, less what refunds, chargebacks and reversals gave back), where there is any."""
    p, n, w, r = payments.c, credit_notes.c, write_offs.c, reversals.c
    keys: BindParameter[Any] = bindparam("keys", expanding=True)
    moves = union_all(
        select(p.invoice_id, p.amount).where(p.invoice_id.in_(keys)),
        select(n.invoice_id, n.amount).where(n.invoice_id.in_(keys)),
        select(w.invoice_id, w.amount).where(w.invoice_id.in_(keys)),
        select(p.invoice_id, -r.amount)
        .join_from(reversals, payments, r.payment_id == p.id)
        .where(p.invoice_id.in_(keys)),
        select(n.invoice_id, -r.amount)
        .join_from(reversals, credit_notes, r.credit_note_id == n.id)
        .where(n.invoice_id.in_(keys)),
    ).subquery("moves")
    stmt = select(moves.c.invoice_id, func.sum(moves.c.amount)).group_by(moves.c.invoice_id)
    wanted = sorted(invoice_ids)
    out: dict[str, Decimal] = {}
    for start in range(0, len(wanted), BATCH):
        for invoice_id, total in conn.execute(stmt, {"keys": wanted[start : start + BATCH]}):
            if total:
                out[invoice_id] = total
    return out
