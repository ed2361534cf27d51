"""The pages' Jinja2 environment: autoescaped templates and the filters that show money and days.

Amounts arrive computed (by the engine, as decimal strings or ``Decimal``); the filters only
format them, with the currency's minor units and thousands separators, never add them up.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from engine.model.money import format_money
from engine.report.render import KIND_LABELS

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def money(amount: Decimal | str | None, currency: str | None) -> str:
    """Return ``GBP 1,200.00`` for an amount and its currency (empty for none)."""
    if amount is None or not currency:
        return ""
    return format_money(Decimal(amount), currency)


def amounts(values: Mapping[str, Decimal | str] | None) -> str:
    """Return amounts per currency as ``GBP 1,200.00 · EUR 40.00`` (``–`` for none)."""
    if not values:
        return "–"
    return " · ".join(money(v, c) for c, v in sorted(values.items()))


def long_date(value: date | str | None) -> str:
    """Return a day as people read it: ``Mon 23 Nov 2026``."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return day.strftime("%a %-d %b %Y")


def moment(value: datetime | str | None) -> str:
    """Return a moment as ``23 Nov 2026 10:02 UTC``."""
    if value is None or value == "":
        return ""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.strftime("%-d %b %Y %H:%M %Z").strip()


def kind_label(kind: str) -> str:
    """Return what an action kind means to staff: ``Send email``, ``Phone call``."""
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def build_environment() -> Environment:
    """Return the environment the pages render with."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "svg"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=money, amounts=amounts, long_date=long_date, moment=moment, kind_label=kind_label
    )
    return env


class Pages:
    """Renders templates to responses."""

    def __init__(self) -> None:
        self.env = build_environment()

    def render(
        self, name: str, context: Mapping[str, Any], status: int = 200
    ) -> HTMLResponse:
        """Return the page ``name`` rendered with ``context``."""
        body = self.env.get_template(name).render(**context)
        return HTMLResponse(body, status_code=status)
