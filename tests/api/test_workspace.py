"""The workspace API: timeline, notes, payment plans and hand-overs, also under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from store.models import customer_notes, instalments, payment_plans
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed

DATE = {"date": DAY.isoformat()}
PLAN: dict[str, Any] = {
    "customer": "TEST-0002",
    "currency": "GBP",
    "invoices": ["INV-2001"],
    "instalments": [{"due": "2026-12-01", "amount": "250.00"},
                    {"due": "2027-01-01", "amount": "250.00"}],
    "note": "Two instalments agreed with their FD",
}


@pytest.fixture(autouse=True)
def ledger(engine: Engine) -> None:
    seed(engine)


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def timeline(client: TestClient, tokens: Tokens, customer: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/customers/{customer}/timeline", params=DATE,
                          headers=tokens.headers("viewer"))
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["entries"]
    return entries


def actions(client: TestClient, tokens: Tokens, customer: str) -> list[dict[str, Any]]:
    response = client.get("/v1/actions", params={**DATE, "customer": customer},
                          headers=tokens.headers("viewer"))
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_note_appears_on_the_timeline_with_who_wrote_it(
    client: TestClient, tokens: Tokens
) -> None:
    response = client.post("/v1/customers/TEST-0001/notes", params=DATE,
                           json={"text": "AP says the cheque is in the post", "key": "n-1"},
                           headers=tokens.headers("collector"))
    assert response.status_code == 201, response.text
    assert response.json()["who"] == "test-collector"
    again = client.post("/v1/customers/TEST-0001/notes", params=DATE,
                        json={"text": "AP says the cheque is in the post", "key": "n-1"},
                        headers=tokens.headers("collector"))
    assert again.status_code == 200
    assert again.json()["created"] is False
    notes = [e for e in timeline(client, tokens, "TEST-0001") if e["kind"] == "note"]
    assert [(n["detail"], n["who"], n["date"]) for n in notes] == [
        ("AP says the cheque is in the post", "test-collector", "2026-11-23")
    ]


def test_an_outcome_recorded_through_the_api_is_on_the_timeline(
    client: TestClient, tokens: Tokens
) -> None:
    action = actions(client, tokens, "TEST-0002")[0]
    client.post(f"/v1/actions/{action['id']}/outcome", params=DATE,
                json={"outcome": "done", "note": "Emailed the statement"},
                headers=tokens.headers("collector"))
    [entry] = timeline(client, tokens, "TEST-0002")
    assert (entry["kind"], entry["title"], entry["who"], entry["detail"], entry["status"]) == (
        "action", "Email 'first-reminder': done", "test-collector", "Emailed the statement", "done"
    )


@pytest.mark.parametrize(
    ("role", "status"), [(None, 401), ("viewer", 403)], ids=["no-token", "viewer"]
)
def test_writing_needs_the_collector_role(
    client: TestClient, tokens: Tokens, role: str | None, status: int
) -> None:
    for path, body in (("/v1/customers/TEST-0001/notes", {"text": "x"}),
                       ("/v1/payment-plans", PLAN)):
        response = client.post(path, params=DATE, json=body, headers=tokens.headers(role))
        assert response.status_code == status


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("/v1/customers/NOBODY/notes", {"text": "x"}, 404, None),
        ("/v1/customers/TEST-0001/notes", {"text": "   "}, 422, "body.text"),
        ("/v1/customers/TEST-0001/notes", {"text": ""}, 422, "body.text"),
        ("/v1/payment-plans", {**PLAN, "customer": "NOBODY"}, 404, None),
        ("/v1/payment-plans", {**PLAN, "invoices": ["INV-1001"]}, 422, "body.invoices[0]"),
        ("/v1/payment-plans",
         {**PLAN, "instalments": [{"due": "2026-11-01", "amount": "10.00"}]}, 422,
         "body.instalments[0].due"),
        ("/v1/payment-plans",
         {**PLAN, "instalments": [{"due": "2026-12-01", "amount": 10.5}]}, 422, None),
    ],
    ids=["unknown-customer", "blank-note", "empty-note", "plan-unknown-customer",
         "plan-other-customers-invoice", "instalment-before-agreed", "float-amount"],
)
def test_bad_writes_are_refused_clearly(  # noqa: PLR0917 - one parameter per column of the table
    client: TestClient, tokens: Tokens, path: str, body: dict[str, Any], status: int,
    field: str | None,
) -> None:
    response = client.post(path, params=DATE, json=body, headers=tokens.headers("collector"))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in [e["field"] for e in response.json()["errors"]]


def test_a_payment_plan_holds_its_invoices_back_while_kept(
    client: TestClient, tokens: Tokens
) -> None:
    assert actions(client, tokens, "TEST-0002") != []
    response = client.post("/v1/payment-plans", params=DATE, json=PLAN,
                           headers=tokens.headers("collector"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["agreed"], body["who"], body["instalments"][0]) == (
        "2026-11-23", "test-collector", {"due": "2026-12-01", "amount": "250.00"}
    )
    assert actions(client, tokens, "TEST-0002") == []
    again = client.post("/v1/payment-plans", params=DATE, json=PLAN,
                        headers=tokens.headers("collector"))
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    other = client.post("/v1/payment-plans", params=DATE,
                        json={**PLAN, "id": body["id"], "instalments": PLAN["instalments"][:1]},
                        headers=tokens.headers("collector"))
    assert other.status_code == 409
    [entry] = [e for e in timeline(client, tokens, "TEST-0002") if e["kind"] == "plan"]
    assert entry["who"] == "test-collector"
    assert "GBP 250.00 by 2026-12-01" in entry["detail"]


def test_handing_an_action_over_puts_it_in_the_timeline(
    client: TestClient, tokens: Tokens
) -> None:
    action = actions(client, tokens, "TEST-0002")[0]
    response = client.post(f"/v1/actions/{action['id']}/assignee", params=DATE,
                           json={"assignee": "omar", "note": "He knows them", "key": "h-1"},
                           headers=tokens.headers("collector"))
    assert response.status_code == 201, response.text
    assert response.json()["assignee"] == "omar"
    missing = client.post("/v1/actions/act_unknown/assignee", params=DATE,
                          json={"assignee": "omar"}, headers=tokens.headers("collector"))
    assert missing.status_code == 404
    [entry] = timeline(client, tokens, "TEST-0002")
    assert (entry["title"], entry["who"], entry["detail"]) == (
        "Action 'first-reminder' handed to omar", "test-collector", "He knows them"
    )


def test_the_timeline_of_an_unknown_customer_is_not_found(
    client: TestClient, tokens: Tokens
) -> None:
    response = client.get("/v1/customers/NOBODY/timeline", params=DATE,
                          headers=tokens.headers("viewer"))
    assert response.status_code == 404


def test_many_clients_writing_at_once_get_no_error_and_lose_nothing(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    clients = 8
    barrier = threading.Barrier(clients)

    def write(n: int) -> tuple[int, int]:
        barrier.wait(timeout=30)
        note = client.post("/v1/customers/TEST-0001/notes", params=DATE,
                           json={"text": f"note {n // 2}", "key": f"k-{n // 2}"},
                           headers=tokens.headers("collector"))
        plan = client.post("/v1/payment-plans", params=DATE, json=PLAN,
                           headers=tokens.headers("collector"))
        return note.status_code, plan.status_code

    with ThreadPoolExecutor(clients) as pool:
        codes = list(pool.map(write, range(clients)))
    assert sorted(n for n, _ in codes) == [200] * (clients // 2) + [201] * (clients // 2)
    assert sorted(p for _, p in codes) == [200] * (clients - 1) + [201]
    assert _count(engine, customer_notes) == clients // 2
    assert (_count(engine, payment_plans), _count(engine, instalments)) == (1, 2)
