"""The aging chart of the customer page, drawn on the server as SVG geometry.

One chart per currency (amounts in different currencies are not comparable without a rate), a bar
per aging bucket. The amounts are the engine's (``api.customer_view``); here they only decide how
tall a bar is drawn. The page shows the same figures in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.model.money import format_money

WIDTH, HEIGHT = 440, 160
TOP, BOTTOM, LEFT = 18, 28, 8
BAR_GAP = 12

@dataclass(frozen=True, slots=True)
class Bar:
    """One bucket's bar: its label, amount in words, and where it is drawn."""

    bucket: str
    label: str
    amount: str
    invoices: int
    x: int
    y: int
    width: int
    height: int
    overdue: bool


@dataclass(frozen=True, slots=True)
class AgingChart:
    """The bars of one currency."""

    currency: str
    bars: tuple[Bar, ...]
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - BOTTOM


def aging_charts(aging: Sequence[Mapping[str, Any]]) -> list[AgingChart]:
    """Return a chart per currency from the customer's aging buckets (``AgingBucketOut``s)."""
    currencies = sorted({c for bucket in aging for c in bucket["amounts"]})
    charts = []
    slot = (WIDTH - 2 * LEFT) // max(len(aging), 1)
    tallest = HEIGHT - TOP - BOTTOM
    for currency in currencies:
        values = [Decimal(bucket["amounts"].get(currency, "0")) for bucket in aging]
        peak = max(values, default=Decimal(0))
        bars = []
        for index, (bucket, value) in enumerate(zip(aging, values, strict=True)):
            height = int(tallest * value / peak) if peak > 0 else 0
            if value > 0:
                height = max(height, 2)  # a small amount still shows
            bars.append(
                Bar(
                    bucket["bucket"],
                    str(bucket["label"]),
                    format_money(value, currency),
                    int(bucket["invoices"]),
                    LEFT + index * slot + BAR_GAP // 2,
                    HEIGHT - BOTTOM - height,
                    slot - BAR_GAP,
                    height,
                    bucket["bucket"] != "current",
                )
            )
        charts.append(AgingChart(currency, tuple(bars)))
    return charts


@dataclass(frozen=True, slots=True)
class TrendChart:
    """One currency's overdue and total receivables as two lines over the days of a period."""

    currency: str
    total_points: str  # "x,y x,y ..." for an SVG polyline
    overdue_points: str
    first: str  # the first and last day, and the last amounts, in words
    last: str
    last_total: str
    last_overdue: str
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - BOTTOM


def trend_charts(trend: Mapping[str, Any]) -> list[TrendChart]:
    """Return a chart per currency from the overdue trend (``TrendReportOut``)."""
    charts = []
    tallest = HEIGHT - TOP - BOTTOM
    for series in trend["currencies"]:
        points = series["points"]
        if not points:
            continue
        currency = series["currency"]
        totals = [Decimal(p["total"]) for p in points]
        overdue = [Decimal(p["overdue"]) for p in points]
        peak = max(totals) or Decimal(1)
        step = (WIDTH - 2 * LEFT) / max(len(points) - 1, 1)

        def line(values: list[Decimal], step: float = step, peak: Decimal = peak) -> str:
            return " ".join(
                f"{LEFT + round(index * step)},{HEIGHT - BOTTOM - int(tallest * value / peak)}"
                for index, value in enumerate(values)
            )

        charts.append(
            TrendChart(
                currency,
                line(totals),
                line(overdue),
                points[0]["day"],
                points[-1]["day"],
                format_money(totals[-1], currency),
                format_money(overdue[-1], currency),
            )
        )
    return charts


@dataclass(frozen=True, slots=True)
class StepBar:
    """One step's share paid within the window, as a horizontal bar."""

    label: str  # the step and the policy version
    share: str  # "42.50 % (17/40)" or "n/a"
    y: int
    width: int


@dataclass(frozen=True, slots=True)
class EffectChart:
    """The share of invoices paid within ``window`` days of each step, one bar per step and
    policy version."""

    window: str
    bars: tuple[StepBar, ...]
    width: int = WIDTH
    height: int = HEIGHT
    label_width: int = 0


EFFECT_ROW = 22
EFFECT_LABEL = 200


def effect_chart(rows: Sequence[Mapping[str, Any]], window: str = "14") -> EffectChart | None:
    """Return the bars of the "what works" step rows (``EffectOut``), None without any row."""
    if not rows:
        return None
    span = WIDTH - 100  # room after the longest bar for its share in words
    bars = []
    for index, row in enumerate(rows):
        paid = row["paid_within"][window]
        percent = paid["percent"]
        width = int(span * Decimal(percent) / 100) if percent is not None else 0
        share = f"{percent} % ({paid['paid']}/{paid['observed']})" if percent else "n/a"
        bars.append(
            StepBar(
                f"{row['value']} @ {row['version']}",
                share,
                TOP // 2 + index * EFFECT_ROW,
                max(width, 1) if percent not in (None, "0.00") else 0,
            )
        )
    height = TOP + len(bars) * EFFECT_ROW
    return EffectChart(window, tuple(bars), WIDTH + EFFECT_LABEL, height, EFFECT_LABEL)
