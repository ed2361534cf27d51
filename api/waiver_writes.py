"""Waiving the fees and interest an action charged, for the API and the pages: the same checks
and the same words (404 when the action charged nothing recorded done, 422 naming the field)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from api.auth import Principal
from api.errors import NotFoundError
from api.workspace_writes import field_problem
from store.charge_waivers import NothingToWaiveError, RecordedWaiver, record_waiver


def waiver_out(recorded: RecordedWaiver) -> dict[str, Any]:
    """Return a waiver as ``WaiverOut``."""
    waiver = recorded.waiver
    return {
        "id": waiver.id,
        "action_id": waiver.action_id,
        "customer": waiver.customer_id,
        "date": waiver.date.isoformat(),
        "reason": waiver.reason,
        "who": waiver.who,
        "created": recorded.created,
    }


def waive_charges(
    conn: Connection, action_id: str, *, day: date, reason: str, who: Principal
) -> dict[str, Any]:
    """Return the waiver of action ``action_id``'s charges (``WaiverOut``), written in the
    caller's transaction; the same waiver again answers ``created`` False."""
    try:
        recorded = record_waiver(conn, action_id=action_id, day=day, reason=reason, who=who.name)
    except NothingToWaiveError as exc:
        raise NotFoundError(
            "The action charged no fee or interest that was recorded done: there is nothing to "
            "waive."
        ) from exc
    except ValueError as exc:
        raise field_problem("reason", str(exc)) from exc
    return waiver_out(recorded)
