"""Record what staff did: an action's outcome, a promise to pay, a dispute. Idempotently.

Each record has a natural key, enforced by a unique constraint, and is written with
``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike): recording the same thing
twice, or from two processes at the same moment, leaves exactly one record, and the second call
learns that it was already there.

- an outcome: one per (action id, status): "done" twice is one record; "failed" then "done"
  are two facts and both are kept. An action has at most one *final* outcome (done or skipped):
  the first recorded wins through a unique index, and a different one is not stored
  (``record_outcome`` answers ``created=False``; ``outcome_in_force`` says what won);
- a promise to pay: one in force per invoice and currency: the same promise again is the same
  record; a different one (another amount or date) replaces the one in force from the day it is
  made, which is kept with ``superseded_by`` and ``superseded_on``;
- a dispute: one open dispute per invoice.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.model.ledger import ActionStatus, invoice_of_part
from engine.model.ledger_fields import check_day
from engine.model.money import fits_minor_units, is_currency, round_money
from store import webhooks
from store.connection import begin_write
from store.models import (
    FINAL_STATUSES,
    action_log,
    customers,
    disputes,
    invoices,
    promise_invoices,
    promises,
)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The id of what was recorded, and whether this call created it (False: already there).

    ``row`` is the action-log row an outcome was written to; ``replaced`` the promises a new
    promise replaced.
    """

    id: str
    created: bool
    row: int | None = None
    replaced: tuple[str, ...] = ()


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
        "final": state.value in FINAL_STATUSES,
    }
    with _writing(conn):
        row = conn.execute(_log_insert(conn.dialect.name), values).scalar()
        if row is not None and webhooks.has_endpoints(conn):
            # In the same transaction: an outcome and its webhook events are written together.
            webhooks.enqueue(conn, [webhooks.outcome_event(values)])
    return Recorded(action_id, row is not None, None if row is None else int(row))


@functools.cache
def _log_insert(dialect: str) -> Any:
    """Return the action-log INSERT of ``dialect``, built once: the API records outcomes at a
    high rate, and building a statement costs more than running it on SQLite."""
    # No conflict target: the same status again (UNIQUE (action_id, status)) and a second,
    # different final outcome (the unique index over final rows) are both left unwritten.
    return _dialect_insert(dialect, action_log).on_conflict_do_nothing().returning(action_log.c.id)


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
    recorded_at: datetime
    final: bool


_a = action_log.c
_OUTCOME_COLUMNS = (
    _a.action_id,
    _a.customer_id,
    _a.step,
    _a.invoice_ids,
    _a.date,
    _a.status,
    _a.outcome,
    _a.note,
    _a.who,
    _a.recorded_at,
    _a.final,
)


def _outcome(row: Any) -> Outcome:
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
        row.recorded_at,
        bool(row.final),
    )


def find_outcome(conn: Connection, action_id: str, status: ActionStatus | str) -> Outcome | None:
    """Return the recorded ``status`` outcome of action ``action_id``, or None if there is none."""
    row = conn.execute(
        select(*_OUTCOME_COLUMNS).where(
            _a.action_id == action_id, _a.status == ActionStatus(status).value
        )
    ).first()
    return None if row is None else _outcome(row)


_IN_FORCE = (
    select(*_OUTCOME_COLUMNS)
    .where(_a.action_id == bindparam("action_id"), _a.status.in_(("done", "skipped", "failed")))
    .order_by(_a.final.desc(), _a.id.desc())
    .limit(1)
)


