"""Recording what staff did about an action: done, skipped, failed, a promise, a dispute.

An action's outcomes follow a small state machine (docs/api.md, "Recording an outcome"): an
action on the list may fail any number of times and stays on it; its first *final* outcome
(done, skipped, a promise, a dispute) takes it off, atomically, through a unique index in the
action log; the same final outcome again answers ``created: false`` (a promise or a dispute may
still add a new promise or dispute); a different one is refused with 409 and the outcome in
force. An action that has left the list can only be given the outcome it already has.

The action is looked up in the newest list of the day the service holds (its id is stable, so
an action shown a moment ago is the same action now), computed only when no list has it. The
recording is one short transaction in one thread-pool call behind the write gate
(``api.write_gate``); the response is built after the commit, and the ledger state is told which
customer changed, so the next list is that customer evaluated again, not the whole ledger.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from api.action_lists import ActionList, version_to_dict
from api.auth import Principal
from api.context import AppContext
from api.errors import ConflictError, InvalidRequestError, NotFoundError
from api.ledger_state import Written
from api.models import DisputeOutcomeIn, PromiseOutcomeIn, StatusOutcomeIn
from api.policy_state import ServedPolicy
from engine.model.actions import Action
from engine.model.ledger import ActionStatus
from engine.model.ledger_fields import check_day
from engine.rules.charges_owed import NOTHING_CHARGED, logged_charges
from store.models import FINAL_STATUSES
from store.outcomes import (
    Outcome,
    Recorded,
    invoice_currencies,
    outcome_in_force,
    record_dispute,
    record_outcome,
    record_promise,
)

OutcomeBody = StatusOutcomeIn | PromiseOutcomeIn | DisputeOutcomeIn


@dataclass(frozen=True, slots=True)
class Target:
    """What an outcome is recorded against: the action's customer, step, invoices (with their
    currencies, in the action's order) and day."""

    action_id: str
    customer_id: str
    step: str
    currencies: dict[str, str]
    day: date

    @classmethod
    def of_action(cls, action: Action) -> Target:
        """Return the target of an action on the list."""
        currencies = {inv.id: inv.currency for inv in action.invoices}
        return cls(action.id, action.customer_id, action.step, currencies, action.date)

    @classmethod
    def of_record(cls, conn: Connection, recorded: Outcome, day: date) -> Target:
        """Return the target of an action that left the list, from what was recorded for it."""
        known = invoice_currencies(conn, recorded.invoice_ids)
        currencies = {i: known[i] for i in recorded.invoice_ids if i in known}
        return cls(recorded.action_id, recorded.customer_id, recorded.step, currencies, day)


@dataclass(frozen=True, slots=True)
class OutcomeRequest:
    """An outcome to record: for which action, on the list of which day, what, and by whom."""

    action_id: str
    day: date
    body: OutcomeBody
    who: Principal


@dataclass(frozen=True, slots=True)
class RecordedOutcome:
    """The answer to a recording (``OutcomeOut``): ``created`` False when nothing was new."""

    created: bool
    body: dict[str, Any]


async def submit(
    context: AppContext, served: ServedPolicy, request: OutcomeRequest
) -> tuple[ActionList, RecordedOutcome]:
    """Return the list the action was found in and what was recorded for it, committed (in a
    group with the outcomes sent at the same moment, ``api.write_gate.WriteQueue``)."""
    listing = context.lists.latest(served, request.day)
    if listing is not None:
        action = listing.by_id.get(request.action_id)
        try:
            # Not on the newest list: most likely recorded already (a retry, a colleague's),
            # which the action log answers without waiting for a list.
            return listing, await _submit(context, listing, action, request)
        except NotFoundError:
            if action is not None:
                raise
    # No list of the day yet, or an action nobody recorded that only a newer list may hold.
    listing = await context.lists.current(served, request.day)
    action = listing.by_id.get(request.action_id)
    return listing, await _submit(context, listing, action, request)


async def _submit(
    context: AppContext, listing: ActionList, action: Action | None, request: OutcomeRequest
) -> RecordedOutcome:
    recorded: RecordedOutcome = await context.outcome_writes.submit(
        functools.partial(_write, listing=listing, action=action, request=request)
    )
    return recorded


def record(
    conn: Connection, listing: ActionList, action_id: str, body: OutcomeBody, who: Principal
) -> dict[str, Any]:
    """Return what was recorded for ``action_id`` (``OutcomeOut``), written in the caller's
    transaction (the caller commits; a page that records a plan and an outcome together)."""
    request = OutcomeRequest(action_id, listing.evaluation.as_of, body, who)
    action = listing.by_id.get(action_id)
    recorded, _ = _write(conn, listing=listing, action=action, request=request)
    return recorded.body


