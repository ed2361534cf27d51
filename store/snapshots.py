"""Daily snapshots of the portfolio's figures, for the overdue trend (docs/reports.md).

``write_daily_snapshot`` is what the daily job calls once a day: it computes the day's portfolio
aging in the engine (the ledger as of the end of the day) and writes it, replacing any snapshot of
that day, in one statement (an upsert), so two runs of the same day at once leave one snapshot.
``rebuild_snapshots`` computes past days from the ledger (the days without a snapshot, or all of
them with ``replace``), each written the same way and marked ``rebuilt``. ``read_trend`` reads a
period back as the engine's trend.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.model.policy import Policy
from engine.report.report_render import aged_amounts_json
from engine.rules.trend import Trend, TrendPoint, overdue_trend
from engine.tools.reports import aging_report
from store.collector import collector_paused
from store.connection import begin_write
from store.models import daily_snapshots
from store.report_source import StoreReportSource

# Most days one rebuild computes: a year and a bit, each a full read of the ledger as of the day.
MAX_REBUILD_DAYS = 400


@dataclass(frozen=True, slots=True)
class SnapshotWritten:
    """What a snapshot write did: the day, and the currencies with something open."""

    day: date
    currencies: tuple[str, ...]
    rebuilt: bool


def _upsert(engine: Engine, row: dict[str, Any]) -> Any:
    insert = (postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert)(
        daily_snapshots
    )
    return insert.values(row).on_conflict_do_update(
        index_elements=["day"],
        set_={name: insert.excluded[name] for name in ("figures", "rebuilt", "written_at")},
    )


def write_daily_snapshot(
    engine: Engine, policy: Policy, day: date, *, rebuilt: bool = False
) -> SnapshotWritten:
    """Compute the portfolio's aging at the end of ``day`` and store it as that day's snapshot,
    replacing an earlier one of the same day (the daily job calls this once a day)."""
    with collector_paused():
        aging = aging_report(policy, StoreReportSource(engine), day, by_customer=False)
    figures = [aged_amounts_json(aging.scheme, amounts) for amounts in aging.currencies]
    row = {
        "day": day,
        "figures": figures,
        "rebuilt": rebuilt,
        "written_at": datetime.now(UTC),
    }
    with engine.connect() as conn, begin_write(conn):
        conn.execute(_upsert(engine, row))
    return SnapshotWritten(day, tuple(a.currency for a in aging.currencies), rebuilt)


def snapshot_days(conn: Connection, first: date, last: date) -> list[date]:
    """Return the days from ``first`` to ``last`` that have a snapshot, in order."""
    c = daily_snapshots.c
    rows = conn.execute(
        select(c.day).where(c.day >= first, c.day <= last).order_by(c.day)
    ).scalars()
    return list(rows)


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def rebuild_snapshots(
    engine: Engine,
    policy: Policy,
    first: date,
    last: date,
    *,
    replace: bool = False,
    progress: Callable[[date, int, int], None] | None = None,
) -> list[SnapshotWritten]:
    """Compute the snapshots of ``first``..``last`` from the ledger: the days that have none, or
    every day with ``replace``. ``progress(day, done, total)`` is called before each day.

    Raises ``ValueError`` when the period is backwards or longer than ``MAX_REBUILD_DAYS``.
    """
    if first > last:
        raise ValueError(f"the period starts on {first}, after its last day {last}")
    if (last - first).days + 1 > MAX_REBUILD_DAYS:
        raise ValueError(
            f"{first} to {last} is more than {MAX_REBUILD_DAYS} days: rebuild a year at a time"
        )
    with engine.connect() as conn:
        present = set() if replace else set(snapshot_days(conn, first, last))
    todo = [day for day in _days(first, last) if day not in present]
    written = []
    for done, day in enumerate(todo):
        if progress is not None:
            progress(day, done, len(todo))
        written.append(write_daily_snapshot(engine, policy, day, rebuilt=True))
    return written


def _point(day: date, figures: dict[str, Any]) -> TrendPoint:
    return TrendPoint(
        day,
        str(figures["currency"]),
        Decimal(figures["total"]),
        Decimal(figures["current"]),
        Decimal(figures["overdue"]),
        int(figures["invoices"]),
    )


def read_trend(conn: Connection, first: date, last: date) -> Trend:
    """Return the overdue trend of ``first``..``last`` from the stored snapshots."""
    c = daily_snapshots.c
    rows = conn.execute(
        select(c.day, c.figures).where(c.day >= first, c.day <= last).order_by(c.day)
    ).all()
    points = [_point(day, figures) for day, figures in rows for figures in figures]
    return overdue_trend(points, [day for day, _ in rows], first, last)
