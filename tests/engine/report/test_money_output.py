"""Every output writes money with the currency's minor units (``"68.80"``, never ``"68.8"``; JPY
``"1200"``): one serialisation, ``engine.model.money.money_string``, in every reporter.

Minor units are ISO 4217's, as published by the ISO 4217 maintenance agency and carried by
Babel's CLDR data: 2 for EUR and GBP, 0 for JPY, 3 for KWD.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest

from engine.model.actions import Evaluation
from engine.model.money import money_string, money_strings
from engine.report.render import RenderContext, render_actions
from tests.engine.builders import account, invoice, make_policy, run

D = Decimal


# (id, amount as the ledger wrote it, currency, as JSON writes it)
MINOR_UNITS: list[tuple[str, str, str, str]] = [
    ("eur-one-decimal", "68.8", "EUR", "68.80"),
    ("eur-whole", "70", "EUR", "70.00"),
    ("gbp-two", "1234.25", "GBP", "1234.25"),
    ("jpy-none", "1200", "JPY", "1200"),
    ("jpy-written-with-decimals", "1200.00", "JPY", "1200"),
    ("kwd-three", "1.5", "KWD", "1.500"),
    ("negative-zero", "-0.00", "EUR", "0.00"),
    ("more-decimals-rounded-half-up", "0.125", "EUR", "0.13"),
]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [case[1:] for case in MINOR_UNITS],
    ids=[case[0] for case in MINOR_UNITS],
)
def test_money_string_writes_the_minor_units(amount: str, currency: str, expected: str) -> None:
    """One serialisation: exactly the currency's minor units, never ``-0.00``."""
    assert money_string(D(amount), currency) == expected


def test_money_strings_sorts_by_currency() -> None:
    """Amounts per currency keep the currency order every output uses."""
    assert money_strings({"JPY": D("5"), "EUR": D("1.1")}) == {"EUR": "1.10", "JPY": "5"}


def ledger_of_short_amounts() -> Evaluation:
    """An EUR invoice of 68.8 and a JPY invoice of 1200, both at their first reminder."""
    policy = make_policy()
    ledger = account(
        "C1",
        invoice("INV-E", "2026-01-01", "68.8", "EUR"),
        invoice("INV-Y", "2026-01-01", "1200", "JPY"),
    )
    return run(policy, ledger, on="2026-02-01")


def test_json_writes_minor_units_everywhere() -> None:
    """Invoice amounts, open amounts, action totals and list totals: "68.80" and "1200"."""
    data = json.loads(render_actions(ledger_of_short_amounts(), "json", RenderContext()))
    action = data["actions"][0]
    by_id = {inv["id"]: inv for inv in action["invoices"]}
    assert (by_id["INV-E"]["amount"], by_id["INV-E"]["open"]) == ("68.80", "68.80")
    assert (by_id["INV-Y"]["amount"], by_id["INV-Y"]["open"]) == ("1200", "1200")
    assert action["totals"] == {"EUR": "68.80", "JPY": "1200"}
    assert data["totals"]["open_by_currency"] == {"EUR": "68.80", "JPY": "1200"}


def test_csv_writes_minor_units() -> None:
    """CSV's open amounts are written as JSON writes them."""
    text = render_actions(ledger_of_short_amounts(), "csv", RenderContext())
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(row["currency"], row["open_amount"], row["charges"]) for row in rows} == {
        ("EUR", "68.80", "0.00"),
        ("JPY", "1200", "0"),
    }
