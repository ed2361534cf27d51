"""Recording what staff did about an action: done, skipped, failed, a promise, a dispute.

The action comes from the day's computed list (it carries the customer, step and invoices the
log needs). Recording is idempotent through ``store.outcomes``: the same outcome twice is one
record, and the second call answers ``created: false``. A retry after the action has left the
list finds the earlier record in the action log and answers the same way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from api.action_lists import ActionList, version_to_dict
from api.auth import Principal
from api.errors import ConflictError, InvalidRequestError, NotFoundError
from api.models import DisputeOutcomeIn, PromiseOutcomeIn, StatusOutcomeIn
from engine.model.actions import Action
from engine.model.ledger import ActionStatus
from store.outcomes import find_outcome, record_dispute, record_outcome, record_promise

OutcomeBody = StatusOutcomeIn | PromiseOutcomeIn | DisputeOutcomeIn


def _field_error(field: str, detail: str) -> InvalidRequestError:
    return InvalidRequestError(
        detail,
        errors=[
            {
                "field": field,
                "pointer": "/" + field.removeprefix("body."),
                "detail": detail,
                "code": "value",
            }
        ],
    )


def record(
    conn: Connection, listing: ActionList, action_id: str, body: OutcomeBody, who: Principal
) -> dict[str, Any]:
    """Return what was recorded for ``action_id`` (``OutcomeOut``); ``created`` False if known."""
    day = listing.evaluation.as_of
    status = ActionStatus(body.outcome) if isinstance(body, StatusOutcomeIn) else ActionStatus.DONE
    outcome = None if isinstance(body, StatusOutcomeIn) else body.outcome
    action = listing.by_id.get(action_id)
    if action is None:
        return _already_recorded(conn, listing, action_id, status, outcome)
    created = False
    if isinstance(body, PromiseOutcomeIn):
        created = _promise(conn, action, body)
    elif isinstance(body, DisputeOutcomeIn):
        created = _dispute(conn, action, body)
    logged = record_outcome(
        conn,
        action_id=action.id,
        customer_id=action.customer_id,
        step=action.step,
        invoice_ids=action.invoice_ids,
        date=day,
        status=status,
        note=body.note,
        who=who.name,
        outcome=outcome,
    )
    return {
        "action_id": action.id,
        "customer": action.customer_id,
        "step": action.step,
        "invoices": list(action.invoice_ids),
        "date": day.isoformat(),
        "outcome": outcome or status.value,
        "status": status.value,
        "created": logged.created or created,
        "policy_version": version_to_dict(listing.version),
    }


def _promise(conn: Connection, action: Action, body: PromiseOutcomeIn) -> bool:
    currencies = sorted(action.totals)
    currency = body.currency
    if currency is None:
        if len(currencies) != 1:
            raise _field_error(
                "body.currency",
                f"the action is in {', '.join(currencies)}: say which currency is promised",
            )
        currency = currencies[0]
    if currency not in currencies:
        raise _field_error(
            "body.currency", f"the action has no invoice in {currency} ({', '.join(currencies)})"
        )
    day = action.date
    if body.pay_by < day:
        raise _field_error(
            "body.pay_by", f"a promise made on {day} cannot be to pay by {body.pay_by}, before it"
        )
    try:
        recorded = record_promise(
            conn,
            customer_id=action.customer_id,
            made=day,
            pay_by=body.pay_by,
            amount=Decimal(body.amount),
            currency=currency,
            invoice_ids=[inv.id for inv in action.invoices if inv.currency == currency],
        )
    except ValueError as exc:
        raise _field_error("body.amount", str(exc)) from exc
    return recorded.created


def _dispute(conn: Connection, action: Action, body: DisputeOutcomeIn) -> bool:
    if body.invoice not in action.invoice_ids:
        raise _field_error(
            "body.invoice",
            f"invoice {body.invoice} is not one of the action's ({', '.join(action.invoice_ids)})",
        )
    return record_dispute(
        conn, invoice_id=body.invoice, opened=action.date, reason=body.reason
    ).created


def _already_recorded(
    conn: Connection,
    listing: ActionList,
    action_id: str,
    status: ActionStatus,
    outcome: str | None,
) -> dict[str, Any]:
    # The action is not on the list: fine if this very outcome was recorded before (a retry).
    earlier = find_outcome(conn, action_id, status)
    if earlier is None:
        raise NotFoundError(
            f"action {action_id} is not on the list of {listing.evaluation.as_of.isoformat()} "
            f"and has no '{status.value}' outcome recorded"
        )
    if earlier.outcome != outcome:
        raise ConflictError(
            f"action {action_id} was already recorded as {status.value}"
            + (f" ({earlier.outcome})" if earlier.outcome else "")
            + "; it is no longer on the list"
        )
    return {
        "action_id": action_id,
        "customer": earlier.customer_id,
        "step": earlier.step,
        "invoices": list(earlier.invoice_ids),
        "date": earlier.date.isoformat(),
        "outcome": earlier.outcome or status.value,
        "status": status.value,
        "created": False,
        "policy_version": version_to_dict(listing.version),
    }
