"""The reports page: aging, DSO, CEI, the overdue trend, what works, collector activity and
credit exposure, with CSV exports.

Every figure is the engine's, read through ``api.report_views`` (the same as ``/v1/reports``);
the page lays them out and draws the charts. The CSV links export each report with the signed-in
session (the API's CSV needs a bearer token).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from api.context import AppContext
from api.deps import ContextDep, DayDep, PolicyDep
from api.policy_state import ServedPolicy
from api.report_views import (
    aging_view,
    cei_view,
    collectors_view,
    dso_view,
    effectiveness_view,
    exposure_view,
    trend_view,
)
from api.web.charts import aging_charts, effect_chart, trend_charts
from api.web.layout import page_context, pages_of
from api.web.security import UserDep
from engine.report.report_render import RenderedReport, render_report

router = APIRouter(include_in_schema=False)
TREND_DAYS = 30
EFFECT_DAYS = 90
TOP_CUSTOMERS = 10
ReportName = Literal["aging", "dso", "cei", "trend", "effectiveness", "collectors", "exposure"]
View = Callable[[], RenderedReport]


def _bucket_rows(aging: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the aging buckets as the customer page's chart reads them: amounts by currency."""
    rows: list[dict[str, Any]] = []
    for amounts in aging["currencies"]:
        for index, bucket in enumerate(amounts["buckets"]):
            if len(rows) <= index:
                rows.append(
                    {"bucket": bucket["bucket"], "label": bucket["label"], "invoices": 0,
                     "amounts": {}}
                )  # fmt: skip
            rows[index]["invoices"] += bucket["invoices"]
            rows[index]["amounts"][amounts["currency"]] = bucket["amount"]
    return rows


def _views(context: AppContext, served: ServedPolicy, day: date) -> dict[str, View]:
    """Return how to compute each report of the page for ``day`` (each blocking)."""
    engine, policy = context.engine, served.policy
    return {
        "aging": lambda: aging_view(engine, policy, day),
        "dso": lambda: dso_view(engine, policy, day, None),
        "cei": lambda: cei_view(engine, policy, day.replace(day=1), day),
        "trend": lambda: trend_view(engine, day - timedelta(days=TREND_DAYS - 1), day),
        "effectiveness": lambda: effectiveness_view(
            engine, served, repo=context.settings.repo,
            first=day - timedelta(days=EFFECT_DAYS - 1), last=day, as_of=day,
        ),
        "collectors": lambda: collectors_view(engine, policy, day.replace(day=1), day, day),
        "exposure": lambda: exposure_view(engine, policy, day),
    }  # fmt: skip


@router.get("/reports")
async def reports_page(
    request: Request, user: UserDep, context: ContextDep, served: PolicyDep, day: DayDep
) -> Response:
    """Return the reports page for the day (default today)."""
    views = _views(context, served, day)

    def read() -> dict[str, RenderedReport]:
        return {name: view() for name, view in views.items()}

    reports = await run_in_threadpool(read)
    steps = reports["effectiveness"].document["rows"]
    aging = reports["aging"].document
    query = urlencode({"date": day.isoformat()})
    return pages_of(request).render(
        "reports.html",
        page_context(
            request,
            user,
            day,
            served.version,
            title="Reports",
            docs={name: report.document for name, report in reports.items()},
            aging_charts=aging_charts(_bucket_rows(aging)),
            trend_charts=trend_charts(reports["trend"].document),
            largest=[c for c in aging["customers"] if c["overdue"] != "0"][:TOP_CUSTOMERS],
            steps=[row for row in steps if row["dimension"] == "step"],
            effect_chart=effect_chart([row for row in steps if row["dimension"] == "step"]),
            top_customers=TOP_CUSTOMERS * 2,
            exports={name: f"/reports/{name}.csv?{query}" for name in reports},
        ),
    )


@router.get("/reports/{name}.csv")
async def report_csv(
    name: ReportName, user: UserDep, context: ContextDep, served: PolicyDep, day: DayDep
) -> Response:
    """Return one report of the page as CSV, as of the page's day."""
    report = await run_in_threadpool(_views(context, served, day)[name])
    return Response(
        render_report(report, "csv"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-{day}.csv"'},
    )
