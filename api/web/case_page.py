"""A customer's escalation case: hand the debt off (with the totals the case file will claim),
download the case file, record the agency's report, recall the case; and the open cases.

Every write goes through ``api.case_writes``, as the API's does, so a page and an API client get
the same checks and the same words; the amounts are the engine's rule "case totals".
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from api.case_writes import open_case, recall_case, record_results
from api.deps import ContextDep, DayDep, PolicyDep, SessionDep
from api.errors import ApiError
from api.models import ID_PATTERN
from api.web.layout import page_context, pages_of
from api.web.security import CollectorFormDep, PageError, UserDep
from casework.agency_results import ResultsFileError, read_results
from engine.report.case_file import totals_to_dict
from engine.rules.case_file import case_amounts
from engine.rules.context import EvaluationContext
from store.handoffs import case_archive, list_handoffs
from store.notes import new_key
from store.reader import load_snapshot
from store.write_offs import list_write_offs

router = APIRouter(include_in_schema=False)
CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
CaseId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


def _page(customer_id: str, day: object, **query: str) -> str:
    return f"/customers/{customer_id}/case?" + urlencode({"date": str(day), **query})


@router.get("/customers/{customer_id}/case")
async def case_page(
    *,
    request: Request,
    user: UserDep,
    context: ContextDep,
    served: PolicyDep,
    day: DayDep,
    customer_id: CustomerId,
) -> Response:
    """Return the customer's case page: the open case, or the hand-off form with its totals."""

    def read() -> tuple[str, list[Any], list[dict[str, str]], list[Any], list[Any]]:
        with context.engine.connect() as conn:
            snapshot = load_snapshot(conn, [customer_id], as_of=day)
            if not snapshot.customers:
                raise PageError(404, "No such customer", f"{customer_id} is not in the ledger", "/")
            ledger = snapshot.customers[0]
            policy_context = EvaluationContext(served.policy)
            amounts = case_amounts(policy_context, ledger, day)
            rules = policy_context.effective.get(
                ledger.customer, policy_context.rule_currencies(ledger)
            )
            cases = list_handoffs(conn, customer_id=customer_id)
            proposed = list_write_offs(conn, customer_id=customer_id)
        invoices = [line for line in amounts.lines if line.kind == "invoice"]
        totals = [totals_to_dict(t) for t in amounts.totals]
        return rules.customer_name, cases, totals, invoices, proposed

    name, cases, totals, invoices, proposed = await run_in_threadpool(read)
    open_cases = [case for case in cases if case.is_open]
    return pages_of(request).render(
        "case.html",
        page_context(
            request,
            user,
            day,
            served.version,
            title=f"Case: {name}",
            customer_id=customer_id,
            name=name,
            current=open_cases[0] if open_cases else None,
            cases=cases,
            totals=totals,
            invoices=invoices,
            write_offs=proposed,
            key=new_key(),
            error=request.query_params.get("error", ""),
            done=request.query_params.get("done", ""),
            back=f"/customers/{customer_id}?" + urlencode({"date": day.isoformat()}),
        ),
    )


@router.post("/customers/{customer_id}/case")
async def hand_off_page(
    *,
    request: Request,
    user: CollectorFormDep,
    context: ContextDep,
    served: PolicyDep,
    conn: SessionDep,
    day: DayDep,
    customer_id: CustomerId,
) -> Response:
    """Hand the customer's debt off, then show the case."""
    form = await request.form()
    to, note = form.get("to"), form.get("note")
    if to not in ("agency", "legal"):
        return RedirectResponse(
            _page(customer_id, day, error="Choose the agency or the solicitor."), status_code=303
        )

    def write(connection: Connection) -> dict[str, Any]:
        return open_case(
            connection,
            served,
            customer_id=customer_id,
            to=str(to),
            who=user.principal,
            day=day,
            note=note if isinstance(note, str) else "",
            root=context.settings.repo,
        )

    try:
        written = await run_in_threadpool(write, conn)
    except ApiError as exc:
        return RedirectResponse(_page(customer_id, day, error=exc.detail), status_code=303)
    said = "Handed off." if written["created"] else "Already handed off: this is the open case."
    return RedirectResponse(_page(customer_id, day, done=said), status_code=303)


@router.post("/cases/{case_id}/recall")
async def recall_page(
    request: Request, user: CollectorFormDep, conn: SessionDep, day: DayDep, case_id: CaseId
) -> Response:
    """Recall the case, then show it."""
    form = await request.form()
    note = form.get("note")
    customer = form.get("customer")

    def write(connection: Connection) -> dict[str, Any]:
        written, _ = recall_case(
            connection,
            case_id,
            who=user.principal,
            day=day,
            note=note if isinstance(note, str) else "",
        )
        return written

    try:
        written = await run_in_threadpool(write, conn)
    except ApiError as exc:
        raise PageError(exc.status, "The case cannot be recalled", exc.detail, "/") from exc
    customer_id = written["customer"] if not isinstance(customer, str) else customer
    return RedirectResponse(
        _page(customer_id, day, done="Recalled: chasing resumes."), status_code=303
    )


@router.post("/cases/results")
async def results_page(
    request: Request, user: CollectorFormDep, conn: SessionDep, day: DayDep
) -> Response:
    """Record an agency's report (a CSV file), then show the customer's case."""
    form = await request.form()
    upload, customer = form.get("report"), form.get("customer")
    customer_id = customer if isinstance(customer, str) else ""
    if not isinstance(upload, UploadFile) or not upload.filename:
        return RedirectResponse(
            _page(customer_id, day, error="Choose the agency's CSV file."), status_code=303
        )
    content = await upload.read()

    def write(connection: Connection) -> dict[str, Any]:
        with tempfile.TemporaryDirectory() as folder:
            path = FilePath(folder) / "agency-report.csv"
            path.write_bytes(content)
            lines = read_results(path)
        return record_results(connection, lines, who=user.principal)

    try:
        done = await run_in_threadpool(write, conn)
    except ResultsFileError as exc:
        message = "; ".join(exc.problems[:5]) + (" …" if len(exc.problems) > 5 else "")
        return RedirectResponse(
            _page(customer_id, day, error=f"Nothing was imported: {message}"), status_code=303
        )
    except ApiError as exc:
        return RedirectResponse(
            _page(customer_id, day, error=f"Nothing was imported: {exc.detail}"), status_code=303
        )
    said = f"{done['added']} line(s) recorded, {done['unchanged']} already recorded."
    return RedirectResponse(_page(customer_id, day, done=said), status_code=303)


@router.get("/cases/{case_id}/case.zip")
async def download_page(user: UserDep, context: ContextDep, case_id: CaseId) -> Response:
    """Return the case file as handed over."""

    def read() -> bytes | None:
        with context.engine.connect() as conn:
            return case_archive(conn, case_id)

    archive = await run_in_threadpool(read)
    if archive is None:
        raise PageError(404, "No such case", f"there is no case {case_id}", "/")
    return Response(
        archive,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{case_id}.zip"'},
    )
