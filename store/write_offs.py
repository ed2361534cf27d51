"""Write-offs: proposed by one person, approved or rejected once by another (four eyes).

A proposal is written with its lines (how the amount falls on the invoices, the engine's rule
"write-off") and its entry in the audit log, in one transaction; its id is the client's key (or
a random one), so a form sent twice or a retried request is one proposal. The decision is an
``UPDATE ... WHERE state = 'proposed'``: of two approvers at the same moment exactly one decides,
and the other is told who did. A check constraint keeps the proposer from deciding their own
write-off even if a caller forgot to ask.

An approved write-off (approved by someone else, or at once below the threshold) is posted to
the ledger in the same transaction: one ledger write-off per line (``store.ledger_writes``),
checked by the ledger's rules, and the proposal is marked ``posted``. From its day the engine's
rule "open items" settles the invoices by it, as it does an imported write-off. Either both are
written or neither: an approval never leaves the debt open, and a failed posting approves nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from engine.model.ledger_fields import ID_MAX_LENGTH, ID_PATTERN
from engine.model.money import format_money
from engine.rules.write_off import WriteOffLine
from store.audit import record_event
from store.ledger_writes import WriteOff, record_write_off
from store.models import write_off_proposal_lines as write_off_lines
from store.models import write_off_proposals as write_offs
from store.notes import as_utc
from store.outcomes import _insert_once, _writing
from store.payment_plans import stated_amount

WRITE_OFF_STATES = ("proposed", "approved", "rejected")


class WriteOffConflictError(ValueError):
    """A decision on a write-off that someone already decided."""


@dataclass(frozen=True, slots=True)
class WriteOffRecord:
    """A write-off as stored."""

    id: str
    customer_id: str
    currency: str
    amount: Decimal
    reason: str
    day: date
    proposed_by: str
    proposed_at: datetime
    needs_approval: bool
    state: str
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    lines: tuple[WriteOffLine, ...]
    posted: bool = False


def new_write_off_id(day: date) -> str:
    """Return a fresh write-off id such as ``W20261203-1a2b3c4d``."""
    return f"W{day:%Y%m%d}-{secrets.token_hex(4)}"


def ledger_write_off_id(write_off_id: str, line_number: int) -> str:
    """Return the id of the ledger write-off that line ``line_number`` (from 1) of a write-off
    becomes: ``W20261203-1a2b3c4d-1``, or, for a client's key that is no ledger id, a digest of
    it (``W-<16 hex>-1``), the same every time."""
    readable = f"{write_off_id}-{line_number}"
    if len(readable) <= ID_MAX_LENGTH and re.fullmatch(ID_PATTERN, readable):
        return readable
    return f"W-{hashlib.sha256(write_off_id.encode()).hexdigest()[:16]}-{line_number}"


def _post(conn: Connection, record: WriteOffRecord, day: date) -> None:
    """Write ``record``'s lines to the ledger as of ``day`` and mark it posted (in the caller's
    transaction); raises ``store.ledger_writes.LedgerWriteError`` when the ledger refuses one."""
    for number, line in enumerate(record.lines, start=1):
        record_write_off(
            conn,
            WriteOff(
                id=ledger_write_off_id(record.id, number),
                customer_id=record.customer_id,
                invoice_id=line.invoice_id,
                date=day,
                amount=stated_amount(line.amount, record.currency),
                currency=record.currency,
                reason=record.reason,
                by=record.proposed_by,
                approved_by=record.decided_by if record.needs_approval else None,
            ),
        )
    conn.execute(update(write_offs).where(write_offs.c.id == record.id).values(posted=True))


_COLUMNS = tuple(
    write_offs.c[name]
    for name in (
        "id",
        "customer_id",
        "currency",
        "amount",
        "reason",
        "date",
        "proposed_by",
        "proposed_at",
        "needs_approval",
        "state",
        "decided_by",
        "decided_at",
        "decision_note",
        "posted",
    )
)


def _records(conn: Connection, rows: Sequence[Any]) -> list[WriteOffRecord]:
    ids = [row.id for row in rows]
    lines: dict[str, list[WriteOffLine]] = {}
    if ids:
        w = write_off_lines.c
        for row in conn.execute(
            select(w.write_off_id, w.invoice_id, w.amount)
            .where(w.write_off_id.in_(ids))
            .order_by(w.write_off_id, w.invoice_id)
        ):
            lines.setdefault(row.write_off_id, []).append(WriteOffLine(row.invoice_id, row.amount))
    return [
        WriteOffRecord(
            r.id,
            r.customer_id,
            r.currency,
            r.amount,
            r.reason,
            r.date,
            r.proposed_by,
            as_utc(r.proposed_at),
            bool(r.needs_approval),
            r.state,
            r.decided_by,
            as_utc(r.decided_at) if r.decided_at else None,
            r.decision_note,
            tuple(lines.get(r.id, ())),
            bool(r.posted),
        )
        for r in rows
    ]


def find_write_off(conn: Connection, write_off_id: str) -> WriteOffRecord | None:
    """Return the write-off ``write_off_id``, or None."""
    rows = conn.execute(select(*_COLUMNS).where(write_offs.c.id == write_off_id)).all()
    found = _records(conn, rows)
    return found[0] if found else None


def list_write_offs(
    conn: Connection,
    *,
    customer_id: str | None = None,
    state: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> list[WriteOffRecord]:
    """Return write-offs, newest first: one customer's or everyone's, in one state, by day."""
    w = write_offs.c
    stmt = select(*_COLUMNS)
    if customer_id is not None:
        stmt = stmt.where(w.customer_id == customer_id)
    if state is not None:
        stmt = stmt.where(w.state == state)
    if start is not None:
        stmt = stmt.where(w.date >= start)
    if end is not None:
        stmt = stmt.where(w.date <= end)
    rows = conn.execute(stmt.order_by(w.date.desc(), w.proposed_at.desc(), w.id)).all()
    return _records(conn, rows)


def propose_write_off(
    conn: Connection,
    *,
    write_off_id: str,
    customer_id: str,
    currency: str,
    lines: Sequence[WriteOffLine],
    reason: str,
    day: date,
    who: str,
    needs_approval: bool,
    now: datetime | None = None,
) -> tuple[WriteOffRecord, bool]:
    """Return the write-off as stored and whether this call wrote it (False: the id was used).

    One that needs no approval is approved at once, by its proposer, says so, and is posted to
    the ledger as of ``day`` in the same transaction.
    """
    moment = now or datetime.now(UTC)
    amount = sum((line.amount for line in lines), Decimal(0))
    state = "proposed" if needs_approval else "approved"
    with _writing(conn):
        written = _insert_once(
            conn,
            write_offs,
            {
                "id": write_off_id,
                "customer_id": customer_id,
                "currency": currency,
                "amount": amount,
                "reason": reason,
                "date": day,
                "proposed_by": who,
                "proposed_at": moment,
                "needs_approval": needs_approval,
                "state": state,
                "decided_by": None if needs_approval else who,
                "decided_at": None if needs_approval else moment,
                "decision_note": "" if needs_approval else "below the approval threshold",
            },
            key=("id",),
        )
        if written:
            conn.execute(
                insert(write_off_lines),
                [
                    {
                        "write_off_id": write_off_id,
                        "invoice_id": line.invoice_id,
                        "amount": line.amount,
                    }
                    for line in lines
                ],
            )
            shown = format_money(amount, currency)
            invoices = ", ".join(line.invoice_id for line in lines)
            record_event(
                conn,
                customer_id=customer_id,
                day=day,
                who=who,
                event="write_off_proposed",
                ref=write_off_id,
                summary=f"Write-off {write_off_id} of {shown} proposed on {invoices}",
                detail={
                    "amount": str(amount),
                    "currency": currency,
                    "reason": reason,
                    "invoices": [line.invoice_id for line in lines],
                    "needs_approval": needs_approval,
                },
                now=moment,
            )
            if not needs_approval:
                record_event(
                    conn,
                    customer_id=customer_id,
                    day=day,
                    who=who,
                    event="write_off_approved",
                    ref=write_off_id,
                    summary=f"Write-off {write_off_id} of {shown} takes effect: below the"
                    " approval threshold",
                    detail={"reason": reason},
                    now=moment,
                )
        found = find_write_off(conn, write_off_id)
        if written and found is not None and not needs_approval:
            _post(conn, found, day)
            found = replace(found, posted=True)
    assert found is not None  # written or found in this transaction
    return found, written


def decide_write_off(
    conn: Connection,
    write_off_id: str,
    *,
    approve: bool,
    who: str,
    day: date,
    note: str = "",
    now: datetime | None = None,
) -> WriteOffRecord:
    """Return the write-off once ``who`` approved or rejected it.

    An approval posts the write-off to the ledger as of ``day`` in the same transaction.
    Raises ``LookupError`` for an unknown write-off and ``WriteOffConflictError`` when it was
    already decided (by someone else at the same moment, say); ``LedgerWriteError`` when the
    ledger refuses it (nothing is then decided). The caller checks beforehand that ``who`` may
    decide (the engine's rule); the database refuses the proposer regardless.
    """
    moment = now or datetime.now(UTC)
    state = "approved" if approve else "rejected"
    with _writing(conn):
        found = find_write_off(conn, write_off_id)
        if found is None:
            raise LookupError(f"there is no write-off {write_off_id}")
        w = write_offs.c
        done = conn.execute(
            update(write_offs)
            .where(w.id == write_off_id, w.state == "proposed", w.proposed_by != who)
            .values(state=state, decided_by=who, decided_at=moment, decision_note=note)
        ).rowcount
        if not done:
            current = find_write_off(conn, write_off_id)
            assert current is not None
            raise WriteOffConflictError(
                f"write-off {write_off_id} was already {current.state}"
                + (f" by {current.decided_by}" if current.decided_by else "")
            )
        record_event(
            conn,
            customer_id=found.customer_id,
            day=day,
            who=who,
            event=f"write_off_{state}",
            ref=write_off_id,
            summary=f"Write-off {write_off_id} of {format_money(found.amount, found.currency)}"
            f" {state}",
            detail={"note": note, "proposed_by": found.proposed_by},
            now=moment,
        )
        decided = find_write_off(conn, write_off_id)
        assert decided is not None
        if approve:
            _post(conn, decided, day)
            decided = replace(decided, posted=True)
    return decided
