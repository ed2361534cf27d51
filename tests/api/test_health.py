"""``/healthz``, ``/readyz`` and ``/metrics``: for the orchestrator and Prometheus, no token."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import ApiSettings
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed


def test_health(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready(client: TestClient) -> None:
    body = client.get("/readyz").json()
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert body["policy_version"]["source"] == "git"


def test_not_ready_without_a_database(settings: ApiSettings, tmp_path: Path) -> None:
    broken = ApiSettings(
        database_url=f"sqlite:///{tmp_path / 'missing' / 'ledger.db'}", repo=settings.repo
    )
    with TestClient(create_app(broken)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.usefixtures("tokens")
def test_metrics(client: TestClient, tokens: Tokens, engine: Engine) -> None:
    seed(engine)
    params = {"date": DAY.isoformat()}
    client.get("/v1/actions", params=params, headers=tokens.headers("viewer"))
    client.get("/v1/actions", params=params, headers=tokens.headers("viewer"))
    client.get("/v1/customers/TEST-0001", params=params)

    response = client.get("/metrics")

    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'dunning_http_requests_total{method="GET",route="/v1/actions",status="200"} 2.0' in text
    assert (
        'dunning_http_requests_total{method="GET",route="/v1/customers/{customer_id}",'
        'status="401"} 1.0'
    ) in text
    assert (
        'dunning_http_request_duration_seconds_bucket{le="0.5",method="GET",route="/v1/actions"}'
    ) in text
    assert "dunning_action_list_computations_total 1.0" in text
    assert "dunning_action_list_cache_hits_total" in text
    assert 'dunning_policy_version_info{commit="' in text
    assert "dunning_policy_reload_failed 0.0" in text
    assert "TEST-0001" not in text
