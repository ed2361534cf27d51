"""Write-offs for the API and the pages: propose, approve, reject, each turned into the API's
problems (403 for the proposer or a non-approver, 404, 409 when already decided or the ledger
refuses the posting, 422 naming the field), so a page and an API client get the same checks
and the same words."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from api.auth import Principal
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.workspace_writes import field_problem
from casework.write_offs import NotAllowedError, decide, propose
from engine.model.money import money_string
from engine.model.policy import Policy
from engine.rules.write_off import WriteOffRefusedError
from store.ledger_writes import LedgerWriteError
from store.tokens import Role
from store.write_offs import WriteOffConflictError, WriteOffRecord


def write_off_out(record: WriteOffRecord, *, created: bool = False) -> dict[str, Any]:
    """Return a write-off as ``WriteOffOut``."""
    c = record.currency
    return {
        "id": record.id,
        "customer": record.customer_id,
        "currency": c,
        "amount": money_string(record.amount, c),
        "reason": record.reason,
        "date": record.day.isoformat(),
        "proposed_by": record.proposed_by,
        "needs_approval": record.needs_approval,
        "state": record.state,
        "decided_by": record.decided_by,
        "decided_at": record.decided_at.isoformat() if record.decided_at else None,
        "decision_note": record.decision_note,
        "lines": [
            {"invoice": line.invoice_id, "amount": money_string(line.amount, c)}
            for line in record.lines
        ],
        "posted": record.posted,
        "created": created,
    }


def propose_write_off(
    conn: Connection,
    policy: Policy,
    *,
    customer_id: str,
    amount: Decimal,
    currency: str,
    invoice_ids: Sequence[str],
    reason: str,
    day: date,
    who: Principal,
    key: str | None = None,
) -> dict[str, Any]:
    """Return the write-off proposed (``WriteOffOut``)."""
    try:
        record, created = propose(
            conn,
            policy,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            invoice_ids=invoice_ids,
            reason=reason,
            day=day,
            who=who.name,
            key=key,
        )
    except (WriteOffRefusedError, LedgerWriteError) as exc:
        raise write_off_refused(exc) from exc
    return write_off_out(record, created=created)


def write_off_refused(exc: WriteOffRefusedError | LedgerWriteError) -> Exception:
    """Return the API's problem for a write-off that cannot be proposed or posted."""
    if isinstance(exc, LedgerWriteError):
        return ConflictError(f"the ledger refuses this write-off: {exc}")
    if exc.field == "customer":
        return NotFoundError(str(exc))
    return field_problem(exc.field, str(exc))


def decide_write_off(
    conn: Connection,
    policy: Policy,
    write_off_id: str,
    *,
    approve: bool,
    who: Principal,
    day: date,
    note: str = "",
) -> dict[str, Any]:
    """Return the write-off once approved or rejected by ``who`` (``WriteOffOut``)."""
    try:
        record = decide(
            conn,
            policy,
            write_off_id,
            approve=approve,
            who=who.name,
            is_admin=who.role is Role.ADMIN,
            day=day,
            note=note,
        )
    except LookupError as exc:
        raise NotFoundError(str(exc)) from exc
    except NotAllowedError as exc:
        raise ForbiddenError(str(exc)) from exc
    except WriteOffConflictError as exc:
        raise ConflictError(str(exc)) from exc
    except LedgerWriteError as exc:
        raise ConflictError(f"the ledger refuses this write-off: {exc}") from exc
    return write_off_out(record)
