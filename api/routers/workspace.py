"""The workspace's API: a customer's timeline and notes, payment plans, handing actions over.

``GET /v1/customers/{id}/timeline`` is the same timeline the customer page shows and
``dunning customer`` prints (``store.timeline.read_timeline``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.concurrency import run_in_threadpool

from api.deps import (
    ActionListDep,
    CollectorDep,
    ContextDep,
    DayDep,
    PolicyDep,
    SessionDep,
    ViewerDep,
)
from api.errors import CUSTOMER_NOT_FOUND, NotFoundError, problem_responses
from api.models import ID_PATTERN
from api.workspace_models import (
    AssignmentIn,
    AssignmentOut,
    NoteIn,
    NoteOut,
    PaymentPlanIn,
    PaymentPlanOut,
    TimelineOut,
)
from api.workspace_writes import hand_over, write_note, write_plan
from engine.report.timeline import timeline_to_dict
from store.timeline import CustomerNotFoundError, read_timeline

router = APIRouter(tags=["workspace"])

CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
ActionId = Annotated[str, Path(max_length=128, pattern=ID_PATTERN)]


@router.get(
    "/v1/customers/{customer_id}/timeline",
    operation_id="getCustomerTimeline",
    summary="A customer's timeline",
    response_model=TimelineOut,
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_timeline(
    _: ViewerDep, context: ContextDep, served: PolicyDep, day: DayDep, customer_id: CustomerId
) -> dict[str, Any]:
    """Return every interaction and ledger event of the customer up to the day, newest first:
    actions worked (with who, outcome and note), promises (pending, kept, broken), disputes,
    payment plans, payments and credit notes, hand-overs and notes."""

    def read() -> dict[str, Any]:
        with context.engine.connect() as conn:
            return timeline_to_dict(read_timeline(conn, customer_id, day, served.policy))

    try:
        return await run_in_threadpool(read)
    except CustomerNotFoundError as exc:
        raise NotFoundError(CUSTOMER_NOT_FOUND) from exc


@router.post(
    "/v1/customers/{customer_id}/notes",
    operation_id="addCustomerNote",
    summary="Add a note to a customer's timeline",
    response_model=NoteOut,
    status_code=201,
    responses={
        200: {"model": NoteOut, "description": "A note with this key was recorded before."},
        **problem_responses(401, 403, 404, 422, 503),
    },
)
def add_customer_note(
    *,
    who: CollectorDep,
    conn: SessionDep,
    day: DayDep,
    customer_id: CustomerId,
    body: NoteIn,
    response: Response,
) -> dict[str, Any]:
    """Write a free-text note on the customer's timeline, dated `date` (default today), with the
    token's name as who wrote it. Send a `key` to make a retry safe: the same key is one note."""
    written = write_note(conn, customer_id, body.text, who=who, day=day, key=body.key)
    if not written["created"]:
        response.status_code = 200
    return written


@router.post(
    "/v1/payment-plans",
    operation_id="recordPaymentPlan",
    summary="Record a payment plan",
    response_model=PaymentPlanOut,
    status_code=201,
    responses={
        200: {"model": PaymentPlanOut, "description": "The same plan was recorded before."},
        **problem_responses(401, 403, 404, 409, 422, 503),
    },
)
def record_plan(
    who: CollectorDep, conn: SessionDep, day: DayDep, body: PaymentPlanIn, response: Response
) -> dict[str, Any]:
    """Record a plan of instalments for some of a customer's invoices in one currency. While the
    instalments due so far are paid, the plan's invoices are not chased. Idempotent: the same plan
    again answers 200; a plan `id` already used by different terms answers 409."""
    written = write_plan(
        conn,
        customer_id=body.customer,
        agreed=body.agreed or day,
        currency=body.currency,
        invoice_ids=body.invoices,
        schedule=[(item.due, Decimal(item.amount)) for item in body.instalments],
        who=who,
        note=body.note,
        plan_id=body.id,
    )
    if not written["created"]:
        response.status_code = 200
    return written


@router.post(
    "/v1/actions/{action_id}/assignee",
    operation_id="assignAction",
    summary="Hand an action to a colleague",
    response_model=AssignmentOut,
    status_code=201,
    responses={
        200: {"model": AssignmentOut, "description": "This key was recorded before."},
        **problem_responses(401, 403, 404, 422, 503),
    },
)
def assign(
    *,
    who: CollectorDep,
    listing: ActionListDep,
    conn: SessionDep,
    action_id: ActionId,
    body: AssignmentIn,
    response: Response,
) -> dict[str, Any]:
    """Put the action in a colleague's queue (their name as on their token). The newest hand-over
    decides whose queue it is in; each is kept on the customer's timeline."""
    written = hand_over(
        conn, listing, action_id, assignee=body.assignee, who=who, note=body.note, key=body.key
    )
    if not written["created"]:
        response.status_code = 200
    return written
