"""A plan as text for a terminal, Markdown for a pull-request comment, and JSON for machines.

One module per format (``plan_text``, ``plan_markdown``, ``plan_json``), sharing the words of
``plan_words``. They are for the finance lead who changed the policy: "2 customers get a
different letter or call on 2026-11-24", "newly on credit hold", "fees GBP 15.00 → 30.00".
"""

from __future__ import annotations

from collections.abc import Callable

from engine.model.plan import Plan
from engine.report.plan_json import render_json
from engine.report.plan_markdown import render_markdown
from engine.report.plan_text import render_text

PlanReporter = Callable[[Plan], str]

REPORTERS: dict[str, PlanReporter] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


def render_plan(plan: Plan, fmt: str) -> str:
    """Return the plan rendered in ``fmt`` (text, markdown or json)."""
    return REPORTERS[fmt](plan)
