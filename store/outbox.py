"""The outbox: each reminder rendered once, keyed by its action id, and delivered at most once.

States (docs/decisions/007-outbox-at-most-once.md)::

    queued --claim--> sending --accepted--> sent
       ^                 |  \\--refused---> failed
       \\--temporary-----/   \\--stopped---> uncertain   (found by a later run, never re-sent)

Every move is one conditional ``UPDATE ... WHERE state = <expected>``, so two processes never
both own a message: the database decides, on SQLite and PostgreSQL alike. A message is handed
to the mail server only while its row says ``sending`` under this process's claim; the answer is
written, together with the action's outcome, in one transaction. A process that stops between
the two leaves ``sending`` behind: a later run that finds it older than the lease marks it
``uncertain`` for a person to check (the mail server's log knows its Message-ID), because
sending it again could deliver it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from engine.rules.charges_owed import NOTHING_CHARGED, LoggedCharges
from store.connection import begin_write
from store.models import outbox
from store.outcomes import _writing, record_outcome

SENDER = "dunning send"
# The outcome word of a ``sent`` record, per channel: what "sent" means for it.
DELIVERED = {"email": "accepted by the mail server", "letter": "written to the print folder"}


@dataclass(frozen=True, slots=True)
class Queued:
    """A reminder ready to go into the outbox: what the action is, and what to deliver."""

    action_id: str
    date: date
    customer_id: str
    step: str
    invoice_ids: tuple[str, ...]
    channel: str  # email | letter
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    content: bytes
    needs_person: bool = False
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message this process now owns and may deliver."""

    action_id: str
    date: date
    customer_id: str
    step: str
    invoice_ids: tuple[str, ...]
    channel: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    content: bytes
    needs_person: bool
    attempts: int
    facts: Mapping[str, str] = field(default_factory=dict)


# The facts that carry what the step charges to its done outcome (rule "charges owed").
_FEE, _INTEREST, _CHARGE_CURRENCY = "fee", "interest", "charge_currency"


def charge_facts(charged: LoggedCharges) -> dict[str, str]:
    """Return the facts that carry ``charged`` to the done outcome ``mark_sent`` records."""
    if charged.currency is None:
        return {}
    out = {_CHARGE_CURRENCY: charged.currency}
    if charged.fee is not None:
        out[_FEE] = f"{charged.fee:f}"
    if charged.interest is not None:
        out[_INTEREST] = f"{charged.interest:f}"
    return out


def _charged(facts: Mapping[str, str]) -> LoggedCharges:
    currency = facts.get(_CHARGE_CURRENCY)
    if not currency:
        return NOTHING_CHARGED
    fee, interest = facts.get(_FEE), facts.get(_INTEREST)
    return LoggedCharges(
        Decimal(fee) if fee else None, Decimal(interest) if interest else None, currency
    )


def enqueue(conn: Connection, messages: Iterable[Queued], *, now: datetime | None = None) -> int:
    """Return how many of ``messages`` were new to the outbox (an action id is queued once).

    Runs in the caller's transaction if there is one (a notice queued with what it tells of),
    else in its own."""
    at = now or datetime.now(UTC)
    rows = [
        {
            "action_id": m.action_id,
            "date": m.date,
            "customer_id": m.customer_id,
            "step": m.step,
            "invoice_ids": sorted(m.invoice_ids),
            "channel": m.channel,
            "state": "queued",
            "recipients": ", ".join(m.recipients),
            "subject": m.subject,
            "message_id": m.message_id,
            "content": m.content,
            "facts": dict(m.facts),
            "needs_person": m.needs_person,
            "attempts": 0,
            "queued_at": at,
        }
        for m in messages
    ]
    if not rows:
        return 0
    added = 0
    with _writing(conn):
        for row in rows:
            statement = (
                _insert(conn)
                .values(row)
                .on_conflict_do_nothing(index_elements=["action_id"])
                .returning(outbox.c.action_id)
            )
            added += conn.execute(statement).first() is not None
    return added


def known(conn: Connection, action_ids: Iterable[str]) -> dict[str, str]:
    """Return the outbox state of each of ``action_ids`` that is in the outbox."""
    ids = list(action_ids)
    found: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = conn.execute(
            select(outbox.c.action_id, outbox.c.state).where(outbox.c.action_id.in_(chunk))
        )
        found.update({row.action_id: row.state for row in rows})
    return found


