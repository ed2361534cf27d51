"""A manager's decision on an escalation, for the CLI, the API and the pages: continue, plan,
hand off or write off (rule "management escalation", ``engine.rules.escalation``), recorded on
the action and in the audit log in the caller's transaction, with the hand-off or the write-off
it leads to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection

from casework.case_file import CaseFile, hand_off
from casework.write_offs import NotAllowedError, propose
from engine.model.actions import Action, PolicyVersion, open_by_currency
from engine.model.policy import Policy
from engine.rules.escalation import DECISION_WORDS, DECISIONS, decision_refused, manager_role
from store.audit import record_event
from store.handoffs import HandoffRecord
from store.outcomes import outcome_in_force, record_outcome
from store.write_offs import WriteOffRecord


class EscalationDecidedError(ValueError):
    """An escalation that was already decided (by someone else at the same moment, say)."""


class NotAnEscalationError(LookupError):
    """An action that is not an escalation to a manager on the day's list."""


class UnknownDecisionError(ValueError):
    """A decision that is none of ``DECISIONS``."""


@dataclass(frozen=True, slots=True)
class EscalationDecided:
    """What a decision recorded: the case it opened or the write-off it proposed, if any."""

    action: Action
    role: str
    decision: str
    case: tuple[HandoffRecord, bool, CaseFile | None] | None = None
    write_off: tuple[WriteOffRecord, bool] | None = None


def decide_escalation(
    conn: Connection,
    policy: Policy,
    version: PolicyVersion,
    action: Action | None,
    *,
    action_id: str,
    decision: str,
    who: str,
    is_admin: bool,
    day: date,
    root: Path,
    note: str = "",
    to: str = "agency",
) -> EscalationDecided:
    """Return what deciding ``action`` (the list's action ``action_id`` of ``day``, None when it
    is not on the list) recorded.

    Raises ``EscalationDecidedError`` (decided before), ``NotAnEscalationError``,
    ``UnknownDecisionError``, ``NotAllowedError`` (``who`` holds not the role and is no admin),
    and the refusals of a hand-off (``store.handoffs.HandoffError``) or a write-off
    (``engine.rules.write_off.WriteOffRefusedError``).
    """
    earlier = outcome_in_force(conn, action_id)
    if earlier is not None and earlier.final:
        raise EscalationDecidedError(
            f"this escalation was already decided by {earlier.who or 'someone'}"
            f" ({earlier.outcome or earlier.status.value})"
        )
    role = manager_role(action) if action is not None else None
    if action is None or role is None:
        raise NotAnEscalationError(
            f"action {action_id} is not an escalation to a manager on the list of {day.isoformat()}"
        )
    if decision not in DECISIONS:
        raise UnknownDecisionError(f"decide one of {', '.join(DECISIONS)}")
    refused = decision_refused(policy, role, person=who, is_admin=is_admin)
    if refused is not None:
        raise NotAllowedError(refused)
    case = None
    write_off = None
    if decision == "handoff":
        case = hand_off(conn, policy, version, customer_id=action.customer_id, to=to, day=day,
                        who=who, note=note, root=root)  # fmt: skip
    elif decision == "write_off":
        currency = action.invoices[0].currency
        invoices = [inv for inv in action.invoices if inv.currency == currency]
        write_off = propose(
            conn,
            policy,
            customer_id=action.customer_id,
            amount=open_by_currency([action])[currency],  # each invoice once (rule "list totals")
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
            who=who,
            note=note,
            outcome=f"decided: {DECISION_WORDS[decision]}",
        )
        if not recorded.created:
            raise EscalationDecidedError(
                "this escalation was decided by someone else at the same moment"
            )
    record_event(
        conn,
        customer_id=action.customer_id,
        day=day,
        who=who,
        event="escalation_decision",
        ref=action.id,
        summary=f"Escalation '{action.step}' to {role} decided: {DECISION_WORDS[decision]}",
        detail={"decision": decision, "role": role, "note": note},
    )
    return EscalationDecided(action, role, decision, case, write_off)
