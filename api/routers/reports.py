"""``/v1/reports/...``: the portfolio reports (aging, DSO, CEI) as JSON or CSV (docs/reports.md).

The figures are the engine's (``engine.tools.reports``) over the ledger database; a route only
reads the parameters and serves what the engine's reporters write, the very bytes of
``dunning report ... --format json|csv``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from api.deps import ContextDep, DayDep, PolicyDep, ViewerDep
from api.errors import InvalidRequestError, problem_responses
from api.report_models import (
    AgingReportOut,
    CeiReportOut,
    DsoReportOut,
    EffectivenessReportOut,
    ExperimentsReportOut,
    TrendReportOut,
)
from api.report_views import (
    aging_view,
    cei_view,
    dso_view,
    effectiveness_view,
    experiments_view,
    trend_view,
)
from api.routers.actions import CSV_MEDIA_TYPE, wants_csv
from engine.report.report_render import RenderedReport, render_report

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
    report = aging_view(context.engine, served.policy, day)
    return _serve(request, report, fmt, f"aging-{day}")


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
    report = dso_view(context.engine, served.policy, day, period_days)
    return _serve(request, report, fmt, f"dso-{day}")


def _period(
    first: date | None, last: date | None, day: date, default_start: date
) -> tuple[date, date]:
    end = last or day
    start = first or default_start
    if start > end:
        raise InvalidRequestError(
            f"the period starts on {start}, after its last day {end}",
            errors=[{"field": "query.from", "detail": "after `to`", "code": "period_order"}],
        )
    return start, end


FromQuery = Annotated[date | None, Query(alias="from", description="The first day.")]
ToQuery = Annotated[date | None, Query(alias="to", description="The last day (default: `date`).")]


@router.get(
    "/trend",
    operation_id="getTrendReport",
    summary="Open and overdue receivables day by day, from the daily snapshots",
    response_model=TrendReportOut,
    responses=RESPONSES,
)
def get_trend(
    *, _: ViewerDep, request: Request, context: ContextDep, day: DayDep,
    first: FromQuery = None, last: ToQuery = None, fmt: Format = None,
) -> Response:  # fmt: skip
    """Return the series of `from`..`to` (default: the 30 days to `date`) per currency, with
    the days that have no snapshot."""
    start, end = _period(first, last, day, (last or day) - timedelta(days=29))
    report = trend_view(context.engine, start, end)
    return _serve(request, report, fmt, f"trend-{start}-{end}")


@router.get(
    "/cei",
    operation_id="getCeiReport",
    summary="The collection effectiveness index of a period",
    response_model=CeiReportOut,
    responses=RESPONSES,
)
def get_cei(
    *, _: ViewerDep, request: Request, context: ContextDep, served: PolicyDep, day: DayDep,
    first: FromQuery = None, last: ToQuery = None, fmt: Format = None,
) -> Response:  # fmt: skip
    """Return the CEI of `from`..`to` (default: from the first of the month of `to`) per
    currency, with the amounts it is computed from."""
    start, end = _period(first, last, day, (last or day).replace(day=1))
    report = cei_view(context.engine, served.policy, start, end)
    return _serve(request, report, fmt, f"cei-{start}-{end}")


@router.get(
    "/effectiveness",
    operation_id="getEffectivenessReport",
    summary="What works: each step's figures by the policy version in force when it fired",
    response_model=EffectivenessReportOut,
    responses=RESPONSES,
)
def get_effectiveness(
    *, _: ViewerDep, request: Request, context: ContextDep, served: PolicyDep, day: DayDep,
    first: FromQuery = None, last: ToQuery = None, fmt: Format = None,
) -> Response:  # fmt: skip
    """Return, for the steps fired `from`..`to` (default: the 90 days to `date`), the invoices
    each step, tone, channel and template reached, the share paid within 7, 14 and 30 days, the
    median days to payment and the cash collected, per policy version; payments up to `date`."""
    start, end = _period(first, last, day, (last or day) - timedelta(days=89))
    report = effectiveness_view(
        context.engine, served, repo=context.settings.repo, first=start, last=end, as_of=day
    )
    return _serve(request, report, fmt, f"effectiveness-{start}-{end}")


@router.get(
    "/experiments",
    operation_id="getExperimentsReport",
    summary="The policy's experiments: each variant's share paid, with confidence intervals",
    response_model=ExperimentsReportOut,
    responses=RESPONSES,
)
def get_experiments(
    *, _: ViewerDep, request: Request, context: ContextDep, served: PolicyDep, day: DayDep,
    first: FromQuery = None, last: ToQuery = None, fmt: Format = None,
    window: Annotated[
        Literal["7", "14", "30"], Query(description="Days after the step a payment counts within.")
    ] = "14",
) -> Response:  # fmt: skip
    """Return, for each ladder's experiment, each variant's share of invoices paid within
    `window` days of the step (steps fired `from`..`to`, default the 90 days to `date`) with a
    95 % interval, and each variant against the first (the control), saying plainly when the
    difference is not significant."""
    start, end = _period(first, last, day, (last or day) - timedelta(days=89))
    report = experiments_view(
        context.engine, served, repo=context.settings.repo, first=start, last=end, as_of=day,
        window=int(window),
    )  # fmt: skip
    return _serve(request, report, fmt, f"experiments-{start}-{end}")
