"""Staff's side of the payment portal: the customers' answers that wait for a person.

``/portal/requests`` lists every dispute, request for a copy and change of contact that
customers sent from the portal and nobody has handled yet, oldest first, with the customer's
owner (the owner's "mine" view is their notification); a collector marks one handled, which the
customer's timeline then says.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.deps import ContextDep
from api.models import ID_PATTERN
from api.web.layout import page_context, pages_of
from api.web.security import CollectorFormDep, PageError, UserDep
from store.portal_answers import PORTAL_WORDS, mark_handled, waiting_for_staff

router = APIRouter(include_in_schema=False)
AnswerId = Annotated[str, Path(min_length=1, max_length=64)]
CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


@router.get("/portal/requests")
async def requests_page(request: Request, user: UserDep, context: ContextDep) -> Response:
    """Return the portal answers waiting for staff (``?queue=mine``: of customers I own)."""
    served = context.policies.served()
    owners = (
        {cid: c.owner for cid, c in served.policy.customers.items() if c.owner} if served else {}
    )

    def read() -> list[Any]:
        with context.engine.connect() as conn:
            return waiting_for_staff(conn)

    waiting = await run_in_threadpool(read)
    mine = request.query_params.get("queue") == "mine"
    if mine:
        waiting = [w for w in waiting if owners.get(w.customer_id) == user.name]
    return pages_of(request).render(
        "portal/requests.html",
        page_context(
            request, user, None, served.version if served else None,
            title="Customer requests", waiting=waiting, owners=owners, words=PORTAL_WORDS,
            mine=mine, handled=request.query_params.get("handled", ""),
        ),
    )  # fmt: skip


@router.post("/portal/requests/{customer_id}/{answer_id}/handled")
async def handled(
    user: CollectorFormDep, context: ContextDep, customer_id: CustomerId, answer_id: AnswerId
) -> Response:
    """Mark a customer's portal answer handled, then show the list again."""

    def write() -> bool:
        with context.engine.connect() as conn:
            return mark_handled(conn, answer_id, customer_id, who=user.name)

    async with context.writes.slot():
        done = await run_in_threadpool(write)
    context.ledger.written()
    if not done:
        raise PageError(
            404, "Already handled or not found",
            "This request was handled by someone else meanwhile, or is not a request of that "
            "customer. Nothing was changed.", "/portal/requests",
        )  # fmt: skip
    return RedirectResponse(f"/portal/requests?handled={answer_id}", status_code=303)
