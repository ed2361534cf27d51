"""Errors are RFC 9457 problem documents, with field paths, and never leak internals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Tokens


def test_unknown_route(client: TestClient) -> None:
    response = client.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:dunning:problem:not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "Not Found",
        "instance": f"urn:uuid:{response.headers['X-Request-ID']}",
    }


def test_wrong_method(client: TestClient) -> None:
    response = client.delete("/v1/policy")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "query.limit"),
        ("limit=x", "query.limit"),
        ("kind=fax", "query.kind[0]"),
        ("date=2026-13-01", "query.date"),
    ],
    ids=["limit-too-small", "limit-not-a-number", "unknown-kind", "bad-date"],
)
def test_query_errors_name_the_field(
    client: TestClient, tokens: Tokens, query: str, field: str
) -> None:
    response = client.get(f"/v1/actions?{query}", headers=tokens.headers("viewer"))
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:dunning:problem:invalid-request"
    assert problem["errors"][0]["field"] == field
    assert "pointer" not in problem["errors"][0]
    assert "input" not in problem["errors"][0]


def test_body_errors_carry_a_json_pointer(client: TestClient, tokens: Tokens) -> None:
    response = client.post(
        "/v1/ledger/payments",
        json={
            "rows": [
                {
                    "id": "P",
                    "customer": "C",
                    "date": "2026-01-01",
                    "currency": "GBP",
                    "amount": "1",
                },
                {"id": "Q", "customer": "C", "date": "x", "currency": "GBP", "amount": "1"},
            ]
        },
        headers=tokens.headers("admin"),
    )
    assert response.status_code == 422
    # Row 0's values are good but its customer is not in the ledger; row 1's date is no date.
    assert [(e["field"], e["pointer"]) for e in response.json()["errors"]] == [
        ("body.rows[0].customer", "/rows/0/customer"),
        ("body.rows[1].date", "/rows/1/date"),
    ]


def test_malformed_json(client: TestClient, tokens: Tokens) -> None:
    response = client.post(
        "/v1/ledger/invoices",
        content=b'{"rows": [',
        headers={**tokens.headers("admin"), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "json_invalid"


def test_an_unexpected_failure_is_a_bare_500(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("api.routers.policy.policy_to_dict", explode)
    failing = TestClient(client.app, raise_server_exceptions=False)
    response = failing.get("/v1/policy", headers=tokens.headers("viewer"))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "secret" not in response.text
    assert response.json()["type"] == "urn:dunning:problem:internal-error"


def test_every_response_names_the_policy_version(client: TestClient, tokens: Tokens) -> None:
    version = client.get("/v1/policy", headers=tokens.headers("viewer")).json()["policy_version"]
    for path in (
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/policy",
        "/v1/nothing-here",
        "/v1/actions?limit=0",
    ):
        response = client.get(path, headers=tokens.headers("viewer"))
        assert response.headers["X-Policy-Version"] == version["commit"], path
        assert response.headers["X-Policy-Digest"] == version["digest"], path
