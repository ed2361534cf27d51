"""Decisions: the escalations a ladder sent to a manager's role (with the customer's history, to
decide: continue, plan, hand off, write off) and the write-offs waiting for an approver.

A person sees the escalations to the roles they hold (admins see all) and may approve the
write-offs the engine's rule lets them (never their own). The writes are the API's.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from api.action_lists import ActionList
from api.deps import ActionListDep, ContextDep, DayDep, PolicyDep, SessionDep
from api.errors import ApiError
from api.escalation_writes import decide_escalation
from api.models import ID_PATTERN
from api.web.layout import page_context, pages_of
from api.web.security import CollectorFormDep, UserDep
from api.write_off_writes import decide_write_off, propose_write_off
from engine.rules.escalation import DECISION_WORDS, decision_refused, manager_role
from engine.rules.write_off import approval_refused
from store.timeline import read_timeline
from store.tokens import Role
from store.write_offs import list_write_offs

router = APIRouter(include_in_schema=False)
ActionId = Annotated[str, Path(max_length=128, pattern=ID_PATTERN)]
WriteOffId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
# The newest entries of a customer's timeline shown beside an escalation.
HISTORY = 6


def _back(day: object, **query: str) -> str:
    return "/decisions?" + urlencode({"date": str(day), **query})


@router.get("/decisions")
async def decisions_page(
    *,
    request: Request,
    user: UserDep,
    context: ContextDep,
    served: PolicyDep,
    listing: ActionListDep,
    day: DayDep,
) -> Response:
    """Return the escalations to the user's roles and the write-offs waiting for approval."""
    policy = served.policy
    is_admin = user.role is Role.ADMIN
    mine = [
        action
        for action in listing.evaluation.actions
        if (role := manager_role(action)) is not None
        and decision_refused(policy, role, person=user.name, is_admin=is_admin) is None
    ]

    def read() -> tuple[dict[str, Any], list[Any]]:
        with context.engine.connect() as conn:
            histories = {
                action.customer_id: read_timeline(conn, action.customer_id, day, policy).entries[
                    :HISTORY
                ]
                for action in mine
            }
            waiting = list_write_offs(conn, state="proposed")
        return histories, waiting

    histories, waiting = await run_in_threadpool(read)
    approvable = {
        w.id
        for w in waiting
        if approval_refused(policy, approver=user.name, is_admin=is_admin, proposer=w.proposed_by)
        is None
    }
    return pages_of(request).render(
        "decisions.html",
        page_context(
            request,
            user,
            day,
            served.version,
            title="Decisions",
            escalations=mine,
            histories=histories,
            words=DECISION_WORDS,
            waiting=waiting,
            approvable=approvable,
            done=request.query_params.get("done", ""),
            error=request.query_params.get("error", ""),
        ),
    )


@router.post("/decisions/escalations/{action_id}")
async def decide_page(
    *,
    request: Request,
    user: CollectorFormDep,
    context: ContextDep,
    served: PolicyDep,
    listing: ActionListDep,
    conn: SessionDep,
    day: DayDep,
    action_id: ActionId,
) -> Response:
    """Record the decision on an escalation, then show the decisions (or the action, to record
    the payment plan)."""
    form = await request.form()
    decision, note, to = form.get("decision"), form.get("note"), form.get("to")

    def write(connection: Connection, found: ActionList) -> dict[str, Any]:
        return decide_escalation(
            connection,
            found,
            served,
            action_id,
            decision=str(decision or ""),
            who=user.principal,
            note=note if isinstance(note, str) else "",
            to="legal" if to == "legal" else "agency",
            root=context.settings.repo,
        )

    try:
        result = await run_in_threadpool(write, conn, listing)
    except ApiError as exc:
        return RedirectResponse(_back(day, error=exc.detail), status_code=303)
    if result["decision"] == "plan":
        return RedirectResponse(
            f"/actions/{action_id}?" + urlencode({"date": day.isoformat()}) + "#plan",
            status_code=303,
        )
    said = f"Decided: {DECISION_WORDS[result['decision']]}."
    if result["write_off"] is not None:
        said += f" Write-off {result['write_off']['id']} is {result['write_off']['state']}."
    if result["case"] is not None:
        said += f" Case {result['case']['id']} is open."
    return RedirectResponse(_back(day, done=said), status_code=303)


@router.post("/decisions/write-offs/{write_off_id}")
async def approve_page(
    *,
    request: Request,
    user: CollectorFormDep,
    served: PolicyDep,
    conn: SessionDep,
    day: DayDep,
    write_off_id: WriteOffId,
) -> Response:
    """Approve or reject a write-off, then show the decisions."""
    form = await request.form()
    approve = form.get("decision") == "approve"
    note = form.get("note")

    def write(connection: Connection) -> dict[str, Any]:
        return decide_write_off(
            connection,
            served.policy,
            write_off_id,
            approve=approve,
            who=user.principal,
            day=day,
            note=note if isinstance(note, str) else "",
        )

    try:
        done = await run_in_threadpool(write, conn)
    except ApiError as exc:
        return RedirectResponse(_back(day, error=exc.detail), status_code=303)
    return RedirectResponse(
        _back(day, done=f"Write-off {done['id']} {done['state']}."), status_code=303
    )


@router.post("/customers/{customer_id}/write-offs")
async def propose_page(
    *,
    request: Request,
    user: CollectorFormDep,
    served: PolicyDep,
    conn: SessionDep,
    day: DayDep,
    customer_id: CustomerId,
) -> Response:
    """Propose a write-off from the customer's case page, then show the case page."""
    form = await request.form()
    page = f"/customers/{customer_id}/case?" + urlencode({"date": day.isoformat()})
    invoices = [str(v) for v in form.getlist("invoice") if str(v)]
    try:
        amount = Decimal(str(form.get("amount") or ""))
    except InvalidOperation:
        return RedirectResponse(
            page + "&" + urlencode({"error": "Write the amount like 250.00."}), status_code=303
        )

    def write(connection: Connection) -> dict[str, Any]:
        return propose_write_off(
            connection,
            served.policy,
            customer_id=customer_id,
            amount=amount,
            currency=str(form.get("currency") or ""),
            invoice_ids=invoices,
            reason=str(form.get("reason") or ""),
            day=day,
            who=user.principal,
            key=str(form.get("key") or "") or None,
        )

    try:
        done = await run_in_threadpool(write, conn)
    except ApiError as exc:
        return RedirectResponse(page + "&" + urlencode({"error": exc.detail}), status_code=303)
    said = (
        f"Write-off {done['id']} takes effect (within the approval threshold)."
        if done["state"] == "approved"
        else f"Write-off {done['id']} proposed: it waits for an approver."
    )
    return RedirectResponse(page + "&" + urlencode({"done": said}), status_code=303)
