"""The escalation cases' writes, shared by the API and the pages: hand-off, recall, results.

Each takes the connection of the request's transaction and the principal who acts, calls
``casework`` and the store, and turns their refusals into the API's problems (422 naming the
field, 404), so a page and an API client get the same checks and the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from api.auth import Principal
from api.errors import NotFoundError
from api.policy_state import ServedPolicy
from api.workspace_writes import field_problem
from casework.case_file import hand_off
from engine.model.handoff import AgencyResult
from engine.model.money import money_string
from engine.report.case_file import totals_to_dict
from engine.rules.case_file import CaseAmounts
from store.handoffs import (
    HandoffError,
    HandoffRecord,
    add_agency_results,
    find_handoff,
    recall_handoff,
)


def case_out(
    record: HandoffRecord, *, created: bool = False, amounts: CaseAmounts | None = None
) -> dict[str, Any]:
    """Return a case as ``HandoffOut``."""
    return {
        "id": record.id,
        "customer": record.customer_id,
        "to": record.to,
        "opened": record.opened.isoformat(),
        "opened_by": record.opened_by,
        "note": record.note,
        "digest": record.digest,
        "claim": dict(sorted(record.claim.items())),
        "recalled": record.recalled.isoformat() if record.recalled else None,
        "recalled_by": record.recalled_by,
        "open": record.is_open,
        "created": created,
        "totals": [totals_to_dict(t) for t in amounts.totals] if amounts is not None else None,
        "download": f"/v1/handoffs/{record.id}/case.zip",
    }


def case_refused(exc: HandoffError) -> Exception:
    """Return the API's problem for a refused hand-off, recall or result."""
    if exc.field in {"customer", "case"}:
        return NotFoundError(str(exc))
    return field_problem(exc.field, str(exc))


def open_case(
    conn: Connection,
    served: ServedPolicy,
    *,
    customer_id: str,
    to: str,
    who: Principal,
    day: date,
    note: str,
    root: Path,
) -> dict[str, Any]:
    """Return the customer's case (``HandoffOut``), opened by this call unless it was open."""
    try:
        record, created, case = hand_off(
            conn,
            served.policy,
            served.version,
            customer_id=customer_id,
            to=to,
            day=day,
            who=who.name,
            note=note,
            root=root,
        )
    except HandoffError as exc:
        raise case_refused(exc) from exc
    return case_out(record, created=created, amounts=case.amounts if case else None)


def recall_case(
    conn: Connection, case_id: str, *, who: Principal, day: date, note: str
) -> tuple[dict[str, Any], bool]:
    """Return the case once recalled (``HandoffOut``) and whether this call recalled it."""
    try:
        record, recalled = recall_handoff(conn, case_id, day=day, who=who.name, note=note)
    except HandoffError as exc:
        raise case_refused(exc) from exc
    return case_out(record), recalled


def find_case(conn: Connection, case_id: str) -> dict[str, Any]:
    """Return the case ``case_id`` (``HandoffOut``), or raise ``NotFoundError``."""
    record = find_handoff(conn, case_id)
    if record is None:
        raise NotFoundError(f"there is no case {case_id}")
    return case_out(record)


def record_results(
    conn: Connection, results: Sequence[AgencyResult], *, who: Principal
) -> dict[str, Any]:
    """Return what recording an agency's report did (``AgencyResultsOut``)."""
    try:
        done = add_agency_results(conn, results, who=who.name)
    except HandoffError as exc:
        raise case_refused(exc) from exc
    return {
        "rows": done.rows,
        "added": done.added,
        "unchanged": done.unchanged,
        "collected": {c: money_string(a, c) for c, a in sorted(done.collected.items())},
        "fees": {c: money_string(a, c) for c, a in sorted(done.fees.items())},
    }


def result_of(case: str, ref: str, day: date, kind: str, values: dict[str, Any]) -> AgencyResult:
    """Return one line of an agency's report from the request's values."""
    amount, fee = values.get("amount"), values.get("fee")
    return AgencyResult(
        case,
        ref,
        day,
        kind,
        values.get("currency"),
        Decimal(amount) if amount is not None else None,
        Decimal(fee) if fee is not None else None,
        values.get("invoice"),
        values.get("note") or "",
    )
