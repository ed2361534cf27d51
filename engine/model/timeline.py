"""A customer's timeline: every interaction and ledger event, with who and their note.

Built once (``store.timeline.read_timeline``) and rendered by the page, the API and the CLI, so
the three tell the same story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

# What an entry is about; the order breaks ties between entries of the same moment.
EntryKind = Literal[
    "payment",
    "credit_note",
    "cancellation",
    "discount",
    "dispute_resolved",
    "promise_broken",
    "action",
    "promise",
    "dispute",
    "plan",
    "assignment",
    "note",
    "case",
    "portal_visit",
    "portal_answer",
]
ENTRY_KINDS: tuple[str, ...] = get_args(EntryKind)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to a customer's account.

    ``day`` is the ledger date it belongs to; ``at`` the moment it was recorded, when known (staff
    actions and notes), which orders entries of the same day. ``status`` qualifies it: an
    action's outcome (done, skipped, failed, superseded), a promise's state (pending, kept,
    broken), a dispute's (open, resolved).
    """

    day: date
    kind: EntryKind
    title: str
    detail: str = ""
    who: str = ""
    at: datetime | None = None
    status: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    invoices: tuple[str, ...] = ()
    ref: str = ""

    def sort_key(self) -> tuple[date, int, str, int, str]:
        """Return the key that orders entries oldest first (the timeline shows them reversed)."""
        moment = self.at.isoformat() if self.at is not None else ""
        return (self.day, 1 if self.at else 0, moment, ENTRY_KINDS.index(self.kind), self.ref)


@dataclass(frozen=True, slots=True)
class Timeline:
    """A customer's timeline up to a day, newest entry first."""

    customer_id: str
    customer_name: str
    as_of: date
    entries: tuple[TimelineEntry, ...]
