"""Record a waiver of the fees and interest an action charged, idempotently.

One waiver per action (``UNIQUE (action_id)``), written with ``INSERT ... ON CONFLICT DO
NOTHING``: the same waiver sent twice, or from two clients at the same moment, leaves exactly one,
and the later call is told which one is in force. What a waiver does to what is owed is the
engine's (rule "charges owed", ``engine.rules.charges_owed``).
"""

from __future__ import annotations

import hashlib
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.model.ledger import ChargeWaiver
from engine.model.ledger_fields import check_day
from store.connection import begin_write
from store.models import action_log, charge_waivers

# The longest reason a waiver keeps: a sentence or two, as a note is.
MAX_REASON = 2000


class NothingToWaiveError(ValueError):
    """The action charged nothing that was recorded done: there is nothing to waive."""


@dataclass(frozen=True, slots=True)
class RecordedWaiver:
    """The waiver in force for an action, and whether this call created it."""

    waiver: ChargeWaiver
    created: bool


def record_waiver(
    conn: Connection,
    *,
    action_id: str,
    day: date,
    reason: str,
    who: str,
    recorded_at: datetime | None = None,
) -> RecordedWaiver:
    """Return the waiver of action ``action_id``'s charges: the one written now, or the one
    already in force (``created`` False).

    Raises ``ValueError`` for a reason that is empty or too long or a day out of bounds, and
    ``NothingToWaiveError`` when no done record of the action charged a fee or interest by
    ``day``.
    """
    text = reason.strip()
    if not text:
        raise ValueError("a waiver needs a reason: say why the charges are taken off")
    if len(text) > MAX_REASON:
        raise ValueError(f"a waiver's reason is at most {MAX_REASON} characters")
    beyond = check_day(day)
    if beyond is not None:
        raise ValueError(beyond.message(f"waiver date {day}"))
    a = action_log.c
    with nullcontext() if conn.in_transaction() else begin_write(conn):
        charged = conn.execute(
            select(a.customer_id)
            .where(
                a.action_id == action_id,
                a.status == "done",
                a.date <= day,
                (a.fee > Decimal(0)) | (a.interest > Decimal(0)),
            )
            .limit(1)
        ).scalar()
        if charged is None:
            raise NothingToWaiveError(
                f"the action charged no fee or interest recorded done on or before "
                f"{day.isoformat()}: there is nothing to waive"
            )
        key = "W-" + hashlib.sha256(action_id.encode()).hexdigest()[:16]
        values = {
            "id": key,
            "customer_id": charged,
            "action_id": action_id,
            "date": day,
            "reason": text,
            "who": who,
            "recorded_at": recorded_at or datetime.now(UTC),
        }
        written = conn.execute(
            _insert(conn.dialect.name).values(**values).on_conflict_do_nothing()
            .returning(charge_waivers.c.id)
        ).first()  # fmt: skip
        found = waiver_of(conn, action_id)
    assert found is not None  # written now, or already there
    return RecordedWaiver(found, written is not None)


def waiver_of(conn: Connection, action_id: str) -> ChargeWaiver | None:
    """Return the waiver of action ``action_id``'s charges, or None."""
    w = charge_waivers.c
    row = conn.execute(
        select(w.id, w.customer_id, w.action_id, w.date, w.reason, w.who).where(
            w.action_id == action_id
        )
    ).first()
    if row is None:
        return None
    return ChargeWaiver(row.id, row.customer_id, row.action_id, row.date, row.reason, row.who)


def _insert(dialect: str) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(charge_waivers)
    return sqlite.insert(charge_waivers)
