"""The audit log of escalation cases: every hand-off, recall, agency result, escalation decision
and write-off, with who took it, when, and what it was about.

Written in the same transaction as the change it records, so the log never misses a change nor
holds one that was rolled back. The customer's timeline shows each entry (``store.timeline``).
Names and amounts stay in the database: nothing here is logged to the process log.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from store.models import audit_log
from store.notes import as_utc

# What an entry records, and how the timeline names it.
EVENTS = {
    "handoff": "Handed off",
    "recall": "Case recalled",
    "agency_payment": "Agency collected",
    "agency_outcome": "Agency reported",
    "escalation_decision": "Escalation decided",
    "write_off_proposed": "Write-off proposed",
    "write_off_approved": "Write-off approved",
    "write_off_rejected": "Write-off rejected",
}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One decision about a case."""

    id: int
    at: datetime
    day: date
    who: str
    customer_id: str
    event: str
    ref: str
    summary: str
    detail: Mapping[str, Any]


def record_event(
    conn: Connection,
    *,
    customer_id: str,
    day: date,
    who: str,
    event: str,
    ref: str,
    summary: str,
    detail: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> None:
    """Append one entry to the audit log, in the caller's transaction."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    conn.execute(
        insert(audit_log).values(
            at=now or datetime.now(UTC),
            date=day,
            who=who,
            customer_id=customer_id,
            event=event,
            ref=ref,
            summary=summary,
            detail=dict(detail or {}),
        )
    )


def audit_entries(
    conn: Connection,
    *,
    customer_id: str | None = None,
    as_of: date | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Return audit entries, oldest first: one customer's, or everyone's; up to ``as_of``."""
    a = audit_log.c
    stmt = select(a.id, a.at, a.date, a.who, a.customer_id, a.event, a.ref, a.summary, a.detail)
    if customer_id is not None:
        stmt = stmt.where(a.customer_id == customer_id)
    if as_of is not None:
        stmt = stmt.where(a.date <= as_of)
    stmt = stmt.order_by(a.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = conn.execute(stmt).all()
    return [
        AuditEntry(
            r.id,
            as_utc(r.at),
            r.date,
            r.who,
            r.customer_id,
            r.event,
            r.ref,
            r.summary,
            r.detail or {},
        )
        for r in reversed(rows)
    ]
