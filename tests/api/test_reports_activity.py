"""``/v1/reports/collectors``, ``/exposure`` and ``/summary`` over the ledger of
tests/api/ledger_data.py, with a week of work recorded on it:

- on 10 Nov Ann calls Test One about INV-1001 and records a promise of 500.00 by 18 Nov, which
  nothing pays: broken on 19 Nov;
- on 10 Nov the sender emails Test Two the first reminder for INV-2001, which 200.00 pays on
  20 Nov: cash within 14 days of the sender's contact, and cash collected in the week to 23 Nov.

Exposure: Hollins owes 2,500.00 on a 25,000.00 limit (10 %), Kestrel 4,000.00 on 250,000.00
(1.60 %): headroom 22,500.00 and 246,000.00; Test One (1,400.00) and Test Two (300.00 after
PAY-2) have no limit: 1,700.00.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed, seed_week_of_work
from tests.api.test_reports import get


@pytest.fixture(autouse=True)
def _ledger(engine: Engine) -> None:
    seed(engine)
    seed_week_of_work(engine)


def test_collectors_per_person(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/v1/reports/collectors", date=DAY.isoformat())
    assert (body["from"], body["to"], body["window_days"]) == ("2026-11-01", "2026-11-23", 14)
    people = {p["who"]: p for p in body["people"]}
    ann, sender = people["ann"], people["dunning send"]
    assert (ann["actions_worked"], ann["contacts"], ann["promises_made"]) == (1, 1, 1)
    assert (ann["promises_broken"], ann["kept_percent"]) == (1, "0.00")
    assert (sender["actions_worked"], sender["contacts"]) == (0, 1)
    assert sender["paid_within_window"] == {"GBP": "200.00"}


def test_collectors_as_csv_and_a_backwards_period(client: TestClient, tokens: Tokens) -> None:
    response = client.get("/v1/reports/collectors", params={"format": "csv"},
                          headers=tokens.headers("viewer"))  # fmt: skip
    assert response.status_code == 200
    assert response.text.splitlines()[0].startswith("Who,Actions worked,Contacts,")
    backwards = client.get(
        "/v1/reports/collectors", params={"from": "2026-11-30", "to": "2026-11-01"},
        headers=tokens.headers("viewer"),
    )  # fmt: skip
    assert backwards.status_code == 422


def test_exposure_against_credit_limits(client: TestClient, tokens: Tokens) -> None:
    body = get(client, tokens, "/v1/reports/exposure", date=DAY.isoformat())
    rows = [(c["customer_id"], c["exposure"], c["headroom"], c["used_percent"], c["over_limit"])
            for c in body["customers"]]  # fmt: skip
    assert rows == [
        ("HOLL-0002", "2500.00", "22500.00", "10.00", False),
        ("KEST-0003", "4000.00", "246000.00", "1.60", False),
    ]
    [gbp] = body["currencies"]
    assert (gbp["without_limit"], gbp["customers_without_limit"]) == ("1700.00", 2)
    # LAKE-0015's yearly review (last 30 Jun 2026) is not due yet.
    assert body["reviews_due"] == []


def test_summary_of_a_week(client: TestClient, tokens: Tokens) -> None:
    """The week of 17-23 Nov: 200.00 collected (none the week before); the promise broken on
    19 Nov is the week's; INV-2001 (500.00, due 19 Nov) falls overdue in the week and 200.00 of
    it is paid: overdue 7,900.00 on 16 Nov, 8,200.00 on 23 Nov, +300.00."""
    body = get(client, tokens, "/v1/reports/summary", period="week", to=DAY.isoformat())
    assert (body["from"], body["to"]) == ("2026-11-17", "2026-11-23")
    [now] = body["current"]["currencies"]
    [then] = body["previous"]["currencies"]
    assert (now["cash_collected"], then["cash_collected"]) == ("200.00", "0.00")
    assert (now["overdue_after"], now["overdue_change"]) == ("8200.00", "300.00")
    assert [b["customer_id"] for b in body["broken_promises"]] == ["TEST-0001"]
    assert body["largest_overdue"][0]["customer_id"] == "KEST-0003"
    assert (body["handoffs"], body["write_offs"], body["policy_changes"]) == ([], [], [])


def test_summary_as_markdown_html_and_pdf(client: TestClient, tokens: Tokens) -> None:
    def fetch(fmt: str) -> Any:
        response = client.get("/v1/reports/summary", params={"to": DAY.isoformat(), "format": fmt},
                              headers=tokens.headers("viewer"))  # fmt: skip
        assert response.status_code == 200, response.text
        return response

    markdown = fetch("markdown")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert markdown.text.startswith("# Management summary: week 2026-11-17 to 2026-11-23")
    assert "| Cash collected | GBP | GBP 200.00 | GBP 0.00 |" in markdown.text
    assert "<h2>Broken promises</h2>" in fetch("html").text
    assert fetch("pdf").content.startswith(b"%PDF")
