"""An action: its message, reasons and invoices, and the forms that record what happened.

Recording goes through the API's own code: ``api.outcomes.record`` for outcomes, promises and
disputes, ``api.workspace_writes`` for payment plans and hand-overs, in the request's one
transaction. The form is checked before anything is written; what the API would refuse is
refused in the same words. After recording, the browser returns to the list where it was.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import Connection
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.action_lists import ActionList
from api.deps import ActionListDep, ContextDep, SessionDep
from api.models import ID_PATTERN, DisputeOutcomeIn, PromiseOutcomeIn, StatusOutcomeIn
from api.outcomes import OutcomeBody, record
from api.web.layout import page_context, pages_of
from api.web.security import CollectorFormDep, PageError, UserDep, WebUser, local_path
from api.workspace_writes import hand_over, write_plan
from engine.model.actions import Action
from store.assignments import current_assignees
from store.notes import new_key
from store.outbox import Delivery, deliveries
from store.timeline import read_timeline
from store.tokens import list_tokens

router = APIRouter(include_in_schema=False)
ActionId = Annotated[str, Path(max_length=128, pattern=ID_PATTERN)]
PLAN_ROWS = 6
RECENT_ENTRIES = 6
# The simple outcomes: what the API records for each, and the words put before the note.
SIMPLE: dict[str, tuple[Literal["done", "skipped", "failed"], str]] = {
    "done": ("done", ""),
    "no_answer": ("failed", "Called – no answer"),
    "left_message": ("done", "Left a message"),
    "skip": ("skipped", "Skipped"),
}


class FormInvalidError(Exception):
    """The form has values that cannot be recorded; ``errors`` names each by field."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = dict(errors)


def _missing(action_id: str, listing: ActionList, back: str) -> PageError:
    return PageError(
        404,
        "This action is no longer on the list",
        f"Action {action_id} is not on the list of {listing.evaluation.as_of.isoformat()}: "
        "someone recorded it already, or the customer's ledger changed (a payment, a dispute). "
        "The list shows what is left to do.",
        back,
    )


def _back(request: Request, day: date) -> str:
    return local_path(request.query_params.get("back"), "/?" + urlencode({"date": day}))


