"""``dunning report``: the portfolio reports for management (docs/reports.md).

Each sub-command reads the ledger (a file or the database), computes its figures in the engine
(``engine.tools.reports``) and prints them as a table, JSON, CSV or Markdown, with the definition
used beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import click

from dunning.inputs import LoadedPolicy, is_ledger_file, ledger_spec, load_valid_policy, read_ledger
from dunning.params import DAY
from engine.report.report_render import (
    RenderedReport,
    aging_rendered,
    cei_rendered,
    dso_rendered,
    format_names,
    render_report,
)
from engine.tools.reports import (
    ReportSource,
    SnapshotReportSource,
    aging_report,
    cei_report,
    dso_report,
)
from engine.tools.today import today_in
from store.collector import collector_paused


@click.group("report")
def command() -> None:
    """Print a portfolio report: aging, DSO, CEI, each per currency and as of any date."""


def _common(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--ledger", "ledger", metavar="FILE|URL",
                     help="A ledger file (.yaml, .yml, .json) or a database URL. "
                          "Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db."),
        click.option("--policy", "policy_path", default=".", show_default=True,
                     type=click.Path(exists=True, file_okay=False),
                     help="The policy repository (its reports: settings define the figures)."),
        click.option("--format", "fmt", type=click.Choice(list(format_names())),
                     default="table", show_default=True, help="How to print the report."),
    ]  # fmt: skip
    for option in reversed(options):
        function = option(function)
    return function


@contextmanager
def _source(spec: str) -> Iterator[ReportSource]:
    if is_ledger_file(spec):
        yield SnapshotReportSource(read_ledger(spec))
        return
    from dunning.inputs import open_database  # noqa: PLC0415 - SQLAlchemy for databases only
    from store.report_source import StoreReportSource  # noqa: PLC0415

    engine = open_database(spec)
    try:
        yield StoreReportSource(engine)
    finally:
        engine.dispose()


def _print(report: RenderedReport, fmt: str) -> None:
    click.echo(render_report(report, fmt), nl=False)


def _today(loaded: LoadedPolicy, day: date | None) -> date:
    return day if day is not None else today_in(loaded.policy.timezone)


@command.command("aging")
@click.option("--date", "as_of", type=DAY,
              help="The day (YYYY-MM-DD). Default: today in the policy's time zone.")
@_common
def aging(as_of: date | None, ledger: str | None, policy_path: str, fmt: str) -> None:
    """Open receivables in the policy's aging buckets, per currency and per customer."""
    loaded = load_valid_policy(policy_path)
    day = _today(loaded, as_of)
    with _source(ledger_spec(ledger)) as source, collector_paused():
        report = aging_report(loaded.policy, source, day)
    _print(aging_rendered(report), fmt)


@command.command("dso")
@click.option("--date", "as_of", type=DAY,
              help="The last day of the period (YYYY-MM-DD). Default: today.")
@click.option("--period-days", type=click.IntRange(1, 3660),
              help="The days of credit sales. Default: the policy's reports.dso.period_days (90).")
@_common
def dso(as_of: date | None, period_days: int | None, ledger: str | None, policy_path: str,
        fmt: str) -> None:
    """Days sales outstanding (standard and countback), best possible DSO, average days
    delinquent, per currency."""
    loaded = load_valid_policy(policy_path)
    day = _today(loaded, as_of)
    with _source(ledger_spec(ledger)) as source, collector_paused():
        report = dso_report(loaded.policy, source, day, period_days)
    _print(dso_rendered(report), fmt)


@command.command("cei")
@click.option("--from", "first", type=DAY,
              help="The first day of the period. Default: the first of the month of --to.")
@click.option("--to", "last", type=DAY, help="The last day of the period. Default: today.")
@_common
def cei(first: date | None, last: date | None, ledger: str | None, policy_path: str,
        fmt: str) -> None:
    """The collection effectiveness index of a period, per currency."""
    loaded = load_valid_policy(policy_path)
    end = _today(loaded, last)
    start = first if first is not None else end.replace(day=1)
    if start > end:
        raise click.BadParameter(
            f"the period starts on {start}, after its last day {end}: give --from before --to",
            param_hint="--from",
        )
    with _source(ledger_spec(ledger)) as source, collector_paused():
        report = cei_report(loaded.policy, source, start, end)
    _print(cei_rendered(report), fmt)

