"""Bounds on every value, wherever it comes from (docs/rules/dates-and-money.md, "Bounds").

Worked examples: an invoice dated 0001-01-01 was listed as 739,912 days overdue; `--date
9999-12-31` crashed; a promise to pay by 9999-12-31 silenced an invoice for good; ten payments of
99,999,999,999,999.99 overflowed SQLite's SUM, which stops at 2^63 - 1 (SQLite, "Built-in
Aggregate Functions": sum() throws an "integer overflow" exception,
https://www.sqlite.org/lang_aggfunc.html). A Unix timestamp, 1700000000 seconds after
1970-01-01 00:00 UTC (POSIX, "Seconds Since the Epoch"), is 2023-11-14: the refusal says so.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dunning.cli import main
from engine.load.ledger_file import ledger_from_data
from engine.model.ledger_fields import Invalid, read_amount, read_date
from store.imports import import_rows
from store.reader import load_snapshot
from tests.api.conftest import ROOT, Tokens
from tests.api.ledger_data import DAY, seed

INVOICE = {"id": "INV-1", "customer": "C1", "issued": "2026-09-01", "amount": "100.00",
           "currency": "GBP"}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("0001-01-01", "is outside the dates the ledger holds, 1900-01-01 to 2199-12-31"),
        ("9999-12-31", "is outside the dates the ledger holds, 1900-01-01 to 2199-12-31"),
        ("1899-12-31", "is outside the dates the ledger holds, 1900-01-01 to 2199-12-31"),
        ("1700000000", "is a Unix timestamp, not a date: write the date as YYYY-MM-DD, e.g."
                       " 2023-11-14"),
        ("1700000000000", "is a Unix timestamp, not a date: write the date as YYYY-MM-DD, e.g."
                          " 2023-11-14"),
    ],
    ids=["year-1", "year-9999", "1899", "seconds", "milliseconds"],
)  # fmt: skip
def test_a_date_out_of_bounds_or_a_timestamp_is_refused(value: str, words: str) -> None:
    read = read_date(value)
    assert isinstance(read, Invalid)
    assert (read.code, read.rule) == ("L005", words)
    assert read_date("1900-01-01") == date(1900, 1, 1)
    assert read_date("2199-12-31") == date(2199, 12, 31)


def test_a_ledger_file_refuses_them_in_place() -> None:
    data = {"invoices": [{**INVOICE, "issued": "0001-01-01"}, {**INVOICE, "id": "INV-2",
                                                              "issued": 1700000000}]}  # fmt: skip
    snapshot, problems = ledger_from_data(data, "ledger.yaml")
    assert snapshot is None
    assert [(p.code, p.path, p.message) for p in problems] == [
        ("L005", "invoices[0].issued", "invoices[0].issued '0001-01-01' is outside the dates"
                                       " the ledger holds, 1900-01-01 to 2199-12-31"),
        ("L005", "invoices[1].issued", "invoices[1].issued 1700000000 is a Unix timestamp, not a"
                                       " date: write the date as YYYY-MM-DD, e.g. 2023-11-14"),
    ]  # fmt: skip


def test_amounts_stay_below_one_trillion() -> None:
    assert read_amount("999999999999.99") == Decimal("999999999999.99")
    too_large = read_amount("99999999999999.99")
    assert isinstance(too_large, Invalid)
    assert too_large.rule == "is too large for the ledger (up to 12 digits before the point)"


def test_the_largest_amounts_sum_on_every_backend(engine: Engine) -> None:
    """Ten payments of the largest amount on one invoice: read, summed and listed, no overflow."""
    largest = "999999999999.99"
    rows: dict[str, list[dict[str, str]]] = {
        "customers": [{"id": "C1"}],
        "invoices": [{**INVOICE, "amount": largest}],
        "payments": [{"id": f"PAY-{n}", "customer": "C1", "date": "2026-10-01",
                      "amount": "99999999999.99", "currency": "GBP", "invoice": "INV-1"}
                     for n in range(10)],
        "credit-notes": [{"id": f"CN-{n}", "customer": "C1", "date": "2026-10-01",
                          "amount": largest, "currency": "GBP"} for n in range(10)],
    }  # fmt: skip
    with engine.connect() as conn:
        for kind, kind_rows in rows.items():
            assert import_rows(conn, kind, kind_rows, "bounds").ok
        conn.commit()
    ledger = load_snapshot(engine, ["C1"], date(2026, 10, 2)).customers[0]
    assert ledger.invoices[0].settled == Decimal("999999999999.90")
    assert sum(c.amount for c in ledger.unapplied) == Decimal("9999999999999.90")


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("9999-12-31", "9999-12-31 is outside the dates the ledger holds"),
        ("1700000000", "'1700000000' is a Unix timestamp, not a date: write the date as"
                       " YYYY-MM-DD, e.g. 2023-11-14"),
    ],
    ids=["far-future", "timestamp"],
)  # fmt: skip
def test_the_date_option_refuses_them_without_a_traceback(
    tmp_path: Path, value: str, words: str
) -> None:
    ledger = tmp_path / "ledger.yaml"
    ledger.write_text("apiVersion: dunning/v1\nkind: Ledger\n", encoding="utf-8")
    args = ["actions", "--policy", str(ROOT), "--ledger", str(ledger), "--date", value]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 2
    assert words in result.output


def test_a_promise_to_pay_by_9999_is_refused(
    engine: Engine, client: TestClient, tokens: Tokens
) -> None:
    seed(engine)
    params = {"date": DAY.isoformat()}
    listed: list[dict[str, Any]] = client.get(
        "/v1/actions", params={**params, "kind": "phone"}, headers=tokens.headers("viewer")
    ).json()["items"]
    response = client.post(
        f"/v1/actions/{listed[0]['id']}/outcome",
        params=params,
        json={"outcome": "promise", "pay_by": "9999-12-31", "amount": "10.00"},
        headers=tokens.headers("collector"),
    )
    assert response.status_code == 422, response.text
    assert "outside the dates the ledger holds" in response.text


@pytest.mark.parametrize(
    ("value", "status"),
    [("1899-12-31", 422), ("1900-01-01", 200), ("2199-12-31", 200), ("2200-01-01", 422)],
)
def test_the_api_date_parameter_follows_the_ledgers_rule(
    engine: Engine, client: TestClient, tokens: Tokens, value: str, status: int
) -> None:
    """``?date=`` takes the dates the ledger holds, 1900-01-01 to 2199-12-31 (the engine's
    ``check_day``, as the CLI's ``--date`` and every import do), and refuses the others with its
    words; the API no longer keeps narrower years of its own."""
    seed(engine)
    response = client.get("/v1/actions", params={"date": value}, headers=tokens.headers("viewer"))
    assert response.status_code == status, response.text
    if status == 422:
        problem = response.json()
        assert problem["detail"] == (
            f"date {value} is outside the dates the ledger holds, 1900-01-01 to 2199-12-31"
        )
        assert problem["errors"][0]["field"] == "query.date"
