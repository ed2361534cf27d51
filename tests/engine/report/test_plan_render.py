"""A plan in words, Markdown and JSON (engine/report/plan_words.py, plan_markdown.py,
plan_json.py)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from engine.report.plan_json import plan_to_dict
from engine.report.plan_markdown import MARKDOWN_CUSTOMER_CAP, render_markdown
from engine.report.plan_words import signed
from engine.tools.plan import make_plan
from tests.engine.builders import (
    account,
    invoice,
    make_policy,
)
from tests.engine.plan_cases import C1, C2, C3, SHORTER, both


def test_markdown_caps_long_lists_and_says_how_many_more() -> None:
    """A large impact still fits a comment: the first customers, then 'and N more'."""
    many = [
        account(f"C{n:02}", invoice(f"I-{n}", "2026-10-12", "1500.00", customer=f"C{n:02}"))
        for n in range(MARKDOWN_CUSTOMER_CAP + 5)
    ]
    day = both(make_policy(), SHORTER, *many)
    text = render_markdown(make_plan([day.base], [day.head]))
    assert text.startswith(
        "### Policy plan: 30 customers get a different letter or call on 2026-11-23.\n"
    )
    assert "_and 5 more customers_" in text
    assert text.count("| **C") == MARKDOWN_CUSTOMER_CAP


def test_json_is_stable_and_money_is_text() -> None:
    """The summary's keys and amounts, as machines read them."""
    day = both(make_policy(), SHORTER, C1, C2, C3)
    data = json.loads(json.dumps(plan_to_dict(make_plan([day.base], [day.head]))))
    assert list(data) == [
        "format_version", "headline", "base", "head", "ledger", "dates", "rounding", "summary",
        "days",
    ]  # fmt: skip
    assert data["summary"]["charges"]["GBP"]["fees"] == {
        "base": "15.00",
        "head": "45.00",
        "difference": "30.00",
    }
    assert (data["summary"]["added"], data["summary"]["removed"]) == (2, 1)
    assert data["summary"]["changed_actions"] == 1


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (Decimal("15"), "GBP", "+15.00"),
        (Decimal("-1234.5"), "GBP", "-1,234.50"),
        (Decimal("0"), "EUR", "0.00"),
        (3, None, "+3"),
        (-1, None, "-1"),
    ],
    ids=["gain", "loss-with-thousands", "zero-has-no-sign", "count-up", "count-down"],
)
def test_differences_carry_their_sign(
    value: Decimal | int, currency: str | None, shown: str
) -> None:
    """Differences are shown with + or -, money rounded to the minor unit."""
    assert signed(value, currency) == shown
