"""The Today page: the day's list grouped by customer, my queue or everyone's, filtered, paged."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.deps import ActionListDep, ContextDep
from api.web.layout import page_context, pages_of
from api.web.security import UserDep
from api.web.today import (
    CHANNELS,
    KINDS,
    PAGE_CUSTOMERS,
    SORTS,
    decode_cursor,
    encode_cursor,
    parse_query,
    select,
)
from store.assignments import current_assignees

router = APIRouter(include_in_schema=False)
# What the notice after recording says, by the outcome the form sent.
RECORDED = {
    "done": "marked done",
    "no_answer": "recorded as called, no answer (it stays on the list)",
    "left_message": "recorded as a message left",
    "promise": "recorded with a promise to pay",
    "dispute": "recorded as disputed",
    "plan": "recorded with a payment plan",
    "skip": "skipped",
    "reassign": "handed over",
}


@router.get("/")
async def today(
    request: Request, user: UserDep, context: ContextDep, listing: ActionListDep
) -> Response:
    """Return the Today page."""
    params = {key: request.query_params.getlist(key) for key in request.query_params}
    query, problems = parse_query(params)

    def read_assignees() -> dict[str, str]:
        with context.engine.connect() as conn:
            return current_assignees(conn)

    # A small table (one row per hand-over): read whole, for "my queue" and the rows shown.
    assignees = await run_in_threadpool(read_assignees)
    selection = select(listing, query, user.name, assignees if query.queue == "mine" else {})
    groups, more = selection.page(decode_cursor(query.sort, query.cursor), PAGE_CUSTOMERS)
    day = listing.evaluation.as_of
    # Where the list opens after recording from a row: the same customer if it keeps actions,
    # else the next one (the recorded action leaves the list).
    anchors = {}
    for index, group in enumerate(groups):
        following = groups[index + 1].customer_id if index + 1 < len(groups) else None
        anchors[group.customer_id] = (
            f"c-{group.customer_id}" if len(group.actions) > 1
            else f"c-{following}" if following else "list-end"
        )
    filters = [(k, v) for k, v in request.query_params.multi_items() if k not in _NOT_FILTERS]
    next_url = None
    if more and groups:
        cursor = encode_cursor(query.sort, groups[-1].key)
        next_url = "/?" + urlencode([*filters, ("cursor", cursor)])
    here = "/?" + urlencode([(k, v) for k, v in request.query_params.multi_items()
                             if k not in ("recorded", "recorded_for")])
    recorded = request.query_params.get("recorded", "")
    ladders = sorted({a.ladder for a in listing.evaluation.actions})
    currencies = sorted({c for a in listing.evaluation.actions for c in a.totals})
    context_data: dict[str, Any] = page_context(
        request,
        user,
        day,
        listing.version,
        title="Today",
        query=query,
        problems=problems,
        groups=groups,
        selection=selection,
        next_url=next_url,
        page_size=PAGE_CUSTOMERS,
        anchors=anchors,
        assignees=assignees,
        first_url="/?" + urlencode(filters) if query.cursor else None,
        here=here,
        kinds=KINDS,
        channels=CHANNELS,
        sorts=SORTS,
        ladders=ladders,
        currencies=currencies,
        notice=RECORDED.get(recorded),
        notice_for=request.query_params.get("recorded_for", "")[:64],
        total_actions=len(listing.evaluation.actions),
        suppressed=len(listing.evaluation.suppressions),
    )
    return pages_of(request).render("today.html", context_data)


_NOT_FILTERS = ("cursor", "recorded", "recorded_for")
