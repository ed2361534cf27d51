"""Write-offs for the CLI, the API and the pages: propose (the engine allocates the amount and
says whether it needs approval), approve or reject (the engine says who may), and the journal
of approved write-offs for the accounting system."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from engine.model.policy import Policy
from engine.report.write_off_journal import JournalLine, journal_csv
from engine.rules.balances import account_balances
from engine.rules.context import EvaluationContext
from engine.rules.write_off import (
    WriteOffRefusedError,
    allocate_write_off,
    approval_refused,
    needs_approval,
)
from store.models import customers
from store.reader import load_snapshot
from store.write_offs import (
    WriteOffRecord,
    decide_write_off,
    find_write_off,
    list_write_offs,
    new_write_off_id,
    propose_write_off,
)


class NotAllowedError(PermissionError):
    """A decision the person may not take (their own write-off, or not an approver)."""


def propose(
    conn: Connection,
    policy: Policy,
    *,
    customer_id: str,
    amount: Decimal,
    currency: str,
    invoice_ids: Sequence[str],
    reason: str,
    day: date,
    who: str,
    key: str | None = None,
) -> tuple[WriteOffRecord, bool]:
    """Return the write-off proposed (approved at once below the threshold) and whether this
    call wrote it; raise ``WriteOffRefusedError`` (``field`` names the value at fault)."""
    if key is not None:
        known = find_write_off(conn, key)
        if known is not None:
            return known, False
    if not reason.strip():
        raise WriteOffRefusedError("reason", "say why the debt is written off")
    snapshot = load_snapshot(conn, [customer_id], as_of=day)
    if not snapshot.customers:
        raise WriteOffRefusedError("customer", f"customer {customer_id} is not in the ledger")
    context = EvaluationContext(policy)
    balances = account_balances(context, snapshot.customers[0], day)
    lines = allocate_write_off(balances, invoice_ids, amount, currency)
    return propose_write_off(
        conn,
        write_off_id=key or new_write_off_id(day),
        customer_id=customer_id,
        currency=currency,
        lines=lines,
        reason=reason.strip(),
        day=day,
        who=who,
        needs_approval=needs_approval(policy, amount, currency),
    )


def decide(
    conn: Connection,
    policy: Policy,
    write_off_id: str,
    *,
    approve: bool,
    who: str,
    is_admin: bool,
    day: date,
    note: str = "",
) -> WriteOffRecord:
    """Return the write-off once decided; raise ``LookupError`` (unknown), ``NotAllowedError``
    (the proposer, or not an approver) or ``WriteOffConflictError`` (already decided)."""
    found = find_write_off(conn, write_off_id)
    if found is None:
        raise LookupError(f"there is no write-off {write_off_id}")
    refused = approval_refused(policy, approver=who, is_admin=is_admin, proposer=found.proposed_by)
    if refused is not None:
        raise NotAllowedError(refused)
    return decide_write_off(conn, write_off_id, approve=approve, who=who, day=day, note=note)


def journal(
    conn: Connection, policy: Policy, system: str, *, start: date | None, end: date | None
) -> str:
    """Return the journal CSV of the write-offs approved from ``start`` to ``end``."""
    approved = list_write_offs(conn, state="approved", start=start, end=end)
    ids = sorted({w.customer_id for w in approved})
    names: dict[str, tuple[str, str]] = {}
    if ids:
        c = customers.c
        for row in conn.execute(select(c.id, c.name, c.email).where(c.id.in_(ids))):
            names[row.id] = (row.name or row.id, row.email or "")
    lines = []
    for record in approved:
        name, email = names.get(record.customer_id, (record.customer_id, ""))
        file = policy.customers.get(record.customer_id)
        if file is not None and file.name:
            name = file.name
        for number, line in enumerate(record.lines, start=1):
            lines.append(
                JournalLine(
                    record.id,
                    number,
                    name,
                    email,
                    record.decided_at.date() if record.decided_at else record.day,
                    line.invoice_id,
                    record.currency,
                    line.amount,
                    record.reason,
                    policy.write_off.account,
                )
            )
    return journal_csv(lines, system)
