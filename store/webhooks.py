"""Webhook endpoints and the durable queue of events for them (docs/webhooks.md).

An event is queued for every endpoint that wants it **in the transaction that made it** (an
outcome in the action log, the day's list), so a crash loses nothing: either the outcome and its
events are both written, or neither. Delivery is at least once: a row moves

    queued --claim--> sending --2xx--> delivered
       ^                 |--other answer--> queued, later (backoff)  --last attempt--> failed
       \\--lease expired--/   (the process stopped: POSTed again, same event id)

Every move is a conditional ``UPDATE ... WHERE state = <expected>``, so two dispatchers never
both own a row. A repeated event id (after a crash between the POST and its record) is the
receiver's to drop.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from engine.model.money import money_string
from store.connection import begin_write
from store.models import webhook_deliveries, webhook_endpoints

EVENT_TYPES = ("action.listed", "outcome.recorded")
ALL_EVENTS = "*"


@dataclass(frozen=True, slots=True)
class Event:
    """An event ready to queue: its stable id, type and JSON body."""

    id: str
    type: str
    body: str


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A configured receiver (no secret: that is shown once, when it is added)."""

    id: str
    url: str
    events: tuple[str, ...]
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this process now owns: what to POST, where, signed with which secret."""

    id: int
    event_id: str
    event_type: str
    body: str
    url: str
    secret: str
    attempts: int


def event_id(event_type: str, *key: str) -> str:
    """Return the stable id of an event: the same facts give the same id on every run."""
    digest = hashlib.sha256("\x1f".join((event_type, *key)).encode()).hexdigest()[:24]
    return f"evt_{digest}"


def event(event_type: str, key: Sequence[str], data: Mapping[str, Any], *,
          now: datetime | None = None) -> Event:  # fmt: skip
    """Return an event of ``event_type`` whose id comes from ``key``, with ``data`` as body."""
    identity = event_id(event_type, *key)
    created = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    body = {"id": identity, "type": event_type, "created": created, "data": dict(data)}
    return Event(identity, event_type, json.dumps(body, ensure_ascii=False, sort_keys=True))


def outcome_event(values: Mapping[str, Any]) -> Event:
    """Return the ``outcome.recorded`` event of an action-log row's ``values``.

    Its id comes from (action id, status), the action log's own unique key.
    """
    currency = values.get("currency")

    def money(amount: Decimal | None) -> str | None:
        return None if amount is None or not currency else money_string(amount, currency)

    day: date = values["date"]
    recorded: datetime = values["recorded_at"]
    data = {
        "action_id": values["action_id"],
        "customer": {"id": values["customer_id"]},
        "step": values["step"],
        "invoices": list(values["invoice_ids"]),
        "date": day.isoformat(),
        "status": values["status"],
        "outcome": values.get("outcome"),
        "note": values.get("note", ""),
        "who": values.get("who", ""),
        "recorded_at": recorded.astimezone(UTC).isoformat(),
        "fee": money(values.get("fee")),
        "interest": money(values.get("interest")),
        "currency": currency,
    }
    key = (str(values["action_id"]), str(values["status"]))
    return event("outcome.recorded", key, data, now=recorded)


def add_endpoint(
    conn: Connection, url: str, events: Iterable[str] = (), *, now: datetime | None = None
) -> tuple[str, str]:
    """Return the id and signing secret of a new endpoint receiving ``events`` (all if none)."""
    wanted = sorted(set(events))
    unknown = [e for e in wanted if e not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            f"unknown event type {unknown[0]!r}: the types are {', '.join(EVENT_TYPES)}"
        )
    identity = f"we_{secrets.token_hex(8)}"
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    with begin_write(conn):
        conn.execute(
            webhook_endpoints.insert().values(
                id=identity,
                url=url,
                secret=secret,
                events=",".join(wanted) or ALL_EVENTS,
                created_at=now or datetime.now(UTC),
            )
        )
    return identity, secret


def list_endpoints(conn: Connection) -> list[Endpoint]:
    """Return every endpoint, oldest first."""
    e = webhook_endpoints.c
    rows = conn.execute(
        select(e.id, e.url, e.events, e.created_at, e.disabled_at).order_by(e.created_at, e.id)
    )
    return [
        Endpoint(row.id, row.url, tuple(row.events.split(",")), row.created_at, row.disabled_at)
        for row in rows
    ]


def disable_endpoint(conn: Connection, endpoint_id: str) -> bool:
    """Return whether ``endpoint_id`` was active and is now disabled (its queue stops)."""
    e = webhook_endpoints.c
    with begin_write(conn):
        moved = conn.execute(
            update(webhook_endpoints)
            .where(e.id == endpoint_id, e.disabled_at.is_(None))
            .values(disabled_at=datetime.now(UTC))
        )
        if moved.rowcount != 1:
            return False
        d = webhook_deliveries.c
        conn.execute(
            update(webhook_deliveries)
            .where(d.endpoint_id == endpoint_id, d.state == "queued")
            .values(state="failed", answer="endpoint disabled")
        )
    return True


def enqueue(conn: Connection, events: Sequence[Event], *, now: datetime | None = None) -> int:
    """Queue ``events`` for every active endpoint that wants them, in the caller's transaction.

    Return how many deliveries were new (an event already queued for an endpoint is not queued
    again, so a rerun adds nothing). Without endpoints this writes nothing.
    """
    if not events:
        return 0
    at = now or datetime.now(UTC)
    statement = _fan_out(conn.dialect.name)
    added = 0
    for e in events:
        params = {"event_id": e.id, "event_type": e.type, "body": e.body,
                  "pattern": f"%,{e.type},%", "at": at}  # fmt: skip
        added += conn.execute(statement, params).rowcount or 0
    return added


def has_endpoints(conn: Connection) -> bool:
    """Return whether any endpoint is active: events are built and queued only then.

    Asked on every outcome, so asked of the driver's cursor directly, in the caller's
    transaction: through SQLAlchemy's execution it added a quarter to an outcome's cost on
    SQLite; this way a few per cent. Inside ``endpoints_known`` it is asked once for the whole
    transaction.
    """
    known = conn.info.get(_KNOWN)
    if known is not None:
        return bool(known)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(_ANY_ENDPOINT)
        return cursor.fetchone() is not None
    finally:
        cursor.close()


@contextmanager
def endpoints_known(conn: Connection) -> Iterator[None]:
    """Within it, ``has_endpoints`` answers what it found once, at the start: for a group of
    outcomes written in one transaction (``api.write_gate``), where each statement costs a
    handoff between threads (endpoints are not added by those writes)."""
    conn.info[_KNOWN] = None
    conn.info[_KNOWN] = has_endpoints(conn)
    try:
        yield
    finally:
        conn.info.pop(_KNOWN, None)


_KNOWN = "dunning.webhooks.endpoints_active"
_ANY_ENDPOINT = "SELECT 1 FROM webhook_endpoints WHERE disabled_at IS NULL LIMIT 1"


@functools.cache
def _fan_out(dialect: str) -> Any:
    """Return INSERT ... SELECT: one delivery per active endpoint whose events match."""
    e = webhook_endpoints.c
    wanted = select(
        e.id,
        bindparam("event_id", type_=String()),
        bindparam("event_type", type_=String()),
        bindparam("body", type_=Text()),
        literal("queued", String()),
        literal(0, Integer()),
        bindparam("at", type_=DateTime(timezone=True)),
        bindparam("at", type_=DateTime(timezone=True)),
    ).where(
        e.disabled_at.is_(None),
        or_(e.events == ALL_EVENTS, (literal(",") + e.events + literal(",")).like(
            bindparam("pattern", type_=Text())
        )),
    )
    d = webhook_deliveries.c
    columns = [d.endpoint_id, d.event_id, d.event_type, d.body, d.state, d.attempts,
               d.next_attempt_at, d.created_at]  # fmt: skip
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(webhook_deliveries)
        .from_select(columns, wanted)
        .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
    )


def due(conn: Connection, *, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Return the deliveries waiting to be POSTed now, oldest first."""
    d = webhook_deliveries.c
    at = now or datetime.now(UTC)
    rows = conn.execute(
        select(d.id)
        .where(d.state == "queued", d.next_attempt_at <= at)
        .order_by(d.next_attempt_at, d.id)
        .limit(limit)
    )
    return list(rows.scalars())


