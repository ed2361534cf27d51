"""Who has an action: reassigning it to a colleague, and reading who has which actions now.

Every reassignment is a row (the timeline shows them all); the newest row of an action names
who has it. Rows carry the client's one-time key, unique, so a form sent twice is one
reassignment; two different reassignments racing both land, in the order the database took them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, func, select

from store.models import action_assignments
from store.notes import as_utc
from store.outcomes import Recorded, _insert, _inserted, _writing

MAX_NAME_CHARS = 128


class AssignmentError(ValueError):
    """A reassignment that cannot be recorded as asked; ``field`` names the value at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Assignment:
    """An action handed to ``assignee`` by ``who``."""

    action_id: str
    customer_id: str
    step: str
    date: date
    assignee: str
    who: str
    assigned_at: datetime
    note: str


def assign_action(
    conn: Connection,
    *,
    key: str,
    action_id: str,
    customer_id: str,
    step: str,
    day: date,
    assignee: str,
    who: str,
    note: str = "",
    now: datetime | None = None,
) -> Recorded:
    """Return the reassignment of ``action_id`` to ``assignee`` (``created`` False when ``key``
    was recorded before)."""
    name = assignee.strip()
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        raise AssignmentError(
            "assignee", f"name the colleague who takes the action (1-{MAX_NAME_CHARS} characters)"
        )
    if "\x00" in note:
        raise AssignmentError("note", "the note holds a NUL character")
    with _writing(conn):
        written = _inserted(
            conn,
            _insert(conn, action_assignments)
            .values(
                key=key,
                action_id=action_id,
                customer_id=customer_id,
                step=step,
                date=day,
                assignee=name,
                who=who,
                assigned_at=now or datetime.now(UTC),
                note=note.strip(),
            )
            .on_conflict_do_nothing(index_elements=["key"])
            .returning(action_assignments.c.id),
        )
    return Recorded(key, written)


def current_assignees(conn: Connection, action_ids: Iterable[str] | None = None) -> dict[str, str]:
    """Return who has each reassigned action now (its newest reassignment), by action id.

    Without ``action_ids``: every action ever reassigned (a small table: one row per hand-over).
    """
    a = action_assignments.c
    newest = select(a.action_id, func.max(a.id).label("id")).group_by(a.action_id)
    if action_ids is not None:
        newest = newest.where(a.action_id.in_(list(action_ids)))
    latest = newest.subquery("latest")
    rows = conn.execute(
        select(a.action_id, a.assignee).join(latest, latest.c.id == a.id)
    ).all()
    return {row.action_id: row.assignee for row in rows}


def customer_assignments(
    conn: Connection, customer_id: str, as_of: date | None = None
) -> list[Assignment]:
    """Return the reassignments of the customer's actions, oldest first."""
    a = action_assignments.c
    stmt = select(
        a.action_id, a.customer_id, a.step, a.date, a.assignee, a.who, a.assigned_at, a.note
    ).where(a.customer_id == customer_id)
    if as_of is not None:
        stmt = stmt.where(a.date <= as_of)
    return [
        Assignment(
            r.action_id, r.customer_id, r.step, r.date, r.assignee, r.who, as_utc(r.assigned_at),
            r.note,
        )
        for r in conn.execute(stmt.order_by(a.id)).all()
    ]
