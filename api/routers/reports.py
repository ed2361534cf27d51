"""``/v1/reports/...``: the portfolio reports (aging, DSO, CEI) as JSON or CSV (docs/reports.md).

The figures are the engine's (``engine.tools.reports``) over the ledger database; a route only
reads the parameters and serves what the engine's reporters write, the very bytes of
``dunning report ... --format json|csv``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api.deps import ContextDep, DayDep, PolicyDep, ViewerDep
from api.errors import InvalidRequestError, problem_responses
from api.report_models import AgingReportOut, CeiReportOut, DsoReportOut
from api.routers.actions import CSV_MEDIA_TYPE, wants_csv
from engine.report.report_render import (
    RenderedReport,
    aging_rendered,
    cei_rendered,
    dso_rendered,
    render_report,
)
from engine.tools.reports import aging_report, cei_report, dso_report
from store.collector import collector_paused
from store.report_source import StoreReportSource

router = APIRouter(prefix="/v1/reports", tags=["reports"])

Format = Annotated[
    Literal["json", "csv"] | None,
    Query(alias="format", description="json (default) or csv; or send Accept: text/csv."),
]
RESPONSES = {
    200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}},
    **problem_responses(401, 403, 422, 503),
}


def _serve(request: Request, report: RenderedReport, fmt: str | None, name: str) -> Response:
    if wants_csv(request, fmt):
        return Response(
            render_report(report, "csv"),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(render_report(report, "json"), media_type="application/json")


@router.get(
    "/aging",
    operation_id="getAgingReport",
    summary="Open receivables by aging bucket, per currency and customer",
    response_model=AgingReportOut,
    responses=RESPONSES,
)
def get_aging(
    *, _: ViewerDep, request: Request, context: ContextDep, served: PolicyDep, day: DayDep,
    fmt: Format = None,
) -> Response:  # fmt: skip
    """Return the open receivables on `date` (default today) in the policy's aging buckets, per
    currency (never converted) and per customer, largest first, with the definition used."""
    with collector_paused():
        report = aging_report(served.policy, StoreReportSource(context.engine), day)
    return _serve(request, aging_rendered(report), fmt, f"aging-{day}")


@router.get(
    "/dso",
    operation_id="getDsoReport",
    summary="DSO, countback DSO, best possible DSO and average days delinquent",
    response_model=DsoReportOut,
    responses=RESPONSES,
)
def get_dso(
    *, _: ViewerDep, request: Request, context: ContextDep, served: PolicyDep, day: DayDep,
    period_days: Annotated[
        int | None,
        Query(ge=1, le=3660, description="Days of credit sales (default: the policy's, 90)."),
    ] = None,
    fmt: Format = None,
) -> Response:  # fmt: skip
    """Return days sales outstanding on `date` (default today) per currency: standard over the
    `period_days` ending that day, countback, best possible, and average days delinquent."""
    source = StoreReportSource(context.engine)
    with collector_paused():
        report = dso_report(served.policy, source, day, period_days)
    return _serve(request, dso_rendered(report), fmt, f"dso-{day}")


@router.get(
    "/cei",
    operation_id="getCeiReport",
    summary="The collection effectiveness index of a period",
    response_model=CeiReportOut,
    responses=RESPONSES,
)
def get_cei(
    *, _: ViewerDep, request: Request, context: ContextDep, served: PolicyDep, day: DayDep,
    first: Annotated[
        date | None,
        Query(alias="from", description="First day (default: the first of the month of `to`)."),
    ] = None,
    last: Annotated[
        date | None, Query(alias="to", description="Last day (default: `date`).")
    ] = None,
    fmt: Format = None,
) -> Response:  # fmt: skip
    """Return the CEI of `from`..`to` per currency, with the amounts it is computed from."""
    end = last or day
    start = first or end.replace(day=1)
    if start > end:
        raise InvalidRequestError(
            f"the period starts on {start}, after its last day {end}",
            errors=[{"field": "query.from", "detail": "after `to`", "code": "period_order"}],
        )
    with collector_paused():
        report = cei_report(served.policy, StoreReportSource(context.engine), start, end)
    return _serve(request, cei_rendered(report), fmt, f"cei-{start}-{end}")