def claim(
    conn: Connection, delivery_id: int, worker: str, *, now: datetime | None = None
) -> Claimed | None:
    """Return delivery ``delivery_id`` now owned by ``worker``, or None when another has it."""
    d, e = webhook_deliveries.c, webhook_endpoints.c
    at = now or datetime.now(UTC)
    with begin_write(conn):
        moved = conn.execute(
            update(webhook_deliveries)
            .where(d.id == delivery_id, d.state == "queued", d.next_attempt_at <= at)
            .values(state="sending", claimed_by=worker, claimed_at=at, attempts=d.attempts + 1)
        )
        if moved.rowcount != 1:
            return None
        row = conn.execute(
            select(d.id, d.event_id, d.event_type, d.body, e.url, e.secret, d.attempts)
            .join(webhook_endpoints, e.id == d.endpoint_id)
            .where(d.id == delivery_id)
        ).one()
    return Claimed(row.id, row.event_id, row.event_type, row.body, row.url, row.secret,
                   int(row.attempts))  # fmt: skip


def settle(
    conn: Connection,
    claimed: Claimed,
    worker: str,
    *,
    answer: str,
    delivered: bool,
    retry_at: datetime | None,
) -> bool:
    """Record the endpoint's answer: delivered, queued again from ``retry_at``, or failed (no
    ``retry_at``). False when the claim was lost (the lease expired and another run took it)."""
    d = webhook_deliveries.c
    now = datetime.now(UTC)
    if delivered:
        values: dict[str, Any] = {"state": "delivered", "delivered_at": now}
    elif retry_at is not None:
        values = {"state": "queued", "next_attempt_at": retry_at}
    else:
        values = {"state": "failed"}
    with begin_write(conn):
        moved = conn.execute(
            update(webhook_deliveries)
            .where(d.id == claimed.id, d.state == "sending", d.claimed_by == worker)
            .values(claimed_by=None, answer=answer[:2000], **values)
        )
    return moved.rowcount == 1


