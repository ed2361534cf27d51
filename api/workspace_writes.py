"""The workspace's writes, shared by the API and the pages: notes, payment plans, hand-overs.

Each takes the connection of the request's transaction and the principal who acts, calls the
store, and turns the store's refusals into the API's problems (422 naming the field, 404, 409),
so a page and an API client get the same checks and the same words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from api.action_lists import ActionList, version_to_dict
from api.auth import Principal
from api.errors import CUSTOMER_NOT_FOUND, ConflictError, InvalidRequestError, NotFoundError
from engine.model.money import money_string
from store.assignments import AssignmentError, assign_action
from store.notes import NoteError, add_note, new_key
from store.payment_plans import (
    InstalmentIn,
    PlanConflictError,
    PlanError,
    find_plan,
    record_payment_plan,
)


def field_problem(field: str, detail: str) -> InvalidRequestError:
    """Return a 422 problem about one value of the request body."""
    pointer = "/" + field.replace("[", "/").replace("].", "/").replace("]", "").replace(".", "/")
    return InvalidRequestError(
        detail,
        errors=[{"field": f"body.{field}", "pointer": pointer, "detail": detail, "code": "value"}],
    )


def write_note(
    conn: Connection, customer_id: str, body: str, *, who: Principal, day: date, key: str | None
) -> dict[str, Any]:
    """Return the note written to the customer's timeline (``NoteOut``)."""
    try:
        recorded = add_note(
            conn, customer_id=customer_id, text=body, who=who.name, day=day, key=key
        )
    except NoteError as exc:
        if exc.field == "customer":
            raise NotFoundError(CUSTOMER_NOT_FOUND) from exc
        raise field_problem(exc.field, str(exc)) from exc
    return {
        "id": recorded.id,
        "customer": customer_id,
        "date": day.isoformat(),
        "who": who.name,
        "text": body.strip(),
        "created": recorded.created,
    }


def write_plan(
    conn: Connection,
    *,
    customer_id: str,
    agreed: date,
    currency: str,
    invoice_ids: Sequence[str],
    schedule: Sequence[tuple[date, Decimal]],
    who: Principal,
    note: str = "",
    plan_id: str | None = None,
) -> dict[str, Any]:
    """Return the payment plan as recorded (``PaymentPlanOut``)."""
    instalments = [InstalmentIn(due, amount) for due, amount in schedule]
    try:
        recorded = record_payment_plan(
            conn,
            customer_id=customer_id,
            agreed=agreed,
            currency=currency,
            invoice_ids=invoice_ids,
            schedule=instalments,
            who=who.name,
            note=note,
            plan_id=plan_id,
        )
    except PlanConflictError as exc:
        raise ConflictError(str(exc)) from exc
    except PlanError as exc:
        if exc.field == "customer":
            raise NotFoundError(CUSTOMER_NOT_FOUND) from exc
        raise field_problem(exc.field, str(exc)) from exc
    plan = find_plan(conn, recorded.id)
    assert plan is not None  # just written, in this transaction
    return {
        "id": plan.id,
        "customer": plan.customer_id,
        "agreed": plan.agreed.isoformat(),
        "currency": plan.currency,
        "invoices": list(plan.invoice_ids),
        "instalments": [
            {"due": i.due.isoformat(), "amount": money_string(i.amount, plan.currency)}
            for i in plan.instalments
        ],
        "who": plan.who,
        "note": plan.note,
        "created": recorded.created,
    }


def hand_over(
    conn: Connection,
    listing: ActionList,
    action_id: str,
    *,
    assignee: str,
    who: Principal,
    note: str = "",
    key: str | None = None,
) -> dict[str, Any]:
    """Return who has the action after handing it to ``assignee`` (``AssignmentOut``)."""
    action = listing.by_id.get(action_id)
    if action is None:
        raise NotFoundError(
            f"action {action_id} is not on the list of {listing.evaluation.as_of.isoformat()}"
        )
    try:
        recorded = assign_action(
            conn,
            key=key or new_key(),
            action_id=action.id,
            customer_id=action.customer_id,
            step=action.step,
            day=listing.evaluation.as_of,
            assignee=assignee,
            who=who.name,
            note=note,
        )
    except AssignmentError as exc:
        raise field_problem(exc.field, str(exc)) from exc
    return {
        "action_id": action.id,
        "customer": action.customer_id,
        "step": action.step,
        "assignee": assignee.strip(),
        "who": who.name,
        "created": recorded.created,
        "policy_version": version_to_dict(listing.version),
    }