def due(
    conn: Connection, *, channel: str, now: datetime | None = None, limit: int | None = None
) -> list[str]:
    """Return the action ids of ``channel`` waiting to be sent now, oldest first."""
    at = now or datetime.now(UTC)
    c = outbox.c
    query = (
        select(c.action_id)
        .where(
            c.channel == channel,
            c.state == "queued",
            or_(c.next_attempt_at.is_(None), c.next_attempt_at <= at),
        )
        .order_by(c.queued_at, c.action_id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(conn.execute(query).scalars())


def claim(
    conn: Connection, action_id: str, worker: str, *, now: datetime | None = None
) -> Claimed | None:
    """Return the message ``action_id`` now owned by ``worker``, or None when another has it.

    queued -> sending, counting the attempt. Committed before the message is handed over.
    """
    at = now or datetime.now(UTC)
    c = outbox.c
    with begin_write(conn):
        moved = conn.execute(
            update(outbox)
            .where(
                c.action_id == action_id,
                c.state == "queued",
                or_(c.next_attempt_at.is_(None), c.next_attempt_at <= at),
            )
            .values(
                state="sending",
                claimed_by=worker,
                claimed_at=at,
                attempts=c.attempts + 1,
            )
        )
        if moved.rowcount != 1:
            return None
        row = conn.execute(select(outbox).where(c.action_id == action_id)).one()
    return Claimed(
        row.action_id,
        row.date,
        row.customer_id,
        row.step,
        tuple(row.invoice_ids),
        row.channel,
        tuple(r for r in row.recipients.split(", ") if r),
        row.subject,
        row.message_id,
        bytes(row.content),
        bool(row.needs_person),
        int(row.attempts),
        dict(row.facts),
    )


def retry_attempt(conn: Connection, message: Claimed, worker: str, answer: str) -> bool:
    """Return whether ``worker`` still owns ``message`` for another attempt (counted, renewed)."""
    c = outbox.c
    with begin_write(conn):
        moved = conn.execute(
            update(outbox)
            .where(c.action_id == message.action_id, c.state == "sending", c.claimed_by == worker)
            .values(attempts=c.attempts + 1, claimed_at=datetime.now(UTC), answer=answer)
        )
    return moved.rowcount == 1


def mark_sent(
    conn: Connection, message: Claimed, worker: str, answer: str, *, outcome: str
) -> bool:
    """Record ``message`` as delivered, and its action as done unless it needs a person.

    sending -> sent and the action log's entries in one transaction, through the same outcome
    recording as staff use (``store.outcomes.record_outcome``): always ``sent``, with the
    recipients and the server's answer (the customer's timeline shows it); and ``done`` when no
    person has to work the step (docs/decisions/011). False when the claim was lost.
    """
    at = datetime.now(UTC)
    with begin_write(conn):
        if not _move(conn, message, worker, state="sent", answer=answer, sent_at=at):
            return False
        _record(conn, message, "sent", _delivered(message, answer), DELIVERED[message.channel])
        if not message.needs_person:
            _record(conn, message, "done", "", outcome, charged=_charged(message.facts))
    return True


def _delivered(message: Claimed, answer: str) -> str:
    """Return what the action log says about a delivery: to whom, and the server's answer."""
    if message.channel == "email" and message.recipients:
        return f"to {', '.join(message.recipients)}; {answer}"
    return answer


def mark_failed(
    conn: Connection, message: Claimed, worker: str, answer: str, *, outcome: str
) -> bool:
    """Record ``message`` as not deliverable, and its action as failed with the answer.

    ``failed`` keeps the action on staff's list (docs/api.md), where the answer says why.
    """
    with begin_write(conn):
        if not _move(conn, message, worker, state="failed", answer=answer):
            return False
        _record(conn, message, "failed", answer, outcome)
    return True


def defer(
    conn: Connection, message: Claimed, worker: str, answer: str, *, until: datetime
) -> bool:
    """Put ``message`` back in the queue after a temporary failure, to be tried from ``until``."""
    with begin_write(conn):
        return _move(conn, message, worker, state="queued", answer=answer, next_attempt_at=until)


def expire_stale(conn: Connection, *, lease: timedelta, now: datetime | None = None) -> list[str]:
    """Return the messages left ``sending`` longer than ``lease``, now marked ``uncertain``.

    Their process stopped after handing them over, or before: nobody can tell from here. Each
    action gets a ``failed`` outcome saying so and naming the Message-ID, for a person to check.
    """
    at = now or datetime.now(UTC)
    c = outbox.c
    with conn.begin():
        stale = list(
            conn.execute(
                select(outbox).where(c.state == "sending", c.claimed_at < at - lease)
            ).all()
        )
    expired: list[str] = []
    for row in stale:
        answer = (
            "delivery uncertain: the sending process stopped between handing the message to the "
            f"mail server and recording the answer; check the mail server's log for "
            f"Message-ID {row.message_id} before sending it again"
            if row.channel == "email"
            else "delivery uncertain: the sending process stopped while writing the letter; "
            "check the print folder before writing it again"
        )
        with begin_write(conn):
            moved = conn.execute(
                update(outbox)
                .where(
                    c.action_id == row.action_id, c.state == "sending", c.claimed_at < at - lease
                )
                .values(state="uncertain", answer=answer)
            )
            if moved.rowcount == 1:
                message = Claimed(
                    row.action_id, row.date, row.customer_id, row.step, tuple(row.invoice_ids),
                    row.channel, (), row.subject, row.message_id, b"", bool(row.needs_person),
                    int(row.attempts),
                )  # fmt: skip
                _record(conn, message, "failed", answer, "delivery uncertain")
                expired.append(row.action_id)
    return expired


def requeue(conn: Connection, action_ids: Sequence[str]) -> list[str]:
    """Return the failed or uncertain messages of ``action_ids`` put back in the queue.

    For a person who fixed the address or checked that an uncertain message never arrived.
    """
    c = outbox.c
    with begin_write(conn):
        moved = conn.execute(
            update(outbox)
            .where(c.action_id.in_(list(action_ids)), c.state.in_(("failed", "uncertain")))
            .values(state="queued", next_attempt_at=None, claimed_by=None, claimed_at=None)
            .returning(c.action_id)
        )
        return sorted(moved.scalars())


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message of the outbox as staff see it (no content)."""

    action_id: str
    date: date
    customer_id: str
    step: str
    channel: str
    state: str
    recipients: str
    subject: str
    attempts: int
    answer: str
    sent_at: datetime | None


def deliveries(
    conn: Connection,
    *,
    customer_id: str | None = None,
    action_id: str | None = None,
    states: Sequence[str] = (),
    as_of: date | None = None,
) -> list[Delivery]:
    """Return outbox messages (of one customer or action, in some states, up to a day), newest
    first."""
    c = outbox.c
    conditions: list[Any] = []
    if customer_id is not None:
        conditions.append(c.customer_id == customer_id)
    if action_id is not None:
        conditions.append(c.action_id == action_id)
    if as_of is not None:
        conditions.append(c.date <= as_of)
    if states:
        conditions.append(c.state.in_(list(states)))
    rows = conn.execute(
        select(
            c.action_id, c.date, c.customer_id, c.step, c.channel, c.state, c.recipients,
            c.subject, c.attempts, c.answer, c.sent_at,
        )
        .where(and_(True, *conditions))
        .order_by(c.date.desc(), c.action_id)
    )  # fmt: skip
    return [Delivery(*row) for row in rows]


def counts(conn: Connection) -> dict[str, int]:
    """Return how many outbox messages are in each state."""
    rows = conn.execute(select(outbox.c.state, func.count()).group_by(outbox.c.state))
    return {state: int(number) for state, number in sorted(rows.all())}


def _move(conn: Connection, message: Claimed, worker: str, **values: Any) -> bool:
    c = outbox.c
    moved = conn.execute(
        update(outbox)
        .where(c.action_id == message.action_id, c.state == "sending", c.claimed_by == worker)
        .values(claimed_by=None, **values)
    )
    return moved.rowcount == 1


def _record(
    conn: Connection,
    message: Claimed,
    status: str,
    answer: str,
    outcome: str,
    *,
    charged: LoggedCharges = NOTHING_CHARGED,
) -> None:
    """Record the delivery on the action, as staff's outcomes are recorded (store.outcomes);
    a done outcome with what the step charged."""
    if not message.customer_id:
        return  # mail to the business itself (the management summary): no customer's action
    record_outcome(
        conn,
        action_id=message.action_id,
        customer_id=message.customer_id,
        step=message.step,
        invoice_ids=message.invoice_ids,
        date=message.date,
        status=status,
        outcome=outcome,
        note=answer,
        who=SENDER,
        fee=charged.fee,
        interest=charged.interest,
        currency=charged.currency,
    )


def _insert(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(outbox)
    return sqlite.insert(outbox)
