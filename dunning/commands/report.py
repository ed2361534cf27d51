"""``dunning report``: the portfolio reports for management (docs/reports.md).

Each sub-command reads the ledger (a file or the database), computes its figures in the engine
(``engine.tools.reports``) and prints them as a table, JSON, CSV or Markdown, with the definition
used beside them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import click

from dunning.inputs import LoadedPolicy, is_ledger_file, ledger_spec, load_valid_policy, read_ledger
from dunning.params import DAY
from engine.model.policy import Policy
from engine.report.activity_render import collectors_rendered, exposure_rendered
from engine.report.report_render import (
    RenderedReport,
    aging_rendered,
    cei_rendered,
    dso_rendered,
    experiments_rendered,
    format_names,
    render_report,
    trend_rendered,
    what_works_rendered,
)
from engine.rules.effectiveness import WhatWorksReport
from engine.tools.reports import (
    ReportSource,
    SnapshotReportSource,
    aging_report,
    cei_report,
    dso_report,
    exposure_report,
    trend_from_ledger,
)
from engine.tools.today import today_in
from store.collector import collector_paused


@click.group("report")
def command() -> None:
    """Print a report for management: aging, DSO, CEI, trend, collectors, credit exposure, what
    works, experiments and the management summary, per currency and as of any date."""


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


@command.command("exposure")
@click.option("--date", "as_of", type=DAY,
              help="The day (YYYY-MM-DD). Default: today in the policy's time zone.")
@_common
def exposure(as_of: date | None, ledger: str | None, policy_path: str, fmt: str) -> None:
    """Each customer's open balance against its credit limit: headroom, share used, over the
    limit or not, most used first, with the totals per currency."""
    loaded = load_valid_policy(policy_path)
    day = _today(loaded, as_of)
    with _source(ledger_spec(ledger)) as source, collector_paused():
        report = exposure_report(loaded.policy, source, day)
    _print(exposure_rendered(report), fmt)


@command.command("collectors")
@click.option("--from", "first", type=DAY,
              help="The first day. Default: the first of the month of --to.")
@click.option("--to", "last", type=DAY, help="The last day. Default: today.")
@click.option("--date", "as_of", type=DAY,
              help="The day promises and payments are seen on. Default: today.")
@_common
def collectors(first: date | None, last: date | None, as_of: date | None, ledger: str | None,
               policy_path: str, fmt: str) -> None:
    """Per person: the actions worked, the contacts, the promises to pay made and whether they
    were kept, and the cash paid within 14 days of a contact."""
    from dunning.inputs import open_database  # noqa: PLC0415
    from engine.tools.collector_report import collectors_report  # noqa: PLC0415
    from store.activity_source import StoreCollectorSource  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    seen = _today(loaded, as_of)
    end = last or seen
    start = first if first is not None else end.replace(day=1)
    if start > end:
        raise click.BadParameter(
            f"the period starts on {start}, after its last day {end}: give --from before --to",
            param_hint="--from",
        )
    spec = ledger_spec(ledger)
    if is_ledger_file(spec):
        raise click.UsageError("collector activity reads the action log: give --ledger URL")
    engine = open_database(spec)
    try:
        report = collectors_report(loaded.policy, StoreCollectorSource(engine), start, end, seen)
    finally:
        engine.dispose()
    _print(collectors_rendered(report), fmt)


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


def _period(first: date | None, last: date | None, loaded: LoadedPolicy) -> tuple[date, date]:
    end = _today(loaded, last)
    start = first if first is not None else end - timedelta(days=29)
    if start > end:
        raise click.BadParameter(
            f"the period starts on {start}, after its last day {end}: give --from before --to",
            param_hint="--from",
        )
    return start, end


@command.command("trend")
@click.option("--from", "first", type=DAY, help="The first day. Default: 30 days to --to.")
@click.option("--to", "last", type=DAY, help="The last day. Default: today.")
@_common
def trend(first: date | None, last: date | None, ledger: str | None, policy_path: str,
          fmt: str) -> None:
    """Open and overdue receivables day by day, per currency, from the daily snapshots (a ledger
    file is computed day by day); days without a snapshot are named."""
    loaded = load_valid_policy(policy_path)
    start, end = _period(first, last, loaded)
    spec = ledger_spec(ledger)
    if is_ledger_file(spec):
        with collector_paused():
            found = trend_from_ledger(loaded.policy, SnapshotReportSource(read_ledger(spec)),
                                      start, end)
    else:
        from dunning.inputs import open_database  # noqa: PLC0415
        from store.snapshots import read_trend  # noqa: PLC0415

        engine = open_database(spec)
        try:
            with engine.connect() as conn:
                found = read_trend(conn, start, end)
        finally:
            engine.dispose()
    _print(trend_rendered(found), fmt)


@command.command("snapshot")
@click.option("--date", "as_of", type=DAY, help="Write this day's snapshot. Default: today.")
@click.option("--from", "first", type=DAY,
              help="Rebuild from this day to --date (or --to) from the ledger.")
@click.option("--to", "last", type=DAY, help="The last day to rebuild (same as --date).")
@click.option("--replace", is_flag=True,
              help="Rebuild days that already have a snapshot too (after correcting the ledger).")
@click.option("--ledger", "ledger", metavar="URL",
              help="The ledger database. Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.")
@click.option("--policy", "policy_path", default=".", show_default=True,
              type=click.Path(exists=True, file_okay=False), help="The policy repository.")
def snapshot(as_of: date | None, first: date | None, last: date | None, replace: bool,
             ledger: str | None, policy_path: str) -> None:
    """Write the day's portfolio snapshot (what the daily job does), or rebuild past days from
    the ledger with --from: the days without a snapshot, every day with --replace."""
    from dunning.inputs import open_database  # noqa: PLC0415
    from store.snapshots import rebuild_snapshots, write_daily_snapshot  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    end = last or as_of
    spec = ledger_spec(ledger)
    if is_ledger_file(spec):
        raise click.UsageError("snapshots are kept in the ledger database: give --ledger URL")
    engine = open_database(spec)
    try:
        if first is None:
            day = _today(loaded, end)
            written = [write_daily_snapshot(engine, loaded.policy, day)]
        else:
            start, stop = _period(first, end, loaded)

            def progress(day: date, done: int, total: int) -> None:
                click.echo(f"{done + 1}/{total} {day}", err=True)

            try:
                written = rebuild_snapshots(engine, loaded.policy, start, stop, replace=replace,
                                            progress=progress)
            except ValueError as error:
                raise click.BadParameter(str(error), param_hint="--from") from error
    finally:
        engine.dispose()
    for item in written:
        currencies = ", ".join(item.currencies) or "nothing open"
        how = "rebuilt from the ledger" if item.rebuilt else "written"
        click.echo(f"Snapshot of {item.day} {how}: {currencies}")
    if not written:
        click.echo("Every day of the period already has a snapshot (--replace rebuilds them).")


def _what_works(loaded: LoadedPolicy, ledger: str | None, ref: str, first: date | None,
                last: date | None, as_of: date | None) -> WhatWorksReport:
    from dunning.inputs import open_database  # noqa: PLC0415
    from engine.load.policy_repo import GitError, git_root, policy_history  # noqa: PLC0415
    from engine.tools.effectiveness import what_works_report  # noqa: PLC0415
    from engine.tools.policy_at_ref import policy_at_ref  # noqa: PLC0415
    from store.effectiveness_source import StoreEffectivenessSource  # noqa: PLC0415

    seen = _today(loaded, as_of)
    stop = last or seen
    start = first if first is not None else stop - timedelta(days=89)
    if start > stop:
        raise click.BadParameter(
            f"the period starts on {start}, after its last day {stop}: give --from before --to",
            param_hint="--from",
        )
    repo = git_root(loaded.root)
    try:
        history = policy_history(repo, ref) if repo is not None else []
    except GitError as error:
        raise click.BadParameter(str(error), param_hint="--ref") from error

    def policy_at(commit: str) -> Policy | None:
        return policy_at_ref(repo, commit).policy if repo is not None else None

    spec = ledger_spec(ledger)
    if is_ledger_file(spec):
        raise click.UsageError("what works reads the action log: give --ledger URL")
    engine = open_database(spec)
    try:
        with collector_paused():
            return what_works_report(
                StoreEffectivenessSource(engine), history=history, policy_at=policy_at,
                current=loaded.policy, first=start, last=stop, as_of=seen,
            )
    finally:
        engine.dispose()


def _steps_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--from", "first", type=DAY,
                     help="The first day steps fired. Default: 90 days before --to."),
        click.option("--to", "last", type=DAY, help="The last day steps fired. Default: today."),
        click.option("--date", "as_of", type=DAY,
                     help="The day payments are counted up to. Default: today."),
        click.option("--ref", default="HEAD", show_default=True,
                     help="The git ref whose history says which policy version was in force."),
    ]
    for option in reversed(options):
        function = option(function)
    return _common(function)


@command.command("effectiveness")
@_steps_options
def effectiveness(first: date | None, last: date | None, as_of: date | None, ref: str,
                  ledger: str | None, policy_path: str, fmt: str) -> None:
    """What works: for each ladder step, tone, channel and template, the invoices it reached,
    the share paid within 7, 14 and 30 days, the median days to payment and the cash collected,
    split by the policy version (git commit) in force on the day the step fired."""
    loaded = load_valid_policy(policy_path)
    report = _what_works(loaded, ledger, ref, first, last, as_of)
    _print(what_works_rendered(report), fmt)


@command.command("experiments")
@_steps_options
@click.option("--window", type=click.Choice(["7", "14", "30"]), default="14", show_default=True,
              help="Compare the share paid within this many days of the step.")
def experiments(first: date | None, last: date | None, as_of: date | None, ref: str,
                ledger: str | None, policy_path: str, fmt: str, window: str) -> None:
    """Compare the variants of each ladder's experiment: the share of invoices paid within the
    window, with confidence intervals, saying plainly when a difference is not yet significant."""
    from engine.tools.effectiveness import experiment_results  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    report = _what_works(loaded, ledger, ref, first, last, as_of)
    results = experiment_results(report, loaded.policy, int(window))
    _print(experiments_rendered(results, report, int(window)), fmt)


SUMMARY_FORMATS = (*format_names(), "html", "pdf")


@command.command("summary")
@click.option("--period", type=click.Choice(["week", "month"]), default="week",
              show_default=True, help="A week (the 7 days to --to) or a month (its days to --to).")
@click.option("--to", "last", type=DAY,
              help="The last day of the period. Default: yesterday (a week), the end of last "
                   "month (a month).")
@click.option("--ref", default="HEAD", show_default=True,
              help="The git ref whose history lists the policy changes merged in the period.")
@click.option("--ledger", "ledger", metavar="FILE|URL",
              help="A ledger file or a database URL. "
                   "Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.")
@click.option("--policy", "policy_path", default=".", show_default=True,
              type=click.Path(exists=True, file_okay=False), help="The policy repository.")
@click.option("--format", "fmt", type=click.Choice(SUMMARY_FORMATS), default="markdown",
              show_default=True, help="How to write the summary (pdf needs --output).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
def summary(period: str, last: date | None, ref: str, ledger: str | None, policy_path: str,
            fmt: str, output: str | None) -> None:
    """The management summary of a week or a month: cash collected, overdue change, DSO and CEI
    with the period before, the ten largest overdue customers, escalations and write-offs,
    broken promises, and the policy changes merged with their plan's headline."""
    from pathlib import Path  # noqa: PLC0415

    from dunning.inputs import open_database  # noqa: PLC0415
    from engine.load.policy_repo import git_root  # noqa: PLC0415
    from engine.report.summary_render import (  # noqa: PLC0415
        summary_html,
        summary_markdown,
        summary_rendered,
    )
    from engine.rules.summary import Period, last_complete  # noqa: PLC0415
    from store.summary_source import read_summary  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    chosen: Period = "month" if period == "month" else "week"
    end = last if last is not None else last_complete(chosen, _today(loaded, None))
    if fmt == "pdf" and output is None:
        raise click.UsageError("a PDF is written to a file: give --output summary.pdf")
    spec = ledger_spec(ledger)
    repo = git_root(loaded.root)
    if is_ledger_file(spec):
        from engine.tools.summary import SnapshotSummarySource, summary_with_changes  # noqa: PLC0415

        ledgers = tuple(read_ledger(spec))
        with collector_paused():
            found = summary_with_changes(
                loaded.policy, SnapshotReportSource(ledgers), SnapshotSummarySource(ledgers),
                period=chosen, last=end, repo=repo, ref=ref, ledgers_on=lambda _day: ledgers,
            )
    else:
        engine = open_database(spec)
        try:
            found = read_summary(engine, loaded.policy, repo=repo, ref=ref, period=chosen,
                                 last=end)
        finally:
            engine.dispose()
    if fmt == "pdf":
        from delivery.summary_mail import summary_pdf  # noqa: PLC0415

        Path(str(output)).write_bytes(summary_pdf(found))
        click.echo(f"Wrote the summary to {output}")
        return
    if fmt == "markdown":
        text = summary_markdown(found)
    elif fmt == "html":
        text = summary_html(found)
    else:
        text = render_report(summary_rendered(found), fmt)
    if output is not None:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote the summary to {output}")
    else:
        click.echo(text, nl=False)
