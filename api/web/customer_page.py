"""A customer: contacts, credit limit and exposure, aging, open invoices, charges, the timeline,
the effective policy with the file and line of each setting, and notes."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection
from starlette.responses import RedirectResponse, Response

from api.customer_view import customer_detail
from api.deps import ContextDep, DayDep, PolicyDep, SessionDep
from api.errors import ApiError
from api.models import ID_PATTERN
from api.waiver_writes import waive_charges
from api.web.charts import aging_charts
from api.web.layout import page_context, pages_of
from api.web.provenance import provenance
from api.web.security import CollectorFormDep, PageError, UserDep
from api.workspace_writes import write_note
from store.notes import new_key
from store.outbox import Delivery, deliveries
from store.timeline import read_timeline

router = APIRouter(include_in_schema=False)
CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
# Entries shown at first: the last weeks of a busy account; "show all" gives the rest.
TIMELINE_FIRST = 30
# The settings shown in the effective-policy table, in words.
SETTINGS = (
    ("ladder", "Ladder"),
    ("terms", "Terms"),
    ("tone", "Tone"),
    ("language", "Language"),
    ("credit_limit", "Credit limit"),
    ("owner", "Owner"),
    ("pause", "Pause"),
    ("skip", "Steps skipped"),
    ("delay", "Steps delayed"),
    ("exempt", "Exempt from"),
    ("contacts", "Contacts"),
    ("customer_name", "Name"),
)


@router.get("/customers/{customer_id}")
async def customer_page(
    *,
    request: Request,
    user: UserDep,
    context: ContextDep,
    served: PolicyDep,
    day: DayDep,
    customer_id: CustomerId,
) -> Response:
    """Return the customer's page."""

    def read() -> tuple[dict[str, Any], Any, list[Delivery]]:
        # The charges owed are the customer view's: rule "charges owed", in the engine.
        detail = customer_detail(context.engine, served, customer_id, day)
        with context.engine.connect() as conn:
            timeline = read_timeline(conn, customer_id, day, served.policy)
            sent = deliveries(conn, customer_id=customer_id, as_of=day)
        return detail, timeline, sent

    try:
        detail, timeline, sent = await run_in_threadpool(read)
    except ApiError as exc:
        # The page names the customer asked for (the API's problem never echoes the path).
        words = f"customer {customer_id} is not in the ledger" if exc.status == 404 else exc.detail
        raise PageError(exc.status, "No such customer", words, "/") from exc
    effective = detail["effective_policy"]
    show_all = request.query_params.get("timeline") == "all"
    sources = provenance(
        served.policy,
        served.version,
        customer_id,
        effective["decided_by"],
        context.settings.policy_url,
    )
    return pages_of(request).render(
        "customer.html",
        page_context(
            request,
            user,
            day,
            served.version,
            title=detail["customer"]["name"],
            detail=detail,
            effective=effective,
            settings=SETTINGS,
            sources=sources,
            charts=aging_charts(detail["aging"]),
            timeline=timeline,
            entries=timeline.entries if show_all else timeline.entries[:TIMELINE_FIRST],
            all_url=f"/customers/{customer_id}?" + urlencode({"date": day, "timeline": "all"}),
            charges=detail["charges"],
            waivable=_waivable(detail["charges"]),
            deliveries=sent[:TIMELINE_FIRST],
            key=new_key(),
            note_error=request.query_params.get("note_error", ""),
            waiver_error=request.query_params.get("waiver_error", ""),
            back="/?" + urlencode({"date": day.isoformat()}),
        ),
    )


def _waivable(charges: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Return (action id, step) of the actions whose charges are still owed and not waived."""
    out: dict[str, str] = {}
    for charge in charges:
        if charge["waiver"] is None and Decimal(charge["owed"]) > 0:
            out.setdefault(charge["action_id"], charge["step"])
    return list(out.items())


@router.post("/customers/{customer_id}/notes")
async def add_note_page(
    request: Request,
    user: CollectorFormDep,
    conn: SessionDep,
    day: DayDep,
    customer_id: CustomerId,
) -> Response:
    """Write a note on the customer's timeline, then show the timeline."""
    form = await request.form()
    text = form.get("text")
    key = form.get("key")
    page = f"/customers/{customer_id}?" + urlencode({"date": day.isoformat()})
    if not isinstance(text, str) or not text.strip():
        return RedirectResponse(
            page + "&" + urlencode({"note_error": "Write the note first."}) + "#notes",
            status_code=303,
        )

    def write(connection: Connection) -> dict[str, Any]:
        return write_note(
            connection, customer_id, text, who=user.principal, day=day,
            key=key if isinstance(key, str) and key else None,
        )

    await run_in_threadpool(write, conn)
    return RedirectResponse(page + "#timeline", status_code=303)


@router.post("/customers/{customer_id}/waivers")
async def waive_page(
    request: Request,
    user: CollectorFormDep,
    conn: SessionDep,
    day: DayDep,
    customer_id: CustomerId,
) -> Response:
    """Waive the charges of one of the customer's actions, with the reason, then show them."""
    form = await request.form()
    action_id, reason = form.get("action_id"), form.get("reason")
    page = f"/customers/{customer_id}?" + urlencode({"date": day.isoformat()})
    if not isinstance(action_id, str) or not isinstance(reason, str) or not reason.strip():
        words = "Say why the charges are waived."
        return RedirectResponse(
            page + "&" + urlencode({"waiver_error": words}) + "#charges", status_code=303
        )

    def write(connection: Connection) -> dict[str, Any]:
        return waive_charges(connection, action_id, day=day, reason=reason, who=user.principal)

    try:
        await run_in_threadpool(write, conn)
    except ApiError as exc:
        return RedirectResponse(
            page + "&" + urlencode({"waiver_error": exc.detail}) + "#charges", status_code=303
        )
    return RedirectResponse(page + "#charges", status_code=303)
