"""``GET /v1/customers/{id}``: balance and aging, the effective policy and who decided it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed

DATE = {"date": DAY.isoformat()}


@pytest.fixture(autouse=True)
def ledger(engine: Engine) -> None:
    seed(engine)


def customer(client: TestClient, tokens: Tokens, customer_id: str) -> dict[str, Any]:
    response = client.get(
        f"/v1/customers/{customer_id}", params=DATE, headers=tokens.headers("viewer")
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Policy-Version"] == response.json()["policy_version"]["commit"]
    body: dict[str, Any] = response.json()
    return body


def test_open_invoices_balance_and_aging(client: TestClient, tokens: Tokens) -> None:
    body = customer(client, tokens, "TEST-0001")
    assert body["customer"]["name"] == "Test One Ltd"
    assert [(i["id"], i["open"], i["due"], i["days_overdue"]) for i in body["open_invoices"]] == [
        ("INV-1001", "1200.00", "2026-11-02", 21),
        ("INV-1002", "200.00", "2026-11-04", 19),
    ]
    assert body["balance"] == {"GBP": "1400.00"}
    assert body["overdue"] == {"GBP": "1400.00"}
    aging = {bucket["bucket"]: (bucket["invoices"], bucket["amounts"]) for bucket in body["aging"]}
    assert aging == {
        "current": (0, {}),
        "1-30": (2, {"GBP": "1400.00"}),
        "31-60": (0, {}),
        "61-90": (0, {}),
        "over-90": (0, {}),
    }
    assert [a["step"] for a in body["actions"]] == ["second-reminder", "call"]


def test_effective_policy_says_which_layer_decided(client: TestClient, tokens: Tokens) -> None:
    policy = customer(client, tokens, "KEST-0003")["effective_policy"]
    assert policy["ladder"] == "strategic"
    assert policy["decided_by"]["ladder"].startswith("assignment rule 1")
    assert policy["terms"] == "net60"
    assert policy["decided_by"]["terms"] == "customer file customers/KEST-0003.yaml"
    assert policy["decided_by"]["tone"] == "policy defaults"
    assert policy["owner"] == "sales-priya"
    assert policy["exempt"] == ["interest"]
    assert policy["credit_limit"] == {"amount": "250000.00", "currency": "GBP"}


def test_suppressions_in_force(client: TestClient, tokens: Tokens) -> None:
    body = customer(client, tokens, "HOLL-0002")
    assert body["actions"] == []
    assert [(s["code"], s["until"]) for s in body["suppressions"]] == [("pause", "2027-01-31")]
    assert body["effective_policy"]["pause"]["until"] == "2027-01-31"


def test_an_unknown_customer_is_not_found(client: TestClient, tokens: Tokens) -> None:
    response = client.get("/v1/customers/NOBODY", params=DATE, headers=tokens.headers("viewer"))
    assert response.status_code == 404
    assert response.json()["type"] == "urn:dunning:problem:not-found"
