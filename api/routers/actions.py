"""``/v1/actions``: the day's action list, one action, and recording what was done about it."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from api.action_lists import COMPACT, Filters
from api.action_pages import action_detail_json, page_csv, page_json
from api.deps import (
    ActionListDep,
    CollectorDep,
    ContextDep,
    DayDep,
    PolicyDep,
    SessionDep,
    ViewerDep,
)
from api.errors import NotFoundError, problem_responses
from api.middleware import stamp_version
from api.models import (
    ID_PATTERN,
    ActionDetail,
    ActionPage,
    OutcomeIn,
    OutcomeOut,
    WaiverIn,
    WaiverOut,
)
from api.outcomes import OutcomeRequest, submit
from api.waiver_writes import waive_charges

router = APIRouter(prefix="/v1/actions", tags=["actions"])

DEFAULT_PAGE = 100
MAX_PAGE = 1000

Kind = Literal[
    "email",
    "phone",
    "letter",
    "sms",
    "credit_hold",
    "credit_release",
    "credit_review",
    "escalate",
    "write_off_review",
]
Channel = Literal["email", "phone", "letter", "sms"]
Text = Annotated[str, Query(min_length=1, max_length=128, pattern=ID_PATTERN)]


async def get_filters(
    kind: Annotated[list[Kind] | None, Query(description="Only these kinds (repeatable).")] = None,
    channel: Annotated[list[Channel] | None, Query(description="Only these channels.")] = None,
    step: Annotated[list[Text] | None, Query(description="Only these ladder steps.")] = None,
    customer: Annotated[list[Text] | None, Query(description="Only these customer ids.")] = None,
    owner: Annotated[
        list[Text] | None, Query(description="Only customers of these owners.")
    ] = None,
) -> Filters:
    """Return the list filters of a request."""
    return Filters(
        kinds=frozenset(kind or ()),
        channels=frozenset(channel or ()),
        steps=frozenset(step or ()),
        customers=frozenset(customer or ()),
        owners=frozenset(owner or ()),
    )


FiltersDep = Annotated[Filters, Depends(get_filters)]

CSV_MEDIA_TYPE = "text/csv"


def wants_csv(request: Request, fmt: str | None) -> bool:
    """Return whether the client asked for CSV: ``format=csv``, or CSV preferred in ``Accept``."""
    if fmt is not None:
        return fmt == "csv"
    best, best_q = "json", -1.0
    for part in request.headers.get("accept", "").split(","):
        media, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind = {"text/csv": "csv", "application/json": "json", "*/*": "json"}.get(media.strip())
        if kind is not None and q > best_q:
            best, best_q = kind, q
    return best == "csv"


@router.get(
    "",
    operation_id="listActions",
    summary="The day's action list",
    response_model=ActionPage,
    responses={
        200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 422, 503),
    },
)
async def list_actions(
    *,
    _: ViewerDep,
    request: Request,
    listing: ActionListDep,
    filters: FiltersDep,
    limit: Annotated[
        int | None,
        Query(ge=1, le=MAX_PAGE, description=f"Page size (JSON default {DEFAULT_PAGE}; CSV: all)."),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            max_length=1024,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="`next_cursor` of the previous page.",
        ),
    ] = None,
    fmt: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
) -> Response:
    """Return the actions of the day that match the filters, a page at a time, or as CSV.

    JSON (default) or CSV (`format=csv`, or `Accept: text/csv`). The list is computed once per
    policy version, ledger state and date; `X-Total-Count` gives the number of matching actions.
    """
    if wants_csv(request, fmt):
        text, total = page_csv(listing, filters, cursor, limit)
        return Response(
            text,
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"X-Total-Count": str(total)},
        )
    body, total = page_json(listing, filters, cursor, limit or DEFAULT_PAGE)
    return Response(body, media_type="application/json", headers={"X-Total-Count": str(total)})


@router.get(
    "/{action_id}",
    operation_id="getAction",
    summary="One action of the day's list",
    response_model=ActionDetail,
    responses=problem_responses(401, 403, 404, 422, 503),
)
async def get_action(
    *,
    _: ViewerDep,
    listing: ActionListDep,
    action_id: Annotated[str, Path(max_length=128, pattern=ID_PATTERN)],
) -> Response:
    """Return one action of the day's list, with its rendered message."""
    action = listing.by_id.get(action_id)
    if action is None:
        raise NotFoundError(
            f"The action named in the path is not on the list of "
            f"{listing.evaluation.as_of.isoformat()} (done already, or its ledger changed)."
        )
    return Response(action_detail_json(listing, action), media_type="application/json")


@router.post(
    "/{action_id}/outcome",
    operation_id="recordOutcome",
    summary="Record what was done about an action",
    response_model=OutcomeOut,
    status_code=201,
    responses={
        200: {"model": OutcomeOut, "description": "The same outcome was recorded before."},
        **problem_responses(401, 403, 404, 409, 422, 503),
    },
)
async def record_outcome(
    *,
    who: CollectorDep,
    context: ContextDep,
    request: Request,
    served: PolicyDep,
    day: DayDep,
    action_id: Annotated[str, Path(max_length=128, pattern=ID_PATTERN)],
    body: OutcomeIn,
) -> Response:
    """Record that the action was done, skipped or failed, or that the customer promised to pay
    (date, amount) or disputed an invoice. The first final outcome (done, skipped, a promise, a
    dispute) takes the action off the list; the same outcome again answers 200 with
    `created: false`; a different one answers 409 with the outcome in force. A new promise
    replaces the one in force for the same invoices."""
    asked = OutcomeRequest(action_id, day, body, who)
    listing, recorded = await submit(context, served, asked)
    stamp_version(request, listing.version)
    # The answer is built from our own values in OutcomeOut's shape (tests/api/test_outcomes.py
    # checks it against the model): sent as it is, not validated and serialised again.
    return Response(
        json.dumps(recorded.body, ensure_ascii=False, separators=COMPACT),
        status_code=201 if recorded.created else 200,
        media_type="application/json",
    )


@router.post(
    "/{action_id}/waiver",
    operation_id="waiveCharges",
    summary="Waive the fees and interest an action charged",
    response_model=WaiverOut,
    status_code=201,
    responses={
        200: {"model": WaiverOut, "description": "The action's charges were already waived."},
        **problem_responses(401, 403, 404, 422, 503),
    },
)
async def waive(
    *,
    who: CollectorDep,
    conn: SessionDep,
    day: DayDep,
    action_id: Annotated[str, Path(max_length=128, pattern=ID_PATTERN)],
    body: WaiverIn,
    response: Response,
) -> dict[str, Any]:
    """Take the fees and interest an action charged off the customer's account from the day,
    with the reason (rule "charges owed"). What a payment had paid of them then pays the
    invoice. An action's charges are waived once: the same request again answers 200 with
    `created: false` and the waiver in force. 404 when the action charged nothing recorded
    done."""
    written = waive_charges(conn, action_id, day=day, reason=body.reason, who=who)
    if not written["created"]:
        response.status_code = 200
    return written
