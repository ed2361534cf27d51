"""``/v1/reports/...``: the portfolio reports as JSON or CSV (docs/reports.md).

The figures are the engine's (``engine.tools``) over the ledger database, read through
``api.report_views``; a route only names its report and reads its own parameters. What every
report shares (the viewer role, the day, the period, JSON or CSV) is one dependency,
``ReportParams``, and one way to declare a route, ``_report``: the very bytes of
``dunning report ... --format json|csv``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy import Engine

from api.deps import ContextDep, DayDep, PolicyDep, ViewerDep, bounded_day
from api.errors import InvalidRequestError, problem_responses
from api.policy_state import ServedPolicy
from api.report_models import (
    AgingReportOut,
    CeiReportOut,
    CollectorsReportOut,
    DsoReportOut,
    EffectivenessReportOut,
    ExperimentsReportOut,
    ExposureReportOut,
    SummaryReportOut,
    TrendReportOut,
)
from api.report_views import (
    aging_view,
    cei_view,
    collectors_view,
    dso_view,
    effectiveness_view,
    experiments_view,
    exposure_view,
    summary_view,
    trend_view,
)
from api.routers.actions import CSV_MEDIA_TYPE, wants_csv
from api.settings import ApiSettings
from delivery.summary_mail import summary_pdf
from engine.model.ledger_fields import DATE_PATTERN
from engine.report.report_render import RenderedReport, render_report
from engine.report.summary_render import summary_html, summary_markdown, summary_rendered
from engine.rules.summary import last_complete

router = APIRouter(prefix="/v1/reports", tags=["reports"])

RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}}},
    **problem_responses(401, 403, 422, 503),
}


@dataclass(frozen=True, slots=True)
class ReportParams:
    """What every report reads: the request, the service, the policy in force, the day, the
    period asked for and the format."""

    request: Request
    engine: Engine
    settings: ApiSettings
    served: ServedPolicy
    day: date
    first: date | None
    last: date | None
    fmt: str | None

    @property
    def on(self) -> date:
        """Return the day of a report as of one day: `to` when given, else `date`."""
        return self.last or self.day

    def period(self, default_start: Callable[[date], date]) -> tuple[date, date]:
        """Return ``from``..``to``: ``to`` defaults to ``date``, ``from`` to ``default_start``
        of it; a period that ends before it starts is a 422."""
        end = self.last or self.day
        start = self.first or default_start(end)
        if start > end:
            raise InvalidRequestError(
                f"the period starts on {start}, after its last day {end}",
                errors=[{"field": "query.from", "detail": "after `to`", "code": "period_order"}],
            )
        return start, end

    def serve(self, report: RenderedReport, name: str) -> Response:
        """Return ``report`` as JSON, or as CSV when asked (``format=csv`` or ``Accept``)."""
        if wants_csv(self.request, self.fmt):
            return Response(
                render_report(report, "csv"),
                media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
            )
        return Response(render_report(report, "json"), media_type="application/json")


def report_params(
    *,
    _: ViewerDep,
    request: Request,
    context: ContextDep,
    served: PolicyDep,
    day: DayDep,
    first: Annotated[
        date | None,
        Query(alias="from", description="The first day.",
              json_schema_extra={"pattern": DATE_PATTERN}),
    ] = None,
    last: Annotated[
        date | None,
        Query(alias="to", description="The last day (default: `date`).",
              json_schema_extra={"pattern": DATE_PATTERN}),
    ] = None,
    fmt: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="json (default) or csv; or send Accept: text/csv."),
    ] = None,
) -> ReportParams:
    """Return the parameters every report shares (viewers and every other role may read)."""
    first = None if first is None else bounded_day(first, "from")
    last = None if last is None else bounded_day(last, "to")
    return ReportParams(request, context.engine, context.settings, served, day, first, last, fmt)


Params = Annotated[ReportParams, Depends(report_params)]


Route = Callable[..., Response]


def _report(
    path: str, model: type[Any], operation_id: str, summary: str
) -> Callable[[Route], Route]:
    """Declare a report's route: GET, its JSON model, CSV too, the problems it may answer."""
    return router.get(
        path, operation_id=operation_id, summary=summary, response_model=model,
        responses=RESPONSES,
    )  # fmt: skip


def _days_before(days: int) -> Callable[[date], date]:
    return lambda end: end - timedelta(days=days - 1)


def _month_start(end: date) -> date:
    return end.replace(day=1)


@_report("/aging", AgingReportOut, "getAgingReport",
         "Open receivables by aging bucket, per currency and customer")  # fmt: skip
def get_aging(params: Params) -> Response:
    """Return the open receivables on `date` (default today) in the policy's aging buckets, per
    currency (never converted) and per customer, largest first, with the definition used."""
    report = aging_view(params.engine, params.served.policy, params.on)
    return params.serve(report, f"aging-{params.on}")


@_report("/dso", DsoReportOut, "getDsoReport",
         "DSO, countback DSO, best possible DSO and average days delinquent")  # fmt: skip
def get_dso(
    params: Params,
    period_days: Annotated[
        int | None,
        Query(ge=1, le=3660, description="Days of credit sales (default: the policy's, 90)."),
    ] = None,
) -> Response:
    """Return days sales outstanding on `date` (default today) per currency: standard over the
    `period_days` ending that day, countback, best possible, and average days delinquent."""
    report = dso_view(params.engine, params.served.policy, params.on, period_days)
    return params.serve(report, f"dso-{params.on}")


@_report("/trend", TrendReportOut, "getTrendReport",
         "Open and overdue receivables day by day, from the daily snapshots")  # fmt: skip