def outcome_in_force(conn: Connection, action_id: str) -> Outcome | None:
    """Return what is recorded for ``action_id``: its final outcome, else its latest other one
    (a failed attempt), else None."""
    row = conn.execute(_IN_FORCE, {"action_id": action_id}).first()
    return None if row is None else _outcome(row)


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
    """Return the promise to pay ``amount`` by ``pay_by`` now in force (``created`` False if it
    already was).

    The same promise as one in force (pay-by date, amount, currency and invoices) is that one.
    A different one about any of the same invoices in that currency (a promise naming no invoice
    is about all of them) replaces those in force from ``made``; they are kept, marked
    ``superseded_by`` and ``superseded_on``. Writers are serialised per customer, so promises
    sent at the same moment leave exactly one in force. Without ``promise_id`` the id is derived
    from the promise and what it replaces.
    """
    if pay_by < made:
        raise ValueError(f"a promise made on {made} cannot be to pay by {pay_by}, before it")
    for name, day in (("promise date", made), ("pay-by date", pay_by)):
        beyond = check_day(day)
        if beyond is not None:
            raise ValueError(beyond.message(f"{name} {day}"))
    if not is_currency(currency):
        raise ValueError(f"currency {currency!r} is not an ISO 4217 currency code")
    if amount <= 0 or not fits_minor_units(amount, currency):
        raise ValueError(
            f"a promised amount must be more than zero in whole {currency} minor units"
        )
    with _writing(conn):
        # A promise about parts of an invoice on split terms is about the invoice.
        numbers = set(invoice_ids)
        in_ledger = ledger_invoices(conn, numbers) if numbers else {}
        covered = tuple(sorted({in_ledger.get(n, n) for n in numbers}))
        # PostgreSQL: one promise writer per customer at a time (SQLite writers are serialised
        # by BEGIN IMMEDIATE already). The in-force check below is then race-free.
        conn.execute(select(customers.c.id).where(customers.c.id == customer_id).with_for_update())
        about_the_same = [
            p for p in _promises_in_force(conn, customer_id, currency) if _overlap(p[4], covered)
        ]
        for ref, _, due, promised, about in about_the_same:
            if (due, promised, about) == (pay_by, amount, covered):
                return Recorded(ref, False)
        earlier = sorted(p[0] for p in about_the_same if p[1] <= made)
        later = sorted((p[1], p[0]) for p in about_the_same if p[1] > made)
        key = promise_id or _natural_id(
            "PTP",
            customer_id,
            made.isoformat(),
            pay_by.isoformat(),
            f"{amount.normalize():f}",
            currency,
            *covered,
            "\x1e",
            *earlier,
        )
        # A promise recorded after a later-made one about the same invoices was replaced by it.
        replaced_by = later[0] if later else None
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
                superseded_by=replaced_by[1] if replaced_by else None,
                superseded_on=replaced_by[0] if replaced_by else None,
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(promises.c.id),
        )
        if not written:
            return Recorded(key, False)
        if covered:
            conn.execute(
                promise_invoices.insert(),
                [{"promise_id": key, "invoice_id": invoice_id} for invoice_id in covered],
            )
        if earlier:
            conn.execute(
                update(promises)
                .where(promises.c.id.in_(earlier))
                .values(superseded_by=key, superseded_on=made)
            )
    return Recorded(key, True, replaced=tuple(earlier))


def invoice_currencies(conn: Connection, invoice_ids: Iterable[str]) -> dict[str, str]:
    """Return the currency of each of ``invoice_ids`` that is in the ledger (a part of an invoice
    on split terms, ``INV-1001_2of3``, has its invoice's)."""
    found = ledger_invoices(conn, invoice_ids)
    rows = conn.execute(
        select(invoices.c.id, invoices.c.currency).where(invoices.c.id.in_(set(found.values())))
    ).all()
    currency = {str(ref): str(code) for ref, code in rows}
    return {number: currency[ref] for number, ref in found.items() if ref in currency}


def ledger_invoices(conn: Connection, numbers: Iterable[str]) -> dict[str, str]:
    """Return, for each of ``numbers`` in the ledger, the ledger invoice it is: itself, or for a
    part of an invoice on split terms (``INV-1001_2of3``, rule "instalments") the invoice it is
    a part of. A number found neither way is left out.

    The action list names the parts; the ledger holds the invoices, so a dispute or a promise
    recorded on a part is the invoice's (and covers all its parts, as the engine reads it).
    """
    wanted = set(numbers)
    parents = {n: parent for n in wanted if (parent := invoice_of_part(n)) is not None}
    look_up = sorted(wanted | set(parents.values()))
    known = {
        str(ref) for (ref,) in conn.execute(select(invoices.c.id).where(invoices.c.id.in_(look_up)))
    }
    out: dict[str, str] = {}
    for number in wanted:
        if number in known:
            out[number] = number
        elif parents.get(number) in known:
            out[number] = parents[number]
    return out


# (id, made, pay_by, amount, invoice ids): a promise in force, as the supersession rule needs it.
_PromiseTerms = tuple[str, date, date, Decimal, tuple[str, ...]]


