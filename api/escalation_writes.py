"""A manager's decision on an escalation, for the API and the pages: the rule and the writes are
``casework.escalations`` (shared with the CLI); this module finds the action on the served list
and turns refusals into the API's problems (403, 404, 409, 422 naming the field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from api.action_lists import ActionList
from api.auth import Principal
from api.case_writes import case_out, case_refused
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.policy_state import ServedPolicy
from api.workspace_writes import field_problem
from api.write_off_writes import write_off_out, write_off_refused
from casework.escalations import (
    EscalationDecidedError,
    NotAnEscalationError,
    UnknownDecisionError,
)
from casework.escalations import (
    decide_escalation as decide,
)
from casework.write_offs import NotAllowedError
from engine.rules.write_off import WriteOffRefusedError
from store.handoffs import HandoffError
from store.ledger_writes import LedgerWriteError
from store.tokens import Role


def decide_escalation(
    conn: Connection,
    listing: ActionList,
    served: ServedPolicy,
    action_id: str,
    *,
    decision: str,
    who: Principal,
    note: str = "",
    to: str = "agency",
    root: Path,
) -> dict[str, Any]:
    """Return what the decision recorded (``EscalationDecisionOut``)."""
    try:
        done = decide(
            conn,
            served.policy,
            served.version,
            listing.by_id.get(action_id),
            action_id=action_id,
            decision=decision,
            who=who.name,
            is_admin=who.role is Role.ADMIN,
            day=listing.evaluation.as_of,
            root=root,
            note=note,
            to=to,
        )
    except EscalationDecidedError as exc:
        raise ConflictError(str(exc)) from exc
    except NotAnEscalationError as exc:
        raise NotFoundError(str(exc)) from exc
    except UnknownDecisionError as exc:
        raise field_problem("decision", str(exc)) from exc
    except NotAllowedError as exc:
        raise ForbiddenError(str(exc)) from exc
    except HandoffError as exc:
        raise case_refused(exc) from exc
    except (WriteOffRefusedError, LedgerWriteError) as exc:
        raise write_off_refused(exc) from exc
    case = None
    if done.case is not None:
        record, created, built = done.case
        case = case_out(record, created=created, amounts=built.amounts if built else None)
    write_off = None
    if done.write_off is not None:
        record_w, created_w = done.write_off
        write_off = write_off_out(record_w, created=created_w)
    return {"action_id": action_id, "customer": done.action.customer_id, "decision": decision,
            "case": case, "write_off": write_off}  # fmt: skip
