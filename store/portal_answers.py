"""What customers answered on the payment portal, and when they looked: recorded idempotently.

An answer is one row of ``portal_answers`` keyed by its form's one-time key, written in the same
transaction as what it does to the ledger: a promise to pay ("I will pay on …", and "I have
paid", which holds the chasing while the money travels), or a dispute of one invoice. A form
sent twice, or twice at the same moment, is one answer and one promise or dispute: the answer row
is inserted first with ``ON CONFLICT DO NOTHING``, and only the writer that inserted it goes on.
Requests (a copy of invoices, new contact details) are answers staff mark handled.

A visit is one row per customer, reminder link and day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Connection, select, update

from store.models import portal_answers, portal_visits
from store.notes import as_utc
from store.outbox import Queued, enqueue
from store.outcomes import (
    _insert_once,
    _writing,
    record_dispute,
    record_promise,
)
from store.payment_plans import stated_amount

# Who the timeline says an answer came from.
CUSTOMER = "customer (payment portal)"
# How each portal answer reads in the timeline.
PORTAL_WORDS = {
    "paid": "Customer says they have paid",
    "promise": "Customer promises to pay",
    "dispute": "Customer reports a problem with an invoice",
    "copy": "Customer asks for a copy of invoices",
    "contact": "Customer asks to change their contact details",
}
MAX_TEXT_CHARS = 2000
MAX_REFERENCE_CHARS = 64


@dataclass(frozen=True, slots=True)
class PortalAnswer:
    """An answer as the portal hands it over, checked by the engine's rule "portal answers"."""

    key: str  # the form's one-time key
    customer_id: str
    action_id: str  # the reminder whose link was used
    kind: str  # paid | promise | dispute | copy | contact
    day: date
    invoice_ids: tuple[str, ...] = ()
    amount: Decimal | None = None
    currency: str | None = None
    on_date: date | None = None  # paid on, or will pay on
    made: date | None = None  # paid and promise: the day the promise is made
    pay_by: date | None = None  # paid and promise: until when chasing is held
    reference: str = ""
    reason: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """An answer as recorded."""

    id: str
    customer_id: str
    action_id: str
    kind: str
    day: date
    answered_at: datetime
    invoice_ids: tuple[str, ...]
    amount: Decimal | None
    currency: str | None
    on_date: date | None
    reference: str
    reason: str
    text: str
    record_id: str | None
    handled_at: datetime | None
    handled_by: str | None


def record_answer(
    conn: Connection,
    answer: PortalAnswer,
    *,
    notice: Queued | None = None,
    now: datetime | None = None,
) -> tuple[str, bool]:
    """Return the answer's id and whether this call recorded it (False: the form was sent
    before, and nothing more was done).

    ``notice`` (an email to staff, such as the owner's notice of a dispute) goes into the
    outbox in the same transaction, only when this call recorded the answer.
    """
    if len(answer.text) > MAX_TEXT_CHARS or "\x00" in answer.text + answer.reference:
        raise ValueError("the text is too long or holds a NUL character")
    with _writing(conn):
        written = _insert_once(
            conn,
            portal_answers,
            {
                "id": answer.key,
                "customer_id": answer.customer_id,
                "action_id": answer.action_id,
                "kind": answer.kind,
                "date": answer.day,
                "answered_at": now or datetime.now(UTC),
                "invoice_ids": list(answer.invoice_ids),
                "amount": answer.amount,
                "currency": answer.currency,
                "on_date": answer.on_date,
                "reference": answer.reference[:MAX_REFERENCE_CHARS],
                "reason": answer.reason,
                "text": answer.text,
            },
            key=("id",),
        )
        if not written:
            return answer.key, False
        record_id = _act(conn, answer)
        if record_id is not None:
            conn.execute(
                update(portal_answers)
                .where(portal_answers.c.id == answer.key)
                .values(record_id=record_id)
            )
        if notice is not None:
            enqueue(conn, [notice], now=now)
    return answer.key, True


