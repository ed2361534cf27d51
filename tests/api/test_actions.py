"""``/v1/actions``: the day's list with filters, cursor pages and CSV; one action."""

from __future__ import annotations

import csv
import io
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


def get_list(client: TestClient, tokens: Tokens, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/v1/actions", params={**DATE, **params}, headers=tokens.headers("viewer")
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_list_is_stamped_with_the_policy_version(client: TestClient, tokens: Tokens) -> None:
    response = client.get("/v1/actions", params=DATE, headers=tokens.headers("viewer"))
    body = response.json()
    assert body["date"] == DAY.isoformat()
    assert body["total"] == 4
    assert response.headers["X-Total-Count"] == "4"
    assert response.headers["X-Policy-Version"] == body["policy_version"]["commit"]
    assert [(a["customer"]["id"], a["step"]) for a in body["items"]] == [
        ("KEST-0003", "second-reminder"),
        ("TEST-0001", "second-reminder"),
        ("TEST-0001", "call"),
        ("TEST-0002", "first-reminder"),
    ]
    email = body["items"][-1]
    assert email["totals"] == {"GBP": "500.00"}
    assert email["message"]["subject"]
    assert "Test Two Ltd" in email["message"]["body"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "phone"}, [("TEST-0001", "call")]),
        ({"channel": "email", "customer": "TEST-0001"}, [("TEST-0001", "second-reminder")]),
        (
            {"step": ["call", "first-reminder"]},
            [("TEST-0001", "call"), ("TEST-0002", "first-reminder")],
        ),
        ({"owner": "sales-priya"}, [("KEST-0003", "second-reminder")]),
        ({"customer": "NOBODY"}, []),
    ],
    ids=["kind", "channel-and-customer", "two-steps", "owner", "no-match"],
)
def test_filters(
    client: TestClient, tokens: Tokens, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    body = get_list(client, tokens, **params)
    assert [(a["customer"]["id"], a["step"]) for a in body["items"]] == expected
    assert body["total"] == len(expected)


def test_cursor_pages_cover_the_list_once(client: TestClient, tokens: Tokens) -> None:
    everything = [a["id"] for a in get_list(client, tokens)["items"]]
    seen, cursor = [], None
    while True:
        params = {"limit": 3} if cursor is None else {"limit": 3, "cursor": cursor}
        page = get_list(client, tokens, **params)
        assert page["total"] == 4
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


def test_a_bad_cursor_is_a_field_problem(client: TestClient, tokens: Tokens) -> None:
    response = client.get(
        "/v1/actions", params={**DATE, "cursor": "not-a-cursor"}, headers=tokens.headers("viewer")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.cursor"


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"format": "csv"}, {}),
        ({}, {"Accept": "text/csv"}),
        ({}, {"Accept": "application/json;q=0.5, text/csv"}),
    ],
    ids=["format-param", "accept", "accept-q"],
)
def test_csv(
    client: TestClient, tokens: Tokens, params: dict[str, str], headers: dict[str, str]
) -> None:
    response = client.get(
        "/v1/actions", params={**DATE, **params}, headers={**tokens.headers("viewer"), **headers}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["step"] for row in rows] == [
        "second-reminder",
        "second-reminder",
        "call",
        "first-reminder",
    ]
    assert {row["policy_version"] for row in rows} == {response.headers["X-Policy-Version"]}


def test_json_wins_when_preferred(client: TestClient, tokens: Tokens) -> None:
    response = client.get(
        "/v1/actions",
        params=DATE,
        headers={**tokens.headers("viewer"), "Accept": "text/csv;q=0.1, application/json"},
    )
    assert response.headers["content-type"] == "application/json"


def test_one_action(client: TestClient, tokens: Tokens) -> None:
    first = get_list(client, tokens, kind="phone")["items"][0]
    response = client.get(
        f"/v1/actions/{first['id']}", params=DATE, headers=tokens.headers("viewer")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["action"] == first
    assert body["policy_version"]["commit"] == response.headers["X-Policy-Version"]


def test_an_unknown_action_is_not_found(client: TestClient, tokens: Tokens) -> None:
    response = client.get("/v1/actions/act_nope", params=DATE, headers=tokens.headers("viewer"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "urn:dunning:problem:not-found"


def test_the_list_is_computed_once_per_state(client: TestClient, tokens: Tokens) -> None:
    for _ in range(3):
        get_list(client, tokens)
    get_list(client, tokens, kind="phone")
    metrics = client.get("/metrics").text
    assert "dunning_action_list_computations_total 1.0" in metrics
    get_list(client, tokens, date="2026-11-24")
    assert "dunning_action_list_computations_total 2.0" in client.get("/metrics").text


def test_an_external_ledger_change_is_seen(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    from sqlalchemy import insert

    from store.models import customers

    assert get_list(client, tokens)["total"] == 4
    with engine.begin() as conn:
        conn.execute(insert(customers).values(id="TEST-0009", name="New", country="GB"))
    get_list(client, tokens)
    assert "dunning_action_list_computations_total 2.0" in client.get("/metrics").text


def test_a_date_too_far_away_is_refused(client: TestClient, tokens: Tokens) -> None:
    """Before the first date the ledger holds (1900-01-01, engine.model.ledger_fields)."""
    response = client.get(
        "/v1/actions", params={"date": "1899-12-31"}, headers=tokens.headers("viewer")
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.date"
