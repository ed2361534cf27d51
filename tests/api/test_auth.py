"""Every endpoint, every role: 401 without a valid token, 403 for a role too low, else admitted."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from store.tokens import revoke_token
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed

DATE = f"date={DAY.isoformat()}"
OUTCOME = "/v1/actions/{action}/outcome?" + DATE
INVOICE = {
    "id": "INV-9001",
    "customer": "TEST-0002",
    "issued": "2026-11-01",
    "amount": "10.00",
    "currency": "GBP",
}

# (method, path, body, the lowest role admitted; None: open to anyone)
ENDPOINTS: list[tuple[str, str, Any, str | None]] = [
    ("GET", "/v1/actions?" + DATE, None, "viewer"),
    ("GET", "/v1/actions/{action}?" + DATE, None, "viewer"),
    ("POST", OUTCOME, {"outcome": "done"}, "collector"),
    ("GET", "/v1/customers/TEST-0001?" + DATE, None, "viewer"),
    ("GET", "/v1/policy", None, "viewer"),
    ("POST", "/v1/policy/reload", None, "admin"),
    ("POST", "/v1/ledger/customers", {"rows": [{"id": "TEST-0009", "name": "Nine"}]}, "admin"),
    ("POST", "/v1/ledger/invoices", {"rows": [INVOICE]}, "admin"),
    (
        "POST",
        "/v1/ledger/payments",
        {
            "rows": [
                {
                    "id": "PAY-9",
                    "customer": "TEST-0002",
                    "date": "2026-11-20",
                    "amount": "5.00",
                    "currency": "GBP",
                    "invoice": "INV-2001",
                }
            ]
        },
        "admin",
    ),
    (
        "POST",
        "/v1/ledger/credit-notes",
        {
            "rows": [
                {
                    "id": "CN-9",
                    "customer": "TEST-0002",
                    "date": "2026-11-20",
                    "amount": "5.00",
                    "currency": "GBP",
                }
            ]
        },
        "admin",
    ),
    (
        "POST",
        "/v1/ledger/disputes",
        {
            "rows": [
                {
                    "id": "D-9",
                    "invoice": "INV-2001",
                    "opened": "2026-11-20",
                    "reason": "Short delivery",
                }
            ]
        },
        "admin",
    ),
    ("GET", "/healthz", None, None),
    ("GET", "/readyz", None, None),
    ("GET", "/metrics", None, None),
]
CALLERS = [None, "wrong", "viewer", "collector", "admin"]
RANK = {"viewer": 0, "collector": 1, "admin": 2}


def expected(caller: str | None, needed: str | None) -> str:
    if needed is None:
        return "admitted"
    if caller is None or caller == "wrong":
        return "401"
    return "admitted" if RANK[caller] >= RANK[needed] else "403"


@pytest.fixture(autouse=True)
def ledger(engine: Engine) -> None:
    seed(engine)


def call(client: TestClient, method: str, path: str, body: Any, headers: dict[str, str]) -> Any:
    if "{action}" in path:
        listing = client.get(
            "/v1/actions?" + DATE + "&customer=TEST-0002",
            headers={"Authorization": headers.get("X-Lister", "")},
        )
        path = path.format(action=listing.json()["items"][0]["id"])
    headers = {k: v for k, v in headers.items() if k != "X-Lister"}
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: f"as-{c}")
@pytest.mark.parametrize(
    ("method", "path", "body", "needed"),
    ENDPOINTS,
    ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in ENDPOINTS],
)
def test_roles(
    *,
    client: TestClient,
    tokens: Tokens,
    method: str,
    path: str,
    body: Any,
    needed: str | None,
    caller: str | None,
) -> None:
    headers = {"X-Lister": f"Bearer {tokens.viewer}"}
    if caller == "wrong":
        headers["Authorization"] = "Bearer dun_not-a-real-token"
    elif caller is not None:
        headers.update(tokens.headers(caller))

    response = call(client, method, path, body, headers)

    outcome = expected(caller, needed)
    if outcome == "401":
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.headers["content-type"] == "application/problem+json"
    elif outcome == "403":
        assert response.status_code == 403
        assert response.json()["type"] == "urn:dunning:problem:forbidden"
        assert needed is not None and needed in response.json()["detail"]
    else:
        assert response.status_code in (200, 201), response.text


def test_a_revoked_token_is_refused(client: TestClient, tokens: Tokens, engine: Engine) -> None:
    assert client.get("/v1/policy", headers=tokens.headers("viewer")).status_code == 200
    with engine.begin() as conn:
        revoke_token(conn, "test-viewer")
    assert client.get("/v1/policy", headers=tokens.headers("viewer")).status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "dun_token-without-scheme"],
    ids=["basic", "no-token", "empty-token", "no-scheme"],
)
def test_malformed_authorization_is_401(client: TestClient, header: str) -> None:
    response = client.get("/v1/policy", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_never_reach_the_log(
    client: TestClient, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    client.get("/v1/customers/TEST-0001?" + DATE, headers=tokens.headers("viewer"))
    client.get("/v1/policy", headers={"Authorization": "Bearer dun_wrong-secret-value"})
    # The service's own log; the test client (httpx) logs what it sent on its side.
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert tokens.viewer not in text
    assert "wrong-secret-value" not in text
    assert "TEST-0001" not in text
    assert "Test One Ltd" not in text
    assert "GET /v1/customers/{customer_id} 200" in text
