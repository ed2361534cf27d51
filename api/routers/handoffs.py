"""``/v1/customers/{id}/handoffs`` and ``/v1/handoffs``: hand a debt to an agency or a solicitor,
download the case file, recall the case, import the agency's results (docs/handoff.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.case_models import (
    AgencyResultsIn,
    AgencyResultsOut,
    AuditOut,
    EscalationDecisionIn,
    EscalationDecisionOut,
    HandoffIn,
    HandoffListOut,
    HandoffOut,
    RecallIn,
)
from api.case_writes import (
    case_out,
    find_case,
    open_case,
    recall_case,
    record_results,
    result_of,
)
from api.deps import (
    ActionListDep,
    ActionPathId,
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
from api.escalation_writes import decide_escalation
from api.models import ID_PATTERN
from store.audit import audit_entries
from store.handoffs import case_archive, list_handoffs

router = APIRouter(tags=["cases"])



@router.post(
    "/v1/customers/{customer_id}/handoffs",
    operation_id="handOffCustomer",
    summary="Hand a customer's debt to an agency or a solicitor",
    response_model=HandoffOut,
    status_code=201,
    responses={
        200: {"model": HandoffOut, "description": "The customer was already handed off."},
        **problem_responses(401, 403, 404, 422, 503),
    },
)
def hand_off_customer(
    *,
    who: CollectorDep,
    context: ContextDep,
    served: PolicyDep,
    conn: SessionDep,
    day: DayDep,
    customer_id: PathId,
    body: HandoffIn,
    response: Response,
) -> dict[str, Any]:
    """Build the case file (case.json, case.csv, statement.pdf and the letter before action)
    and open the case: from `date` (default today) the customer is not chased internally, and
    each step the ladder would fire is reported as a suppression `handoff`. A customer who is
    already handed off keeps their case: the answer is 200 with that case."""
    written = open_case(
        conn,
        served,
        customer_id=customer_id,
        to=body.to,
        who=who,
        day=day,
        note=body.note,
        root=context.settings.repo,
    )
    if not written["created"]:
        response.status_code = 200
    return written


@router.get(
    "/v1/handoffs",
    operation_id="listHandoffs",
    summary="Cases handed to an agency or a solicitor",
    response_model=HandoffListOut,
    responses=problem_responses(401, 403, 422),
)
async def list_cases(
    _: ViewerDep,
    context: ContextDep,
    customer: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> dict[str, Any]:
    """Return the cases, newest first: one customer's (`customer`), open ones only (`open`)."""

    found = await read_ledger(
        context, lambda conn: list_handoffs(conn, customer_id=customer, open_only=open_only)
    )
    return {"cases": [case_out(record) for record in found]}


@router.get(
    "/v1/handoffs/{case_id}",
    operation_id="getHandoff",
    summary="One case",
    response_model=HandoffOut,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_case(_: ViewerDep, context: ContextDep, case_id: PathId) -> dict[str, Any]:
    """Return the case: who handed it off, when, the claim, and whether it was recalled."""

    return await read_ledger(context, lambda conn: find_case(conn, case_id))


@router.get(
    "/v1/handoffs/{case_id}/case.zip",
    operation_id="downloadCaseFile",
    summary="The case file as handed over",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The case file (a zip)."},
        **problem_responses(401, 403, 404, 422),
    },
)
async def download_case(_: ViewerDep, context: ContextDep, case_id: PathId) -> Response:
    """Return the zip of case.json, case.csv and the PDFs, the same bytes as handed over."""

    archive = await read_ledger(context, lambda conn: case_archive(conn, case_id))
    if archive is None:
        raise NotFoundError(f"there is no case {case_id}")
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{case_id}.zip"'},
    )


@router.post(
    "/v1/handoffs/{case_id}/recall",
    operation_id="recallHandoff",
    summary="Recall a case: internal chasing resumes",
    response_model=HandoffOut,
    responses=problem_responses(401, 403, 404, 422, 503),
)
def recall(
    *, who: CollectorDep, conn: SessionDep, day: DayDep, case_id: PathId, body: RecallIn
) -> dict[str, Any]:
    """Recall the case on `date` (default today): from that day the ladder chases the customer
    again. Recalling a recalled case changes nothing and answers the case as it is."""
    written, _ = recall_case(conn, case_id, who=who, day=body.date or day, note=body.note)
    return written


@router.post(
    "/v1/agency-results",
    operation_id="recordAgencyResults",
    summary="Record an agency's report: payments collected, fees, outcomes",
    response_model=AgencyResultsOut,
    responses=problem_responses(401, 403, 404, 422, 503),
)
def agency_results(who: CollectorDep, conn: SessionDep, body: AgencyResultsIn) -> dict[str, Any]:
    """Record every line or none. A payment becomes a ledger payment of the debtor (applied to
    its invoice when it names one) and its fee is kept beside it; a line already recorded (same
    case and `ref`) is left as it was."""
    lines = [
        result_of(item.case, item.ref, item.date, item.kind, item.model_dump())
        for item in body.results
    ]
    return record_results(conn, lines, who=who)


@router.post(
    "/v1/actions/{action_id}/escalation",
    operation_id="decideEscalation",
    summary="Decide an escalation to a manager: continue, plan, hand off or write off",
    response_model=EscalationDecisionOut,
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
def decide(
    *,
    who: CollectorDep,
    context: ContextDep,
    served: PolicyDep,
    listing: ActionListDep,
    conn: SessionDep,
    action_id: ActionPathId,
    body: EscalationDecisionIn,
) -> dict[str, Any]:
    """Decide an escalation that a ladder step sent to a manager's role (`to: credit-manager`):
    only a holder of that role (or an admin) may (403). `continue` and `handoff` and `write_off`
    mark the escalation done (a hand-off opens the case, a write-off is proposed); `plan` leaves
    it on the list for the payment plan to be recorded on it. Decided twice: 409."""
    return decide_escalation(
        conn,
        listing,
        served,
        action_id,
        decision=body.decision,
        who=who,
        note=body.note,
        to=body.to,
        root=context.settings.repo,
    )


@router.get(
    "/v1/audit",
    operation_id="listAuditEntries",
    summary="The audit log of escalation cases and write-offs",
    response_model=AuditOut,
    responses=problem_responses(401, 403, 422),
)
async def audit(
    _: ViewerDep,
    context: ContextDep,
    customer: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Return the newest `limit` entries (one customer's with `customer`), oldest first: who
    decided what about a case, and when."""

    found = await read_ledger(
        context, lambda conn: audit_entries(conn, customer_id=customer, limit=limit)
    )
    return {
        "entries": [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "date": e.day.isoformat(),
                "who": e.who,
                "customer": e.customer_id,
                "event": e.event,
                "ref": e.ref,
                "summary": e.summary,
                "detail": dict(e.detail),
            }
            for e in found
        ]
    }