def _promises_in_force(conn: Connection, customer_id: str, currency: str) -> list[_PromiseTerms]:
    p, pi = promises.c, promise_invoices.c
    rows = conn.execute(
        select(p.id, p.made, p.pay_by, p.amount, pi.invoice_id)
        .outerjoin(promise_invoices, pi.promise_id == p.id)
        .where(p.customer_id == customer_id, p.currency == currency, p.superseded_by.is_(None))
        .order_by(p.id, pi.invoice_id)
    ).all()
    found: dict[str, tuple[date, date, Decimal, list[str]]] = {}
    for ref, made, pay_by, amount, invoice_id in rows:
        entry = found.setdefault(ref, (made, pay_by, amount, []))
        if invoice_id is not None:
            entry[3].append(invoice_id)
    return [(ref, e[0], e[1], e[2], tuple(e[3])) for ref, e in found.items()]


def _overlap(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    """Return whether two promises are about some of the same invoices (none named: all)."""
    return not first or not second or not set(first).isdisjoint(second)


@dataclass(frozen=True, slots=True)
class PromiseRecord:
    """A promise to pay as its history shows it: in force, or replaced by a later one."""

    id: str
    made: date
    pay_by: date
    amount: Decimal
    currency: str
    invoice_ids: tuple[str, ...]
    superseded_by: str | None
    superseded_on: date | None


def promise_history(conn: Connection, customer_id: str, as_of: date) -> list[PromiseRecord]:
    """Return the promises ``customer_id`` made up to ``as_of``, oldest first, each with the
    promise that replaced it by then (if one did)."""
    p, pi = promises.c, promise_invoices.c
    rows = conn.execute(
        select(p.id, p.made, p.pay_by, p.amount, p.currency, p.superseded_by, p.superseded_on)
        .where(p.customer_id == customer_id, p.made <= as_of)
        .order_by(p.made, p.id)
    ).all()
    covered: dict[str, list[str]] = {}
    for ref, invoice_id in conn.execute(
        select(pi.promise_id, pi.invoice_id)
        .join(promises, p.id == pi.promise_id)
        .where(p.customer_id == customer_id, p.made <= as_of)
        .order_by(pi.promise_id, pi.invoice_id)
    ):
        covered.setdefault(ref, []).append(invoice_id)
    out = []
    for ref, made, pay_by, amount, currency, by, on in rows:
        replaced = on is not None and on <= as_of
        out.append(
            PromiseRecord(
                ref,
                made,
                pay_by,
                # Stated in the currency's minor units, as recorded (a promise always fits them).
                round_money(amount, currency),
                currency,
                tuple(covered.get(ref, ())),
                by if replaced else None,
                on if replaced else None,
            )
        )
    return out


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
    one with ``created`` False. A dispute of a part of an invoice on split terms
    (``INV-1001_2of3``) is recorded on the invoice, and holds back all its parts.
    """
    with _writing(conn):
        customer_id = _customer_of(conn, invoice_id)
        parent = invoice_of_part(invoice_id) if customer_id is None else None
        if parent is not None:
            # A part of an invoice on split terms is disputed as its invoice (rule "instalments").
            customer_id = _customer_of(conn, parent)
            invoice_id = parent if customer_id is not None else invoice_id
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


def _customer_of(conn: Connection, invoice_id: str) -> str | None:
    """Return the customer of ledger invoice ``invoice_id``, or None when there is none."""
    found = conn.execute(select(invoices.c.customer_id).where(invoices.c.id == invoice_id))
    customer = found.scalar()
    return None if customer is None else str(customer)


def _inserted(conn: Connection, statement: Any) -> bool:
    """Return whether ``statement`` (an INSERT ... ON CONFLICT DO NOTHING RETURNING) wrote a row."""
    # RETURNING rather than rowcount: drivers disagree on the rowcount of a skipped upsert.
    return conn.execute(statement).first() is not None


def _insert_once(
    conn: Connection, table: Table, values: Mapping[str, Any], *, key: Sequence[str] = ()
) -> bool:
    """Return whether ``values`` became a row of ``table`` (False: a row with the same ``key``,
    by default any unique key, was there, written before or by another writer at the same
    moment, and is left as it was): ``INSERT ... ON CONFLICT DO NOTHING RETURNING``."""
    statement = _insert(conn, table).values(dict(values))
    if key:
        statement = statement.on_conflict_do_nothing(index_elements=list(key))
    else:
        statement = statement.on_conflict_do_nothing()
    return _inserted(conn, statement.returning(*table.primary_key.columns))


def _insert(conn: Connection, table: Table) -> Any:
    """Return an INSERT for ``table`` in the dialect of ``conn`` (for ON CONFLICT)."""
    return _dialect_insert(conn.dialect.name, table)


def _dialect_insert(dialect: str, table: Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"idempotent recording is not written for {dialect}")


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