def _write(
    conn: Connection, *, listing: ActionList, action: Action | None, request: OutcomeRequest
) -> tuple[RecordedOutcome, Written | None]:
    body = request.body
    status = ActionStatus(body.outcome) if isinstance(body, StatusOutcomeIn) else ActionStatus.DONE
    outcome = None if isinstance(body, StatusOutcomeIn) else body.outcome
    target = _target(conn, action, request, status, outcome)
    _check(target, body)
    logged = Recorded(request.action_id, False)
    if action is not None:
        # A step done charges what it charges (rule "charges owed"); a step skipped or failed,
        # or answered by a dispute of its invoices, charges nothing.
        charges = status is ActionStatus.DONE and not isinstance(body, DisputeOutcomeIn)
        charged = logged_charges(action) if charges else NOTHING_CHARGED
        logged = record_outcome(
            conn,
            action_id=target.action_id,
            customer_id=target.customer_id,
            step=target.step,
            invoice_ids=list(target.currencies),
            date=target.day,
            status=status,
            note=body.note,
            who=request.who.name,
            outcome=outcome,
            fee=charged.fee,
            interest=charged.interest,
            currency=charged.currency,
        )
        if not logged.created and status.value != "failed":
            # Another final outcome is in force (recorded before, or a moment ago by a writer
            # in parallel): the unique index kept it, and the answer names it.
            winner = outcome_in_force(conn, target.action_id)
            if winner is not None and winner.final and not _same(winner, status, outcome):
                raise _conflict(winner, "an action has one final outcome")
    promise = None
    disputes = 0
    if isinstance(body, PromiseOutcomeIn):
        promise = _promise(conn, target, body)
    elif isinstance(body, DisputeOutcomeIn):
        disputes = int(_dispute(conn, target, body).created)
    created = logged.created or disputes > 0 or (promise is not None and promise.created)
    written = None
    if created:
        written = Written(
            target.customer_id,
            log_ids=(logged.row,) if logged.row is not None else (),
            promises=int(promise is not None and promise.created),
            disputes=disputes,
        )
    answer = _answer(listing, target, status, outcome, promise, created=created)
    return RecordedOutcome(created, answer), written


def _target(
    conn: Connection,
    action: Action | None,
    request: OutcomeRequest,
    status: ActionStatus,
    outcome: str | None,
) -> Target:
    """Return what the outcome is recorded against, or raise 404 or 409 (the state machine)."""
    if action is not None and status.value in FINAL_STATUSES:
        # The unique index over final outcomes decides: the insert is left unwritten when
        # another final outcome is in force, and ``_write`` then answers with that one.
        return Target.of_action(action)
    in_force = outcome_in_force(conn, request.action_id)
    if action is not None:
        if in_force is not None and in_force.final and not _same(in_force, status, outcome):
            raise _conflict(in_force, "an action has one final outcome")
        return Target.of_action(action)
    if in_force is None:
        raise NotFoundError(
            f"The action is not on the list of {request.day.isoformat()} and nothing is "
            "recorded for it (its invoices were paid, or its ledger changed)."
        )
    if not _same(in_force, status, outcome):
        raise _conflict(in_force, "it is no longer on the list")
    return Target.of_record(conn, in_force, request.day)


def _answer(
    listing: ActionList,
    target: Target,
    status: ActionStatus,
    outcome: str | None,
    promise: Recorded | None,
    *,
    created: bool,
) -> dict[str, Any]:
    return {
        "action_id": target.action_id,
        "customer": target.customer_id,
        "step": target.step,
        "invoices": list(target.currencies),
        "date": target.day.isoformat(),
        "outcome": outcome or status.value,
        "status": status.value,
        "created": created,
        "promise": (
            {"id": promise.id, "created": promise.created, "replaces": list(promise.replaced)}
            if promise is not None
            else None
        ),
        "policy_version": version_to_dict(listing.version),
    }


def _same(recorded: Outcome, status: ActionStatus, outcome: str | None) -> bool:
    return recorded.status == status and recorded.outcome == outcome


def _conflict(in_force: Outcome, why: str) -> ConflictError:
    said = in_force.outcome or in_force.status.value
    return ConflictError(
        f"The action is already recorded as {said} ({in_force.date.isoformat()}); {why}, so a "
        "different outcome is not recorded.",
        outcome_in_force={
            "outcome": said,
            "status": in_force.status.value,
            "date": in_force.date.isoformat(),
            "who": in_force.who,
            "recorded_at": in_force.recorded_at.isoformat(),
        },
    )


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


def _check(target: Target, body: OutcomeBody) -> None:
    """Raise a field problem when ``body`` does not fit the action (its invoices, currencies)."""
    if isinstance(body, PromiseOutcomeIn):
        _promise_currency(target, body)
        if body.pay_by < target.day:
            raise _field_error(
                "body.pay_by",
                f"a promise made on {target.day} cannot be to pay by {body.pay_by}, before it",
            )
        beyond = check_day(body.pay_by)
        if beyond is not None:
            raise _field_error("body.pay_by", beyond.message(f"pay-by date {body.pay_by}"))
    elif isinstance(body, DisputeOutcomeIn) and body.invoice not in target.currencies:
        raise _field_error(
            "body.invoice",
            f"the invoice is not one of the action's ({', '.join(target.currencies)})",
        )


def _promise_currency(target: Target, body: PromiseOutcomeIn) -> str:
    currencies = sorted(set(target.currencies.values()))
    if body.currency is None:
        if len(currencies) != 1:
            raise _field_error(
                "body.currency",
                f"the action is in {', '.join(currencies)}: say which currency is promised",
            )
        return currencies[0]
    if body.currency not in currencies:
        raise _field_error(
            "body.currency",
            f"the action has no invoice in that currency ({', '.join(currencies)})",
        )
    return body.currency


def _promise(conn: Connection, target: Target, body: PromiseOutcomeIn) -> Recorded:
    currency = _promise_currency(target, body)
    try:
        return record_promise(
            conn,
            customer_id=target.customer_id,
            made=target.day,
            pay_by=body.pay_by,
            amount=Decimal(body.amount),
            currency=currency,
            invoice_ids=[i for i, c in target.currencies.items() if c == currency],
        )
    except ValueError as exc:
        raise _field_error("body.amount", str(exc)) from exc


def _dispute(conn: Connection, target: Target, body: DisputeOutcomeIn) -> Recorded:
    return record_dispute(conn, invoice_id=body.invoice, opened=target.day, reason=body.reason)