async def _action_page(
    request: Request,
    user: WebUser,
    context: ContextDep,
    listing: ActionList,
    action: Action,
    *,
    back: str,
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    served = context.policies.served()
    policy = served.policy if served else None

    def read() -> tuple[Any, dict[str, str], list[str], list[Delivery]]:
        with context.engine.connect() as conn:
            timeline = read_timeline(conn, action.customer_id, listing.evaluation.as_of, policy)
            holders = current_assignees(conn, [action.id])
            names = [t.name for t in list_tokens(conn) if t.revoked_at is None]
            sent = deliveries(conn, action_id=action.id)
        return timeline, holders, names, sent

    timeline, holders, colleagues, sent = await run_in_threadpool(read)
    data = listing.action_dict(action)
    data_context = page_context(
        request,
        user,
        listing.evaluation.as_of,
        listing.version,
        title=f"{action.customer_name}: {data['what_to_do']}",
        action=action,
        data=data,
        back=back,
        recent=timeline.entries[:RECENT_ENTRIES],
        more_history=len(timeline.entries) > RECENT_ENTRIES,
        holder=holders.get(action.id),
        deliveries=sent,
        colleagues=sorted(n for n in colleagues if n != user.name),
        currencies=sorted(action.totals),
        plan_rows=range(1, PLAN_ROWS + 1),
        errors=errors or {},
        values=values or {},
        key=new_key(),
    )
    return pages_of(request).render("action.html", data_context, status)


@router.get("/actions/{action_id}")
async def action_page(
    request: Request,
    user: UserDep,
    context: ContextDep,
    listing: ActionListDep,
    action_id: ActionId,
) -> Response:
    """Return the action's page: message, reasons, invoices, policy version, outcome forms."""
    back = _back(request, listing.evaluation.as_of)
    action = listing.by_id.get(action_id)
    if action is None:
        raise _missing(action_id, listing, back)
    return await _action_page(request, user, context, listing, action, back=back)


@router.get("/actions/{action_id}/letter")
async def letter_page(
    request: Request, user: UserDep, listing: ActionListDep, action_id: ActionId
) -> Response:
    """Return the action's message laid out as a printable letter."""
    back = _back(request, listing.evaluation.as_of)
    action = listing.by_id.get(action_id)
    if action is None:
        raise _missing(action_id, listing, back)
    data = listing.action_dict(action)
    if "message" not in data:
        raise PageError(404, "This action has no message", "Its step sends no template.", back)
    served = request.app.state.context.policies.served()
    contacts = ()
    if served is not None and action.customer_id in served.policy.customers:
        contacts = served.policy.customers[action.customer_id].contacts
    return pages_of(request).render(
        "letter.html",
        page_context(
            request,
            user,
            listing.evaluation.as_of,
            listing.version,
            title=f"Letter to {action.customer_name}",
            action=action,
            data=data,
            contact=contacts[0] if contacts else None,
            back=f"/actions/{action.id}?" + urlencode({"date": action.date, "back": back}),
        ),
    )


def _field(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _note(prefix: str, note: str) -> str:
    if prefix and note:
        return f"{prefix}. {note}"
    return prefix or note


def _checked(errors: dict[str, str], exc: ValidationError, fields: Mapping[str, str]) -> None:
    for error in exc.errors():
        name = str(error["loc"][-1]) if error["loc"] else "outcome"
        errors[fields.get(name, name)] = f"{fields.get(name, name)}: {error['msg']}"


def outcome_bodies(form: FormData, action: Action) -> list[OutcomeBody]:
    """Return the API outcome(s) a record form asks for, or raise ``FormInvalidError``."""
    outcome = _field(form, "outcome")
    note = _field(form, "note")
    errors: dict[str, str] = {}
    try:
        if outcome in SIMPLE:
            status, prefix = SIMPLE[outcome]
            if outcome == "skip" and not note:
                raise FormInvalidError({"note": "Say why the action is skipped."})
            return [StatusOutcomeIn(outcome=status, note=_note(prefix, note))]
        if outcome == "promise":
            pay_by = _field(form, "pay_by")
            if pay_by and pay_by < action.date.isoformat():
                errors["pay_by"] = f"The promised date is before {action.date}."
            currency = _field(form, "currency") or None
            # Validated from the form's text, as the API validates a JSON body.
            body = PromiseOutcomeIn.model_validate({
                "outcome": "promise",
                "pay_by": pay_by or None,
                "amount": _field(form, "amount").replace(",", ""),
                "currency": currency,
                "note": note,
            })
            if errors:
                raise FormInvalidError(errors)
            return [body]
        if outcome == "dispute":
            chosen = [v for v in form.getlist("invoices") if isinstance(v, str)]
            reason = _field(form, "reason")
            if not chosen:
                errors["invoices"] = "Tick the invoices the customer disputes."
            if not reason:
                errors["reason"] = "Say what the customer disputes."
            if errors:
                raise FormInvalidError(errors)
            return [
                DisputeOutcomeIn(outcome="dispute", invoice=i, reason=reason, note=note)
                for i in chosen
            ]
    except ValidationError as exc:
        _checked(errors, exc, {"pay_by": "pay_by", "amount": "amount", "note": "note"})
        raise FormInvalidError(errors) from exc
    raise FormInvalidError({"outcome": f"Unknown outcome {outcome!r}."})


def plan_schedule(form: FormData, action: Action) -> tuple[list[str], list[tuple[date, Decimal]]]:
    """Return the invoices and instalments of a payment-plan form, or raise ``FormInvalidError``."""
    errors: dict[str, str] = {}
    chosen = [v for v in form.getlist("invoices") if isinstance(v, str)]
    if not chosen:
        errors["invoices"] = "Tick the invoices the plan pays off."
    schedule: list[tuple[date, Decimal]] = []
    for row in range(1, PLAN_ROWS + 1):
        due, amount = _field(form, f"due_{row}"), _field(form, f"amount_{row}").replace(",", "")
        if not due and not amount:
            continue
        try:
            schedule.append((date.fromisoformat(due), Decimal(amount)))
        except ValueError:
            errors[f"due_{row}"] = f"Instalment {row}: give a date and an amount (e.g. 250.00)."
        except ArithmeticError:
            errors[f"amount_{row}"] = f"Instalment {row}: {amount!r} is not an amount."
    if not schedule and "due_1" not in errors:
        errors["due_1"] = "Give at least one instalment: its date and amount."
    currencies = {inv.currency for inv in action.invoices if inv.id in chosen}
    if len(currencies) > 1:
        errors["invoices"] = "A plan is in one currency: tick invoices of one currency."
    if errors:
        raise FormInvalidError(errors)
    return chosen, schedule


@router.post("/actions/{action_id}/record")
async def record_page(
    *,
    request: Request,
    user: CollectorFormDep,
    context: ContextDep,
    listing: ActionListDep,
    conn: SessionDep,
    action_id: ActionId,
) -> Response:
    """Record what happened about the action, then go back to the list where it was.

    Everything the form asks is written in the request's one transaction (``SessionDep``, as
    the API's writes): a refusal half-way writes nothing.
    """
    form = await request.form()
    back = local_path(_field(form, "back"), "/?" + urlencode({"date": listing.evaluation.as_of}))
    action = listing.by_id.get(action_id)
    outcome = _field(form, "outcome")
    if action is None:
        raise _missing(action_id, listing, back)
    try:
        if outcome == "plan":
            plan_schedule(form, action)  # checked now; written in _record
            bodies: list[OutcomeBody] = []
        elif outcome == "reassign":
            if not _field(form, "assignee"):
                raise FormInvalidError({"assignee": "Name the colleague who takes the action."})
            bodies = []
        else:
            bodies = outcome_bodies(form, action)
    except FormInvalidError as invalid:
        values = {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"}
        return await _action_page(
            request, user, context, listing, action, back=back, errors=invalid.errors,
            values=values, status=422,
        )
    await run_in_threadpool(_record, conn, listing, action, form, user, bodies)
    return RedirectResponse(_returned(back, outcome, action.customer_id), status_code=303)


def _record(  # noqa: PLR0917 - run in the thread pool, which passes arguments by position
    conn: Connection,
    listing: ActionList,
    action: Action,
    form: FormData,
    user: WebUser,
    bodies: list[OutcomeBody],
) -> None:
    who = user.principal
    outcome = _field(form, "outcome")
    note = _field(form, "note")
    key = _field(form, "key") or None
    if outcome == "reassign":
        hand_over(conn, listing, action.id, assignee=_field(form, "assignee"), who=who,
                  note=note, key=key)
        return
    if outcome == "plan":
        invoices, schedule = plan_schedule(form, action)
        currency = next(inv.currency for inv in action.invoices if inv.id in invoices)
        plan = write_plan(
            conn, customer_id=action.customer_id, agreed=action.date, currency=currency,
            invoice_ids=invoices, schedule=schedule, who=who, note=note,
        )
        bodies = [StatusOutcomeIn(outcome="done", note=_note(f"Payment plan {plan['id']}", note))]
    for body in bodies:
        record(conn, listing, action.id, body, who)


def _returned(back: str, outcome: str, customer_id: str) -> str:
    base, _, anchor = back.partition("#")
    joiner = "&" if "?" in base else "?"
    notice = urlencode({"recorded": outcome, "recorded_for": customer_id})
    return f"{base}{joiner}{notice}" + (f"#{anchor}" if anchor else "")

