"""The portfolio reports over the service's ledger database, as the engine renders them.

One place for the API's ``/v1/reports/...`` and the workspace's report page: each function reads
the rows through the store's sources, lets the engine compute (``engine.tools``), and returns the
engine's ``RenderedReport`` (a sheet for CSV, a JSON document). Blocking: call from a thread.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine

from api.policy_state import ServedPolicy
from engine.load.policy_repo import policy_history
from engine.model.policy import Policy
from engine.report.activity_render import collectors_rendered, exposure_rendered
from engine.report.report_render import (
    RenderedReport,
    aging_rendered,
    cei_rendered,
    dso_rendered,
    experiments_rendered,
    trend_rendered,
    what_works_rendered,
)
from engine.rules.effectiveness import WhatWorksReport
from engine.rules.summary import ManagementSummary, Period
from engine.tools.collector_report import collectors_report
from engine.tools.effectiveness import experiment_results, what_works_report
from engine.tools.policy_at_ref import policy_at_ref
from engine.tools.reports import aging_report, cei_report, dso_report, exposure_report
from store.activity_source import StoreCollectorSource
from store.collector import collector_paused
from store.effectiveness_source import StoreEffectivenessSource
from store.report_source import StoreReportSource
from store.snapshots import read_trend
from store.summary_source import read_summary


def aging_view(engine: Engine, policy: Policy, day: date) -> RenderedReport:
    """Return the portfolio's aging on ``day``."""
    with collector_paused():
        return aging_rendered(aging_report(policy, StoreReportSource(engine), day))


def dso_view(engine: Engine, policy: Policy, day: date, period_days: int | None) -> RenderedReport:
    """Return the DSO figures on ``day``."""
    with collector_paused():
        return dso_rendered(dso_report(policy, StoreReportSource(engine), day, period_days))


def cei_view(engine: Engine, policy: Policy, first: date, last: date) -> RenderedReport:
    """Return the CEI of ``first``..``last``."""
    with collector_paused():
        return cei_rendered(cei_report(policy, StoreReportSource(engine), first, last))


def exposure_view(engine: Engine, policy: Policy, day: date) -> RenderedReport:
    """Return every customer's exposure against its credit limit on ``day``."""
    with collector_paused():
        return exposure_rendered(exposure_report(policy, StoreReportSource(engine), day))


def collectors_view(
    engine: Engine, policy: Policy, first: date, last: date, as_of: date
) -> RenderedReport:
    """Return each person's activity in ``first``..``last``, promises and cash up to ``as_of``."""
    source = StoreCollectorSource(engine)
    return collectors_rendered(collectors_report(policy, source, first, last, as_of))


def trend_view(engine: Engine, first: date, last: date) -> RenderedReport:
    """Return the overdue trend of ``first``..``last`` from the daily snapshots."""
    with engine.connect() as conn:
        return trend_rendered(read_trend(conn, first, last))


@lru_cache(maxsize=64)
def _policy_at(repo: Path, commit: str) -> Policy | None:
    # A commit's policy never changes: load each one once per process.
    return policy_at_ref(repo, commit).policy


def _what_works(
    engine: Engine, served: ServedPolicy, *, repo: Path, first: date, last: date, as_of: date
) -> WhatWorksReport:
    commit = served.version.commit
    history = policy_history(repo, commit) if commit else []
    with collector_paused():
        return what_works_report(
            StoreEffectivenessSource(engine), history=history,
            policy_at=lambda c: _policy_at(repo, c), current=served.policy,
            first=first, last=last, as_of=as_of,
        )  # fmt: skip


def effectiveness_view(
    engine: Engine, served: ServedPolicy, *, repo: Path, first: date, last: date, as_of: date
) -> RenderedReport:
    """Return what works for the steps fired ``first``..``last``, payments up to ``as_of``,
    split by the versions of the policy repository ``repo`` up to the commit in force."""
    report = _what_works(engine, served, repo=repo, first=first, last=last, as_of=as_of)
    return what_works_rendered(report)


def experiments_view(
    engine: Engine, served: ServedPolicy, *, repo: Path, first: date, last: date, as_of: date,
    window: int,
) -> RenderedReport:
    """Return the policy's experiments compared over ``window`` days for the steps fired
    ``first``..``last``, payments up to ``as_of``."""
    report = _what_works(engine, served, repo=repo, first=first, last=last, as_of=as_of)
    return experiments_rendered(
        experiment_results(report, served.policy, window), report, window
    )


def summary_view(
    engine: Engine, served: ServedPolicy, *, repo: Path, period: Period, last: date
) -> ManagementSummary:
    """Return the management summary of the ``period`` ending on ``last``; the policy changes
    are those of ``repo``'s history up to the commit in force."""
    commit = served.version.commit
    return read_summary(
        engine, served.policy, repo=repo if commit else None, ref=commit or "HEAD",
        period=period, last=last,
    )  # fmt: skip
