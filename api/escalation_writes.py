"""A manager's decision on an escalation, for the API and the pages: continue, plan, hand off or
write off (rule "management escalation"), recorded on the action and in the audit log in the
request's transaction, with the hand-off or the write-off it leads to."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from api.action_lists import ActionList
from api.auth import Principal
from api.case_writes import open_case
from api.errors import ConflictError, ForbiddenError, NotFoundError
from api.policy_state import ServedPolicy
from api.workspace_writes import field_problem
from api.write_off_writes import propose_write_off
from engine.rules.escalation import DECISION_WORDS, DECISIONS, decision_refused, manager_role
from store.audit import record_event
from store.outcomes import outcome_in_force, record_outcome
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
    day: date = listing.evaluation.as_of
    earlier = outcome_in_force(conn, action_id)
    if earlier is not None and earlier.final:
        raise ConflictError(
            f"this escalation was already decided by {earlier.who or 'someone'}"
            f" ({earlier.outcome or earlier.status.value})"
        )
    action = listing.by_id.get(action_id)
    role = manager_role(action) if action is not None else None
    if action is None or role is None:
        raise NotFoundError(
            f"action {action_id} is not an escalation to a manager on the list of {day.isoformat()}"
        )
    if decision not in DECISIONS:
        raise field_problem("decision", f"decide one of {', '.join(DECISIONS)}")
    refused = decision_refused(
        served.policy, role, person=who.name, is_admin=who.role is Role.ADMIN
    )
    if refused is not None:
        raise ForbiddenError(refused)
    result: dict[str, Any] = {"action_id": action_id, "customer": action.customer_id,
                              "decision": decision, "case": None, "write_off": None}  # fmt: skip
    if decision == "handoff":
        result["case"] = open_case(
            conn,
            served,
            customer_id=action.customer_id,
            to=to,
            who=who,
            day=day,
            note=note,
            root=root,
        )
    elif decision == "write_off":
        currency = action.invoices[0].currency
        invoices = [inv for inv in action.invoices if inv.currency == currency]
        result["write_off"] = propose_write_off(
            conn,
            served.policy,
            customer_id=action.customer_id,
            amount=sum((inv.open for inv in invoices), Decimal(0)),
            currency=currency,
            invoice_ids=[inv.id for inv in invoices],
            reason=note or "decided on escalation",
            day=day,
            who=who,
        )
    if decision != "plan":  # a plan is recorded on the action itself, with its instalments
        recorded = record_outcome(
            conn,
            action_id=action.id,
            customer_id=action.customer_id,
            step=action.step,
            invoice_ids=action.invoice_ids,
            date=day,
            status="done",
            who=who.name,
            note=note,
            outcome=f"decided: {DECISION_WORDS[decision]}",
        )
        if not recorded.created:
            raise ConflictError("this escalation was decided by someone else at the same moment")
    record_event(
        conn,
        customer_id=action.customer_id,
        day=day,
        who=who.name,
        event="escalation_decision",
        ref=action.id,
        summary=f"Escalation '{action.step}' to {role} decided: {DECISION_WORDS[decision]}",
        detail={"decision": decision, "role": role, "note": note},
    )
    return result