def get_trend(params: Params) -> Response:
    """Return the series of `from`..`to` (default: the 30 days to `date`) per currency, with
    the days that have no snapshot."""
    start, end = params.period(_days_before(30))
    return params.serve(trend_view(params.engine, start, end), f"trend-{start}-{end}")


@_report("/cei", CeiReportOut, "getCeiReport",
         "The collection effectiveness index of a period")  # fmt: skip
def get_cei(params: Params) -> Response:
    """Return the CEI of `from`..`to` (default: from the first of the month of `to`) per
    currency, with the amounts it is computed from."""
    start, end = params.period(_month_start)
    report = cei_view(params.engine, params.served.policy, start, end)
    return params.serve(report, f"cei-{start}-{end}")


@_report("/collectors", CollectorsReportOut, "getCollectorsReport",
         "Collector activity: actions worked, promises kept, cash after contact")  # fmt: skip
def get_collectors(params: Params) -> Response:
    """Return, per person, the actions worked `from`..`to` (default: from the first of the
    month of `to`), the contacts, the promises made then and whether they were kept by `date`,
    and the cash paid within 14 days of a contact (up to `date`)."""
    start, end = params.period(_month_start)
    report = collectors_view(params.engine, params.served.policy, start, end, params.day)
    return params.serve(report, f"collectors-{start}-{end}")


@_report("/exposure", ExposureReportOut, "getExposureReport",
         "Credit exposure against each customer's credit limit")  # fmt: skip
def get_exposure(params: Params) -> Response:
    """Return each customer's open balance on `date` against its credit limit (headroom, share
    used, over the limit or not), most used first, with the totals per currency."""
    report = exposure_view(params.engine, params.served.policy, params.on)
    return params.serve(report, f"exposure-{params.on}")


@_report("/effectiveness", EffectivenessReportOut, "getEffectivenessReport",
         "What works: each step's figures by the policy version in force when it fired",
         )  # fmt: skip
def get_effectiveness(params: Params) -> Response:
    """Return, for the steps fired `from`..`to` (default: the 90 days to `date`), the invoices
    each step, tone, channel and template reached, the share paid within 7, 14 and 30 days, the
    median days to payment and the cash collected, per policy version; payments up to `date`."""
    start, end = params.period(_days_before(90))
    report = effectiveness_view(
        params.engine, params.served, repo=params.settings.repo, first=start, last=end,
        as_of=params.day,
    )  # fmt: skip
    return params.serve(report, f"effectiveness-{start}-{end}")


@_report("/experiments", ExperimentsReportOut, "getExperimentsReport",
         "The policy's experiments: each variant's share paid, with confidence intervals",
         )  # fmt: skip
def get_experiments(
    params: Params,
    window: Annotated[
        Literal["7", "14", "30"], Query(description="Days after the step a payment counts within.")
    ] = "14",
) -> Response:
    """Return, for each ladder's experiment, each variant's share of invoices paid within
    `window` days of the step (steps fired `from`..`to`, default the 90 days to `date`) with a
    95 % interval, and each variant against the first (the control), saying plainly when the
    difference is not significant."""
    start, end = params.period(_days_before(90))
    report = experiments_view(
        params.engine, params.served, repo=params.settings.repo, first=start, last=end,
        as_of=params.day, window=int(window),
    )  # fmt: skip
    return params.serve(report, f"experiments-{start}-{end}")


SummaryFormat = Literal["json", "csv", "markdown", "html", "pdf"]
SUMMARY_MEDIA = {
    "markdown": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get(
    "/summary", operation_id="getSummaryReport",
    summary="The management summary of a week or a month, with the period before",
    response_model=SummaryReportOut,
    responses={
        200: {"content": {
            CSV_MEDIA_TYPE: {"schema": {"type": "string"}},
            "text/markdown": {"schema": {"type": "string"}},
            "text/html": {"schema": {"type": "string"}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        }},
        **problem_responses(401, 403, 422, 503),
    },
)  # fmt: skip
def get_summary(
    *,
    _: ViewerDep,
    request: Request,
    context: ContextDep,
    served: PolicyDep,
    day: DayDep,
    period: Annotated[
        Literal["week", "month"], Query(description="A week (the 7 days to `to`) or a month.")
    ] = "week",
    last: Annotated[
        date | None,
        Query(alias="to", description="The last day (default: yesterday, or the end of last "
                                      "month for a month).",
              json_schema_extra={"pattern": DATE_PATTERN}),
    ] = None,
    fmt: Annotated[
        SummaryFormat | None,
        Query(alias="format", description="json (default), csv, markdown, html or pdf."),
    ] = None,
) -> Response:  # fmt: skip
    """Return the management summary of the `period` ending on `to`: cash collected, overdue
    change, DSO and CEI beside the period before, the ten largest overdue customers,
    escalations and write-offs, broken promises, and the policy changes merged in the period
    with their plan's headline. As JSON, CSV, Markdown, HTML or PDF."""
    end = bounded_day(last, "to") if last is not None else last_complete(period, day)
    found = summary_view(
        context.engine, served, repo=context.settings.repo, period=period, last=end
    )
    name = f"summary-{period}-{found.current.first}"
    if fmt in SUMMARY_MEDIA:
        if fmt == "pdf":
            body: bytes | str = summary_pdf(found)
        else:
            body = summary_markdown(found) if fmt == "markdown" else summary_html(found)
        return Response(
            body, media_type=SUMMARY_MEDIA[fmt],
            headers={"Content-Disposition": f'inline; filename="{name}.{_SUFFIX[fmt]}"'},
        )  # fmt: skip
    report = summary_rendered(found)
    if wants_csv(request, fmt):
        return Response(
            render_report(report, "csv"), media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )  # fmt: skip
    return Response(render_report(report, "json"), media_type="application/json")


_SUFFIX = {"markdown": "md", "html": "html", "pdf": "pdf"}
