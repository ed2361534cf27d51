"""Record what staff did: an action's outcome, a promise to pay, a dispute. Idempotently.

Each record has a natural key, enforced by a unique constraint, and is written with
``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike): recording the same thing
twice, or from two processes at the same moment, leaves exactly one record, and the second call
learns that it was already there.

- an outcome: one per (action id, status): "done" twice is one record; "failed" then "done"
  are two facts and both are kept;
- a promise to pay: one per (customer, date made, pay-by date, amount, currency);
- a dispute: one open dispute per invoice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.model.ledger import ActionStatus
from engine.model.money import fits_minor_units, is_currency
from store.connection import begin_write
from store.models import action_log, disputes, invoices, promise_invoices, promises


@dataclass(frozen=True, slots=True)
class Recorded:
    """The id of what was recorded, and whether this call created it (False: already there)."""

    id: str
    created: bool


def record_outcome(
    conn: Connection,
    *,
    action_id: str,
    customer_id: str,
    step: str,
    invoice_ids: Iterable[str],
    date: date,
    status: ActionStatus | str,
    note: str = "",
    who: str = "",
    outcome: str | None = None,
    fee: Decimal | None = None,
    interest: Decimal | None = None,
    currency: str | None = None,
    recorded_at: datetime | None = None,
) -> Recorded:
    """Return the recorded outcome of action ``action_id`` (``created`` False if already there).

    ``status`` is done, skipped, failed or superseded; ``outcome`` is a short word from the
    caller ("letter sent", "left voicemail"), ``note`` free text, ``who`` the person or process.
    ``fee`` and ``interest`` are what the action charged, in ``currency``.
    """
    state = ActionStatus(status)
    if (fee is not None or interest is not None) and not currency:
        raise ValueError("a fee or interest needs the currency it was charged in")
    values: dict[str, Any] = {
        "action_id": action_id,
        "customer_id": customer_id,
        "step": step,
        "invoice_ids": sorted(invoice_ids),
        "date": date,
        "status": state.value,
        "outcome": outcome,
        "note": note,
        "who": who,
        "recorded_at": recorded_at or datetime.now(UTC),
        "fee": fee,
        "interest": interest,
        "currency": currency,
    }
    with _writing(conn):
        written = _inserted(
            conn,
            _insert(conn, action_log)
            .values(values)
            .on_conflict_do_nothing(index_elements=["action_id", "status"])
            .returning(action_log.c.id),
        )
    return Recorded(action_id, written)


@dataclass(frozen=True, slots=True)
class Outcome:
    """An outcome as the action log holds it."""

    action_id: str
    customer_id: str
    step: str
    invoice_ids: tuple[str, ...]
    date: date
    status: ActionStatus
    outcome: str | None
    note: str
    who: str


def find_outcome(conn: Connection, action_id: str, status: ActionStatus | str) -> Outcome | None:
    """Return the recorded ``status`` outcome of action ``action_id``, or None if there is none."""
    a = action_log.c
    row = conn.execute(
        select(
            a.action_id,
            a.customer_id,
            a.step,
            a.invoice_ids,
            a.date,
            a.status,
            a.outcome,
            a.note,
            a.who,
        ).where(a.action_id == action_id, a.status == ActionStatus(status).value)
    ).first()
    if row is None:
        return None
    return Outcome(
        row.action_id,
        row.customer_id,
        row.step,
        tuple(row.invoice_ids),
        row.date,
        ActionStatus(row.status),
        row.outcome,
        row.note,
        row.who,
    )


def record_promise(
    conn: Connection,
    *,
    customer_id: str,
    made: date,
    pay_by: date,
    amount: Decimal,
    currency: str,
    invoice_ids: Iterable[str] = (),
    promise_id: str | None = None,
) -> Recorded:
    """Return the recorded promise to pay ``amount`` by ``pay_by`` (``created`` False if known).

    Without ``promise_id`` the id is derived from the natural key (customer, date made, pay-by
    date, amount, currency), so the same promise recorded twice is one promise.
    """
    if pay_by < made:
        raise ValueError(f"a promise made on {made} cannot be to pay by {pay_by}, before it")
    if not is_currency(currency):
        raise ValueError(f"currency {currency!r} is not an ISO 4217 currency code")
    if amount <= 0 or not fits_minor_units(amount, currency):
        raise ValueError(
            f"a promised amount must be more than zero in whole {currency} minor units"
        )
    key = promise_id or _natural_id(
        "PTP",
        customer_id,
        made.isoformat(),
        pay_by.isoformat(),
        f"{amount.normalize():f}",
        currency,
    )
    covered = sorted(set(invoice_ids))
    with _writing(conn):
        written = _inserted(
            conn,
            _insert(conn, promises)
            .values(
                id=key,
                customer_id=customer_id,
                made=made,
                pay_by=pay_by,
                amount=amount,
                currency=currency,
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(promises.c.id),
        )
        if covered:
            conn.execute(
                _insert(conn, promise_invoices).on_conflict_do_nothing(
                    index_elements=["promise_id", "invoice_id"]
                ),
                [{"promise_id": key, "invoice_id": invoice_id} for invoice_id in covered],
            )
    return Recorded(key, written)


def record_dispute(
    conn: Connection,
    *,
    invoice_id: str,
    opened: date,
    reason: str = "",
    dispute_id: str | None = None,
) -> Recorded:
    """Return the open dispute of ``invoice_id``: the one recorded now, or the one already open.

    An invoice has at most one open dispute; recording a dispute while one is open returns that
    one with ``created`` False.
    """
    with _writing(conn):
        customer_id = conn.execute(
            select(invoices.c.customer_id).where(invoices.c.id == invoice_id)
        ).scalar()
        if customer_id is None:
            raise ValueError(f"invoice {invoice_id} is not in the ledger")
        key = dispute_id or _natural_id("D", invoice_id, opened.isoformat())
        written = _inserted(
            conn,
            _insert(conn, disputes)
            .values(
                id=key,
                customer_id=customer_id,
                invoice_id=invoice_id,
                opened=opened,
                resolved=None,
                reason=reason,
            )
            .on_conflict_do_nothing()
            .returning(disputes.c.id),
        )
        if written:
            return Recorded(key, True)
        existing = conn.execute(
            select(disputes.c.id).where(
                disputes.c.invoice_id == invoice_id, disputes.c.resolved.is_(None)
            )
        ).scalar()
    return Recorded(existing or key, False)


def _inserted(conn: Connection, statement: Any) -> bool:
    """Return whether ``statement`` (an INSERT ... ON CONFLICT DO NOTHING RETURNING) wrote a row."""
    # RETURNING rather than rowcount: drivers disagree on the rowcount of a skipped upsert.
    return conn.execute(statement).first() is not None


def _insert(conn: Connection, table: Table) -> Any:
    """Return an INSERT for ``table`` in the dialect of ``conn`` (for ON CONFLICT)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"idempotent recording is not written for {conn.dialect.name}")


@contextmanager
def _writing(conn: Connection) -> Iterator[None]:
    """Run in the caller's transaction if there is one, else in our own, committed at the end."""
    if conn.in_transaction():
        yield
        return
    with begin_write(conn):
        yield


def _natural_id(prefix: str, *parts: str) -> str:
    """Return a short stable id derived from a record's natural key."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{prefix}-{digest}"
