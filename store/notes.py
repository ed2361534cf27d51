"""Free-text notes on a customer's timeline: who wrote what, when. Written once per key.

A note carries a key: the one-time key of the form it was typed in, or an API caller's
idempotency key (a random one when the caller gives none). The key is the note's primary key and
the note is written with ``INSERT ... ON CONFLICT DO NOTHING``, so a form sent twice, a retried
request or two requests racing with the same key leave exactly one note.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, select

from store.models import customer_notes, customers
from store.outcomes import Recorded, _insert, _inserted, _writing

# A note is a paragraph or two typed by a person, not a document.
MAX_NOTE_CHARS = 4000
MAX_KEY_CHARS = 64


class NoteError(ValueError):
    """A note that cannot be written as asked; ``field`` names the value at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Note:
    """A note as stored."""

    id: str
    customer_id: str
    date: date
    written_at: datetime
    who: str
    text: str


def new_key() -> str:
    """Return a fresh random key for a note (or a form that will write one)."""
    return "N-" + secrets.token_urlsafe(18)


def add_note(
    conn: Connection,
    *,
    customer_id: str,
    text: str,
    who: str,
    day: date,
    key: str | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Return the note written to ``customer_id``'s timeline (``created`` False if ``key`` was
    used before: the earlier note stands).

    ``day`` is the date it belongs to on the timeline (today in the policy's time zone), ``now``
    the moment it was written. Blank notes, notes over ``MAX_NOTE_CHARS`` characters, text holding
    a NUL character and unknown customers are refused with a ``NoteError``.
    """
    body = text.strip()
    if not body:
        raise NoteError("text", "the note is empty: write what happened")
    if len(body) > MAX_NOTE_CHARS:
        raise NoteError(
            "text", f"the note has {len(body)} characters; at most {MAX_NOTE_CHARS} fit"
        )
    if "\x00" in body:
        raise NoteError("text", "the note holds a NUL character")
    note_id = key or new_key()
    if len(note_id) > MAX_KEY_CHARS or not note_id.isprintable() or " " in note_id:
        raise NoteError("key", f"a note key is 1-{MAX_KEY_CHARS} printable characters, no spaces")
    with _writing(conn):
        known = conn.execute(select(customers.c.id).where(customers.c.id == customer_id)).scalar()
        if known is None:
            raise NoteError("customer", f"customer {customer_id} is not in the ledger")
        written = _inserted(
            conn,
            _insert(conn, customer_notes)
            .values(
                id=note_id,
                customer_id=customer_id,
                date=day,
                written_at=now or datetime.now(UTC),
                who=who,
                text=body,
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(customer_notes.c.id),
        )
    return Recorded(note_id, written)


def customer_notes_of(conn: Connection, customer_id: str, as_of: date | None = None) -> list[Note]:
    """Return the customer's notes, oldest first (up to the end of ``as_of`` when given)."""
    n = customer_notes.c
    stmt = select(n.id, n.customer_id, n.date, n.written_at, n.who, n.text).where(
        n.customer_id == customer_id
    )
    if as_of is not None:
        stmt = stmt.where(n.date <= as_of)
    rows = conn.execute(stmt.order_by(n.written_at, n.id)).all()
    return [Note(r.id, r.customer_id, r.date, as_utc(r.written_at), r.who, r.text) for r in rows]


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime (SQLite hands back naive ones)."""
    # SQLite hands back naive datetimes for what was stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
