"""``/v1/customers/{id}/write-offs`` and ``/v1/write-offs``: propose a write-off, approve or
reject it (four eyes), and the journal of approved write-offs for Xero or QuickBooks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from api.case_models import DecisionIn, WriteOffIn, WriteOffListOut, WriteOffOut
from api.deps import (
    CollectorDep,
    ContextDep,
    DayDep,
    PathId,
    PolicyDep,
    SessionDep,
    ViewerDep,
    read_ledger,
)
from api.errors import NotFoundError, problem_responses
from api.models import ID_PATTERN
from api.write_off_writes import decide_write_off, propose_write_off, write_off_out
from casework.write_offs import journal
from store.write_offs import find_write_off, list_write_offs

router = APIRouter(tags=["write-offs"])



@router.post(
    "/v1/customers/{customer_id}/write-offs",
    operation_id="proposeWriteOff",
    summary="Propose a write-off",
    response_model=WriteOffOut,
    status_code=201,
    responses={
        200: {"model": WriteOffOut, "description": "A write-off with this key was proposed."},
        **problem_responses(401, 403, 404, 409, 422, 503),
    },
)
def propose(
    *,
    who: CollectorDep,
    served: PolicyDep,
    conn: SessionDep,
    day: DayDep,
    customer_id: PathId,
    body: WriteOffIn,
    response: Response,
) -> dict[str, Any]:
    """Propose writing `amount` off the named invoices (oldest first, each up to what is open).
    Up to the policy's `write_off.approval_above` in the currency it takes effect at once (it is
    posted to the ledger: `posted`); above it, it waits for someone else who holds the approver
    role, and is posted when approved."""
    written = propose_write_off(
        conn,
        served.policy,
        customer_id=customer_id,
        amount=Decimal(body.amount),
        currency=body.currency,
        invoice_ids=body.invoices,
        reason=body.reason,
        day=day,
        who=who,
        key=body.key,
    )
    if not written["created"]:
        response.status_code = 200
    return written


@router.get(
    "/v1/write-offs",
    operation_id="listWriteOffs",
    summary="Write-offs, newest first",
    response_model=WriteOffListOut,
    responses=problem_responses(401, 403, 422),
)
async def list_all(
    _: ViewerDep,
    context: ContextDep,
    state: Literal["proposed", "approved", "rejected"] | None = None,
    customer: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
) -> dict[str, Any]:
    """Return the write-offs: those waiting for approval with `state=proposed`."""

    found = await read_ledger(
        context, lambda conn: list_write_offs(conn, customer_id=customer, state=state)
    )
    return {"write_offs": [write_off_out(record) for record in found]}


@router.get(
    "/v1/write-offs/journal.csv",
    operation_id="writeOffJournal",
    summary="The journal of approved write-offs for Xero or QuickBooks",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The journal, one row an invoice."},
        **problem_responses(401, 403, 422, 503),
    },
)
async def journal_csv(
    _: ViewerDep,
    context: ContextDep,
    served: PolicyDep,
    system: Literal["xero", "quickbooks"],
    start: Annotated[dt.date | None, Query(alias="from")] = None,
    end: Annotated[dt.date | None, Query(alias="to")] = None,
) -> Response:
    """Return the approved write-offs (proposed from `from` to `to`) as credit notes in the
    import layout of `system`, on the policy's bad-debts account."""

    text = await read_ledger(
        context, lambda conn: journal(conn, served.policy, system, start=start, end=end)
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="write-offs-{system}.csv"'},
    )


@router.get(
    "/v1/write-offs/{write_off_id}",
    operation_id="getWriteOff",
    summary="One write-off",
    response_model=WriteOffOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_one(_: ViewerDep, context: ContextDep, write_off_id: PathId) -> dict[str, Any]:
    """Return the write-off with who proposed it and who decided."""

    found = await read_ledger(context, lambda conn: find_write_off(conn, write_off_id))
    if found is None:
        raise NotFoundError(f"there is no write-off {write_off_id}")
    return write_off_out(found)


def _decision(approve: bool) -> Any:
    verb = "approve" if approve else "reject"

    def route(
        *,
        who: CollectorDep,
        served: PolicyDep,
        conn: SessionDep,
        day: DayDep,
        write_off_id: PathId,
        body: DecisionIn,
    ) -> dict[str, Any]:
        return decide_write_off(
            conn, served.policy, write_off_id, approve=approve, who=who, day=day, note=body.note
        )

    route.__name__ = f"{verb}_write_off"
    route.__doc__ = (
        f"{verb.capitalize()} a proposed write-off. Only someone other than its proposer who "
        "holds the policy's approver role may (403 otherwise); a write-off already decided "
        "answers 409 with who decided it."
    )
    return route


router.post(
    "/v1/write-offs/{write_off_id}/approve",
    operation_id="approveWriteOff",
    summary="Approve a write-off (four eyes)",
    response_model=WriteOffOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)(_decision(approve=True))
router.post(
    "/v1/write-offs/{write_off_id}/reject",
    operation_id="rejectWriteOff",
    summary="Reject a write-off",
    response_model=WriteOffOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)(_decision(approve=False))
