"""``/v1/reports/...``: the portfolio reports over the ledger database, JSON and CSV.

The ledger of tests/api/ledger_data.py on 23 Nov 2026: GBP 8,400.00 open (INV-1002 is 300.00 less
100.00 paid); the 90 days from 26 Aug hold GBP 4,500.00 of invoices (INV-3001 is older), so the
DSO is 8,400 / 4,500 x 90 = 168.00 days.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed


@pytest.fixture(autouse=True)
def _ledger(engine: Engine) -> None:
    seed(engine)


def get(client: TestClient, tokens: Tokens, path: str, **params: str) -> dict[str, Any]:
    response = client.get(path, params=params, headers=tokens.headers("viewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_aging_report_sums_the_ledger_per_currency_and_customer(
    client: TestClient, tokens: Tokens
) -> None:
    body = get(client, tokens, "/v1/reports/aging", date=DAY.isoformat())
    [gbp] = body["currencies"]
    assert (gbp["currency"], gbp["total"], gbp["invoices"], gbp["customers"]) == (
        "GBP",
        "8400.00",
        5,
        4,
    )
    assert sum(int(b["invoices"]) for b in gbp["buckets"]) == 5
    assert body["customers"][0]["customer_id"] == "KEST-0003"  # largest first
    assert body["definition"].startswith("Aged by days past the due date")


def test_dso_report(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/v1/reports/dso", date=DAY.isoformat())
    [gbp] = body["currencies"]
    assert (body["from"], gbp["credit_sales"], gbp["receivables"], gbp["dso"]) == (
        "2026-08-26",
        "4500.00",
        "8400.00",
        "168.00",
    )


def test_reports_as_csv(client: TestClient, tokens: Tokens) -> None:
    response = client.get(
        "/v1/reports/aging",
        params={"date": DAY.isoformat(), "format": "csv"},
        headers=tokens.headers("viewer"),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("Customer,Name,Currency,Not due,")
    assert lines[1].startswith("(all),4 customers,GBP,")


def test_cei_period_must_be_in_order(client: TestClient, tokens: Tokens) -> None:
    response = client.get(
        "/v1/reports/cei",
        params={"from": "2026-11-30", "to": "2026-11-01"},
        headers=tokens.headers("viewer"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = get(client, tokens, "/v1/reports/cei", **{"from": "2026-11-01", "to": "2026-11-23"})
    assert body["currencies"][0]["beginning_receivables"] == "8500.00"  # before PAY-1


def test_reports_need_a_token(client: TestClient) -> None:
    assert client.get("/v1/reports/aging").status_code == 401
