"""``/v1/reports/...``: the portfolio reports over the ledger database, JSON and CSV.

The ledger of tests/api/ledger_data.py on 23 Nov 2026: GBP 8,400.00 open (INV-1002 is 300.00 less
100.00 paid); the 90 days from 26 Aug hold GBP 4,500.00 of invoices (INV-3001 is older), so the
DSO is 8,400 / 4,500 x 90 = 168.00 days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from engine.load.policy_loader import load_policy
from store.outcomes import record_outcome
from store.snapshots import write_daily_snapshot
from tests.api.conftest import ROOT, Tokens
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


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/reports/cei", {"from": "0001-01-01", "to": "2000-01-01"}),  # found by schemathesis
        ("/v1/reports/cei", {"from": "2026-11-01", "to": "2200-01-01"}),
        ("/v1/reports/effectiveness", {"from": "1899-12-31"}),
        ("/v1/reports/summary", {"to": "0001-01-07"}),
    ],
)
def test_report_days_are_the_ledgers_days(
    client: TestClient, tokens: Tokens, path: str, params: dict[str, str]
) -> None:
    """``from`` and ``to`` take the dates a ledger holds (1900-01-01 to 2199-12-31, the engine's
    rule, as ``date`` does): a day outside is refused with a problem naming the parameter, never
    a 500 from a day before the first the calendar has."""
    response = client.get(path, params=params, headers=tokens.headers("viewer"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["field"] in ("query.from", "query.to")
    assert error["code"] == "date_range"


def test_reports_need_a_token(client: TestClient) -> None:
    assert client.get("/v1/reports/aging").status_code == 401


def test_trend_reads_the_daily_snapshots(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    policy = load_policy([ROOT]).policy
    assert policy is not None
    write_daily_snapshot(engine, policy, DAY)
    body = get(client, tokens, "/v1/reports/trend", date=DAY.isoformat())
    assert (body["from"], body["to"]) == ("2026-10-25", "2026-11-23")
    assert len(body["missing_days"]) == 29
    [gbp] = body["currencies"]
    # Every invoice of the test ledger is past its due date on 23 Nov.
    assert gbp["points"] == [
        {
            "day": "2026-11-23",
            "total": "8400.00",
            "current": "0.00",
            "overdue": "8400.00",
            "overdue_percent": "100.00",
        }
    ]


def test_effectiveness_counts_the_steps_of_the_action_log(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    """A reminder sent on 10 Nov before the policy repository's first commit (made today) is
    read with the policy in force now, labelled "current"."""
    with engine.connect() as conn:
        record_outcome(conn, action_id="act-1", customer_id="TEST-0002", step="first-reminder",
                       invoice_ids=["INV-2001"], date=date(2026, 11, 10), status="sent")
        conn.commit()
    body = get(client, tokens, "/v1/reports/effectiveness", date=DAY.isoformat())
    assert body["from"] == "2026-08-26"
    assert [v["version"] for v in body["versions"]] == ["current"]
    steps = [r for r in body["rows"] if r["dimension"] == "step"]
    assert [(r["value"], r["reached"]) for r in steps] == [("standard/first-reminder", 1)]
    assert steps[0]["paid_within"]["7"] == {"observed": 1, "paid": 0, "percent": "0.00"}


def test_experiments_report_lists_none_when_the_policy_has_none(
    client: TestClient, tokens: Tokens
) -> None:
    """The project's policy declares no experiment: the report says so with an empty list."""
    body = get(client, tokens, "/v1/reports/experiments", date=DAY.isoformat(), window="7")
    assert (body["report"], body["window_days"], body["experiments"]) == ("experiments", 7, [])
    assert "Wilson" in body["definition"]