def requeue_stale(conn: Connection, *, lease: timedelta, now: datetime | None = None) -> int:
    """Return how many deliveries left ``sending`` longer than ``lease`` were queued again.

    Their process stopped before or after the POST: nobody can tell, so the event goes again
    with the same id (at least once), and the receiver drops it if it had it.
    """
    d = webhook_deliveries.c
    at = now or datetime.now(UTC)
    with begin_write(conn):
        moved = conn.execute(
            update(webhook_deliveries)
            .where(d.state == "sending", d.claimed_at < at - lease)
            .values(
                state="queued",
                claimed_by=None,
                next_attempt_at=at,
                answer="queued again: the delivering process stopped",
            )
        )
    return int(moved.rowcount or 0)


def requeue_failed(
    conn: Connection, endpoint_id: str | None = None, *, now: datetime | None = None
) -> int:
    """Return how many failed deliveries (of one endpoint, or all) were queued again, with their
    attempts counted afresh: for an operator whose receiver is back."""
    d, e = webhook_deliveries.c, webhook_endpoints.c
    active = select(e.id).where(e.disabled_at.is_(None))
    if endpoint_id is not None:
        active = active.where(e.id == endpoint_id)
    with begin_write(conn):
        moved = conn.execute(
            update(webhook_deliveries)
            .where(d.state == "failed", d.endpoint_id.in_(active.scalar_subquery()))
            .values(state="queued", attempts=0, next_attempt_at=now or datetime.now(UTC))
        )
    return int(moved.rowcount or 0)


def counts(conn: Connection) -> dict[str, int]:
    """Return how many deliveries are in each state."""
    d = webhook_deliveries.c
    rows = conn.execute(select(d.state, func.count()).group_by(d.state))
    return {state: int(number) for state, number in sorted(rows.all())}
