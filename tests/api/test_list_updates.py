"""A list brought up to date customer by customer is the list a full evaluation gives.

After outcomes recorded through the API, the service evaluates only the customers written to
(``api.ledger_state``, ``api.action_lists``); outcomes recorded by another process are found in
the action log at the next ledger check and handled the same way; an import (anything that does
not name its customers) makes the next list a full evaluation.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api import action_pages
from api.app import create_app
from api.settings import ApiSettings
from store.imports import import_rows
from store.outcomes import record_outcome
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed, seed_overdue

DATE = {"date": DAY.isoformat()}


@pytest.fixture(autouse=True)
def ledger(engine: Engine) -> None:
    seed(engine)
    seed_overdue(engine, 12)


def listing(client: TestClient, tokens: Tokens) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/actions", params={**DATE, "limit": 1000}, headers=tokens.headers("viewer")
    )
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def metric(client: TestClient, name: str) -> float:
    found = re.search(rf"^{name} ([0-9.]+)$", client.get("/metrics").text, re.MULTILINE)
    assert found is not None, name
    return float(found.group(1))


# Filters a collector's tabs use: their selections and totals are carried over customer by
# customer too.
FILTERED: list[dict[str, str | list[str]]] = [
    {},
    {"kind": "email"},
    {"kind": ["letter", "phone"]},
    {"customer": "LOAD-0002"},
]


def pages(client: TestClient, tokens: Tokens) -> list[dict[str, Any]]:
    """Return the whole first page (totals included) of the list under each of ``FILTERED``."""
    out = []
    for filters in FILTERED:
        response = client.get(
            "/v1/actions",
            params={**DATE, "limit": 1000, **filters},
            headers=tokens.headers("viewer"),
        )
        assert response.status_code == 200
        page = response.json()
        del page["policy_version"]["loaded_at"]  # when each app loaded it
        out.append(page)
    return out


def fresh_pages(settings: ApiSettings, tokens: Tokens) -> list[dict[str, Any]]:
    with TestClient(create_app(settings)) as other:
        return pages(other, tokens)


def fresh(settings: ApiSettings, tokens: Tokens) -> list[dict[str, Any]]:
    with TestClient(create_app(settings)) as other:
        return listing(other, tokens)


def post(client: TestClient, tokens: Tokens, action_id: str, body: dict[str, Any]) -> int:
    response = client.post(
        f"/v1/actions/{action_id}/outcome",
        params=DATE,
        json=body,
        headers=tokens.headers("collector"),
    )
    status: int = response.status_code
    return status


def test_outcomes_update_the_list_as_a_full_evaluation_would(
    client: TestClient, tokens: Tokens, settings: ApiSettings
) -> None:
    before = listing(client, tokens)
    by_customer = {a["customer"]["id"]: a["id"] for a in before}
    written = [
        (by_customer["LOAD-0001"], {"outcome": "done"}),
        (by_customer["LOAD-0002"], {"outcome": "failed", "note": "No answer"}),
        (by_customer["LOAD-0003"], {"outcome": "skipped"}),
        (by_customer["TEST-0002"], {"outcome": "dispute", "invoice": "INV-2001", "reason": "x"}),
        (
            by_customer["TEST-0001"],
            {"outcome": "promise", "pay_by": "2026-12-04", "amount": "100.00"},
        ),
    ]
    pages(client, tokens)  # the filtered selections and their totals worked out once
    for action_id, body in written:
        assert post(client, tokens, action_id, body) == 201
        assert listing(client, tokens) == fresh(settings, tokens)
        assert pages(client, tokens) == fresh_pages(settings, tokens)

    assert metric(client, "dunning_action_list_computations_total") == 1
    assert metric(client, "dunning_action_list_updates_total") == len(written)


def test_outcomes_recorded_by_another_process_are_seen(
    client: TestClient, tokens: Tokens, settings: ApiSettings, engine: Engine
) -> None:
    action = next(a for a in listing(client, tokens) if a["customer"]["id"] == "LOAD-0004")
    with engine.connect() as conn:
        record_outcome(
            conn,
            action_id=action["id"],
            customer_id="LOAD-0004",
            step=action["step"],
            invoice_ids=[i["id"] for i in action["invoices"]],
            date=DAY,
            status="done",
            who="another service",
        )

    after = listing(client, tokens)

    assert action["id"] not in {a["id"] for a in after}
    assert after == fresh(settings, tokens)
    assert metric(client, "dunning_action_list_computations_total") == 1


def test_an_import_makes_the_next_list_a_full_evaluation(
    client: TestClient, tokens: Tokens, settings: ApiSettings, engine: Engine
) -> None:
    listing(client, tokens)
    with engine.begin() as conn:
        rows = [
            {
                "id": "PAY-LOAD-0005",
                "customer": "LOAD-0005",
                "date": "2026-11-20",
                "amount": "250.00",
                "currency": "GBP",
                "invoice": "INV-LOAD-0005",
            }
        ]
        assert not import_rows(conn, "payments", rows, "test").problems

    after = listing(client, tokens)

    assert "LOAD-0005" not in {a["customer"]["id"] for a in after}
    assert after == fresh(settings, tokens)
    assert metric(client, "dunning_action_list_computations_total") == 2


def test_lists_of_other_days_are_brought_up_to_date_too(
    client: TestClient, tokens: Tokens, settings: ApiSettings
) -> None:
    tomorrow = {"date": date(2026, 11, 24).isoformat(), "limit": 1000}
    viewer = tokens.headers("viewer")
    client.get("/v1/actions", params=tomorrow, headers=viewer)
    action = next(a for a in listing(client, tokens) if a["customer"]["id"] == "LOAD-0006")
    assert post(client, tokens, action["id"], {"outcome": "done"}) == 201

    with TestClient(create_app(settings)) as other:
        expected = other.get("/v1/actions", params=tomorrow, headers=viewer).json()["items"]
    assert client.get("/v1/actions", params=tomorrow, headers=viewer).json()["items"] == expected


def test_a_page_is_assembled_once_per_list_and_again_after_an_outcome(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[int] = []
    assemble = action_pages._render_page

    def counted(*args: Any) -> tuple[bytes, int]:
        rendered.append(1)
        return assemble(*args)

    monkeypatch.setattr(action_pages, "_render_page", counted)
    first = listing(client, tokens)
    assert listing(client, tokens) == first
    assert len(rendered) == 1  # the second request was served the same bytes

    action = next(a for a in first if a["customer"]["id"] == "LOAD-0005")
    assert post(client, tokens, action["id"], {"outcome": "done"}) == 201
    after = listing(client, tokens)
    assert len(rendered) == 2  # a new list: its pages are assembled again
    assert action["id"] not in {a["id"] for a in after}