def _act(conn: Connection, answer: PortalAnswer) -> str | None:
    """Return the id of the promise or dispute the answer opens (None for a request)."""
    if answer.kind in ("paid", "promise"):
        assert answer.amount is not None and answer.currency is not None
        assert answer.made is not None and answer.pay_by is not None
        return record_promise(
            conn,
            customer_id=answer.customer_id,
            made=answer.made,
            pay_by=answer.pay_by,
            amount=answer.amount,
            currency=answer.currency,
            invoice_ids=answer.invoice_ids,
        ).id
    if answer.kind == "dispute":
        reason = f"{answer.reason}: {answer.text}" if answer.text else answer.reason
        return record_dispute(
            conn,
            invoice_id=answer.invoice_ids[0],
            opened=answer.day,
            reason=f"From the customer on the payment portal ({reason})",
        ).id
    return None


def answers_of(conn: Connection, customer_id: str, as_of: date | None = None) -> list[AnswerRecord]:
    """Return the customer's portal answers, oldest first (up to ``as_of`` when given)."""
    a = portal_answers.c
    stmt = select(portal_answers).where(a.customer_id == customer_id)
    if as_of is not None:
        stmt = stmt.where(a.date <= as_of)
    rows = conn.execute(stmt.order_by(a.answered_at, a.id)).all()
    return [
        AnswerRecord(
            r.id, r.customer_id, r.action_id, r.kind, r.date, as_utc(r.answered_at),
            tuple(r.invoice_ids), None if r.amount is None else stated_amount(r.amount, r.currency),
            r.currency, r.on_date, r.reference, r.reason, r.text, r.record_id,
            None if r.handled_at is None else as_utc(r.handled_at), r.handled_by,
        )
        for r in rows
    ]  # fmt: skip


def answer_exists(conn: Connection, answer_id: str, customer_id: str) -> bool:
    """Return whether ``customer_id`` already gave the answer keyed ``answer_id``."""
    a = portal_answers.c
    found = conn.execute(
        select(a.id).where(a.id == answer_id, a.customer_id == customer_id)
    ).first()
    return found is not None


def mark_handled(
    conn: Connection, answer_id: str, customer_id: str, *, who: str, now: datetime | None = None
) -> bool:
    """Return whether request ``answer_id`` of ``customer_id`` was open and is now handled."""
    a = portal_answers.c
    with _writing(conn):
        done = conn.execute(
            update(portal_answers)
            .where(a.id == answer_id, a.customer_id == customer_id, a.handled_at.is_(None))
            .values(handled_at=now or datetime.now(UTC), handled_by=who)
            .returning(a.id)
        ).first()
    return done is not None


def record_visit(
    conn: Connection, customer_id: str, action_id: str, day: date, *, now: datetime | None = None
) -> bool:
    """Return whether this is the first visit of the day from that reminder's link."""
    with _writing(conn):
        return _insert_once(
            conn,
            portal_visits,
            {
                "customer_id": customer_id,
                "action_id": action_id,
                "date": day,
                "first_at": now or datetime.now(UTC),
            },
        )


@dataclass(frozen=True, slots=True)
class Visit:
    """The customer opened the portal from a reminder's link on a day."""

    action_id: str
    day: date
    first_at: datetime


def visits_of(conn: Connection, customer_id: str, as_of: date | None = None) -> list[Visit]:
    """Return the customer's portal visits, oldest first."""
    v = portal_visits.c
    stmt = select(v.action_id, v.date, v.first_at).where(v.customer_id == customer_id)
    if as_of is not None:
        stmt = stmt.where(v.date <= as_of)
    return [
        Visit(r.action_id, r.date, as_utc(r.first_at))
        for r in conn.execute(stmt.order_by(v.first_at, v.action_id))
    ]


# The answers a person must act on (a dispute also stops the chasing by itself).
NEEDS_STAFF = ("dispute", "copy", "contact")


def waiting_for_staff(conn: Connection, limit: int = 500) -> list[AnswerRecord]:
    """Return the answers no one has handled yet that need a person, oldest first."""
    a = portal_answers.c
    rows = conn.execute(
        select(a.id, a.customer_id)
        .where(a.kind.in_(NEEDS_STAFF), a.handled_at.is_(None))
        .order_by(a.answered_at, a.id)
        .limit(limit)
    ).all()
    wanted = {str(r.id) for r in rows}
    found: list[AnswerRecord] = []
    for customer_id in dict.fromkeys(str(r.customer_id) for r in rows):
        found += [x for x in answers_of(conn, customer_id) if x.id in wanted]
    return sorted(found, key=lambda x: (x.answered_at, x.id))
