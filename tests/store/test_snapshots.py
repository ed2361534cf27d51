"""Daily snapshots (store/snapshots.py): written once a day, rebuilt for past days from the
ledger, the same figures as the aging report, and safe when written by many at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select

from engine.load.policy_loader import load_policy
from engine.model.policy import Policy
from engine.tools.reports import aging_report
from store.models import daily_snapshots
from store.report_source import StoreReportSource
from store.snapshots import read_trend, rebuild_snapshots, snapshot_days, write_daily_snapshot
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed


@pytest.fixture(scope="module")
def policy() -> Policy:
    loaded = load_policy([ROOT])
    assert loaded.policy is not None
    return loaded.policy


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    seed(ledger_engine)
    return ledger_engine


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(daily_snapshots)).scalar_one())


def test_a_snapshot_holds_the_days_aging_and_a_rerun_replaces_it(
    ledger: Engine, policy: Policy
) -> None:
    """The snapshot's figures are the aging report's; writing the day again leaves one."""
    written = write_daily_snapshot(ledger, policy, DAY)
    assert (written.day, written.currencies, written.rebuilt) == (DAY, ("GBP",), False)
    write_daily_snapshot(ledger, policy, DAY)
    assert _count(ledger) == 1
    with ledger.connect() as conn:
        trend = read_trend(conn, DAY, DAY)
    [gbp] = trend.currencies
    [point] = gbp.points
    expected = aging_report(policy, StoreReportSource(ledger), DAY).currency("GBP")
    assert (point.total, point.overdue, point.current, point.invoices) == (
        expected.total,
        expected.overdue,
        expected.current,
        expected.invoices,
    )
    assert trend.missing == ()


def test_rebuild_fills_the_missing_days_from_the_ledger(ledger: Engine, policy: Policy) -> None:
    """Days with a snapshot are kept unless ``replace``; each rebuilt day reads the ledger as it
    stood then (INV-1002 was 300.00 open until PAY-1 of 1 Nov)."""
    first, last = date(2026, 10, 30), date(2026, 11, 2)
    write_daily_snapshot(ledger, policy, date(2026, 10, 31))
    seen: list[tuple[date, int, int]] = []

    def progress(day: date, done: int, total: int) -> None:
        seen.append((day, done, total))

    rebuilt = rebuild_snapshots(ledger, policy, first, last, progress=progress)
    assert [w.day for w in rebuilt] == [date(2026, 10, 30), date(2026, 11, 1), date(2026, 11, 2)]
    assert seen[0] == (date(2026, 10, 30), 0, 3)
    with ledger.connect() as conn:
        assert snapshot_days(conn, first, last) == [first + timedelta(days=n) for n in range(4)]
        trend = read_trend(conn, first, last)
    totals = {p.day: p.total for p in trend.currencies[0].points}
    assert totals[date(2026, 10, 31)] - totals[date(2026, 11, 1)] == 100
    assert len(rebuild_snapshots(ledger, policy, first, last, replace=True)) == 4
    with pytest.raises(ValueError, match="after its last day"):
        rebuild_snapshots(ledger, policy, last, first)
    with pytest.raises(ValueError, match="a year at a time"):
        rebuild_snapshots(ledger, policy, date(2025, 1, 1), date(2026, 6, 1))


def test_many_writers_at_once_leave_one_snapshot_a_day(ledger: Engine, policy: Policy) -> None:
    """Eight writers, two per day for four days, at once: no error, one row per day, each with
    the day's figures."""
    days = [DAY - timedelta(days=n) for n in range(4)]

    def write(n: int) -> date:
        return write_daily_snapshot(ledger, policy, days[n % 4], rebuilt=n >= 4).day

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(write, range(8))) == sorted(days * 2)
    assert _count(ledger) == 4
    with ledger.connect() as conn:
        trend = read_trend(conn, days[-1], days[0])
    assert trend.missing == ()
    assert len(trend.currencies[0].points) == 4
