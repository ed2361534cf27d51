"""``POST /v1/actions/{id}/outcome``: recorded once, and a done action leaves the list."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.models import OutcomeOut
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed

DATE = {"date": DAY.isoformat()}


@pytest.fixture(autouse=True)
def ledger(engine: Engine) -> None:
    seed(engine)


def actions(client: TestClient, tokens: Tokens, **filters: str) -> list[dict[str, Any]]:
    response = client.get(
        "/v1/actions", params={**DATE, **filters}, headers=tokens.headers("viewer")
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def post(client: TestClient, tokens: Tokens, action_id: str, body: dict[str, Any]) -> Any:
    response = client.post(
        f"/v1/actions/{action_id}/outcome",
        params=DATE,
        json=body,
        headers=tokens.headers("collector"),
    )
    if response.status_code in (200, 201):
        # The route sends the answer it built as it is: it must be an OutcomeOut to the letter
        # (every field, nothing more, each of its type).
        OutcomeOut.model_validate_json(response.content, strict=False)
        assert response.headers["content-type"] == "application/json"
    return response


@pytest.mark.parametrize("status", ["done", "skipped"])
def test_a_worked_action_leaves_the_list(client: TestClient, tokens: Tokens, status: str) -> None:
    action = actions(client, tokens, customer="TEST-0002")[0]

    first = post(client, tokens, action["id"], {"outcome": status, "note": "Sent by hand"})

    assert first.status_code == 201
    body = first.json()
    assert body["created"] is True
    assert (body["action_id"], body["customer"], body["step"]) == (
        action["id"],
        "TEST-0002",
        "first-reminder",
    )
    assert body["status"] == status
    assert first.headers["X-Policy-Version"] == body["policy_version"]["commit"]
    assert actions(client, tokens, customer="TEST-0002") == []

    again = post(client, tokens, action["id"], {"outcome": status, "note": "Sent by hand"})
    assert again.status_code == 200
    assert again.json()["created"] is False


def test_a_failed_action_stays_on_the_list(client: TestClient, tokens: Tokens) -> None:
    action = actions(client, tokens, customer="TEST-0002")[0]
    response = post(client, tokens, action["id"], {"outcome": "failed", "note": "Bounced"})
    assert response.status_code == 201
    assert [a["id"] for a in actions(client, tokens, customer="TEST-0002")] == [action["id"]]
    history = client.get(
        "/v1/customers/TEST-0002", params=DATE, headers=tokens.headers("viewer")
    ).json()["history"]
    assert [(h["action_id"], h["status"]) for h in history] == [(action["id"], "failed")]


def test_a_promise_to_pay_is_recorded_for_the_action_invoices(
    client: TestClient, tokens: Tokens
) -> None:
    call = actions(client, tokens, kind="phone")[0]

    response = post(
        client,
        tokens,
        call["id"],
        {"outcome": "promise", "pay_by": "2026-12-04", "amount": "1200.00"},
    )

    assert response.status_code == 201
    assert response.json()["outcome"] == "promise"
    customer = client.get(
        "/v1/customers/TEST-0001", params=DATE, headers=tokens.headers("viewer")
    ).json()
    assert [
        (p["pay_by"], p["amount"], p["currency"], p["invoices"]) for p in customer["promises"]
    ] == [("2026-12-04", "1200.00", "GBP", ["INV-1001"])]
    # The call is done; the customer's other invoice is still chased (the promise covers one).
    assert [
        (a["step"], a["invoices"][0]["id"]) for a in actions(client, tokens, customer="TEST-0001")
    ] == [("second-reminder", "INV-1002")]


def test_a_dispute_holds_the_invoice(client: TestClient, tokens: Tokens) -> None:
    action = actions(client, tokens, customer="TEST-0002")[0]

    response = post(
        client,
        tokens,
        action["id"],
        {"outcome": "dispute", "invoice": "INV-2001", "reason": "Goods damaged"},
    )

    assert response.status_code == 201
    customer = client.get(
        "/v1/customers/TEST-0002", params=DATE, headers=tokens.headers("viewer")
    ).json()
    assert [(d["invoice"], d["reason"], d["resolved"]) for d in customer["disputes"]] == [
        ("INV-2001", "Goods damaged", None)
    ]
    assert customer["open_invoices"][0]["disputed"] is True
    assert actions(client, tokens, customer="TEST-0002") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "dispute", "invoice": "INV-1001", "reason": "x"}, "body.invoice"),
        ({"outcome": "promise", "pay_by": "2026-11-01", "amount": "10.00"}, "body.pay_by"),
        (
            {"outcome": "promise", "pay_by": "2026-12-01", "amount": "10.00", "currency": "EUR"},
            "body.currency",
        ),
        ({"outcome": "promise", "pay_by": "2026-12-01", "amount": "10.001"}, "body.amount"),
        ({"outcome": "promise", "pay_by": "2026-12-01", "amount": 10.5}, "body.amount"),
        ({"outcome": "promise", "amount": "10.00"}, "body.pay_by"),
        ({"outcome": "called"}, "body"),
    ],
    ids=[
        "dispute-other-invoice",
        "pay-by-past",
        "other-currency",
        "sub-penny",
        "float-amount",
        "missing-date",
        "unknown-outcome",
    ],
)
def test_invalid_outcomes_name_the_field(
    client: TestClient, tokens: Tokens, body: dict[str, Any], field: str
) -> None:
    action = actions(client, tokens, customer="TEST-0002")[0]
    response = post(client, tokens, action["id"], body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field
    assert actions(client, tokens, customer="TEST-0002") != []


def test_a_different_outcome_after_leaving_the_list_conflicts(
    client: TestClient, tokens: Tokens
) -> None:
    action = actions(client, tokens, customer="TEST-0002")[0]
    post(client, tokens, action["id"], {"outcome": "done"})
    response = post(
        client,
        tokens,
        action["id"],
        {"outcome": "dispute", "invoice": "INV-2001", "reason": "Late claim"},
    )
    assert response.status_code == 409


def test_an_unknown_action_is_not_found(client: TestClient, tokens: Tokens) -> None:
    response = post(client, tokens, "act_00000000000000000000", {"outcome": "done"})
    assert response.status_code == 404


def test_the_recorder_is_the_token_name(client: TestClient, tokens: Tokens, engine: Engine) -> None:
    from sqlalchemy import select

    from store.models import action_log

    action = actions(client, tokens, customer="TEST-0002")[0]
    post(client, tokens, action["id"], {"outcome": "done", "note": "Emailed"})
    with engine.connect() as conn:
        who, note = conn.execute(select(action_log.c.who, action_log.c.note)).one()
    assert (who, note) == ("test-collector", "Emailed")


# -- one final outcome per action (docs/api.md, "Recording an outcome") -------------------------


@pytest.mark.parametrize(
    ("first", "second", "status"),
    [
        ("done", "done", 200),
        ("done", "skipped", 409),
        ("skipped", "done", 409),
        ("done", "failed", 409),
        ("failed", "failed", 200),
        ("failed", "done", 201),
    ],
    ids=str,
)
def test_the_first_final_outcome_wins(
    client: TestClient, tokens: Tokens, first: str, second: str, status: int
) -> None:
    action = actions(client, tokens, customer="TEST-0002")[0]
    assert post(client, tokens, action["id"], {"outcome": first}).status_code == 201

    response = post(client, tokens, action["id"], {"outcome": second})

    assert response.status_code == status
    if status == 409:
        problem = response.json()
        assert response.headers["content-type"] == "application/problem+json"
        assert problem["type"] == "urn:dunning:problem:conflict"
        assert problem["outcome_in_force"]["outcome"] == first
        assert problem["outcome_in_force"]["who"] == "test-collector"
        assert action["id"] not in problem["detail"]


def test_a_conflicting_outcome_writes_nothing(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    from sqlalchemy import func, select

    from store.models import action_log, disputes

    action = actions(client, tokens, customer="TEST-0002")[0]
    post(client, tokens, action["id"], {"outcome": "skipped", "note": "Customer called"})
    response = post(
        client, tokens, action["id"], {"outcome": "dispute", "invoice": "INV-2001", "reason": "x"}
    )
    assert response.status_code == 409
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(action_log)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(disputes)).scalar() == 0


def test_an_action_never_on_the_list_is_not_found_and_names_no_id(
    client: TestClient, tokens: Tokens
) -> None:
    response = post(client, tokens, "act_00000000000000000000", {"outcome": "done"})
    assert response.status_code == 404
    assert "act_00000000000000000000" not in response.text


# -- promises to pay ------------------------------------------------------------------------------

PROMISE = {"outcome": "promise", "pay_by": "2026-12-04", "amount": "1200.00"}


def promises_of(client: TestClient, tokens: Tokens, customer: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(
        f"/v1/customers/{customer}", params=DATE, headers=tokens.headers("viewer")
    ).json()["promises"]
    return found


def test_the_same_promise_again_is_one_promise(client: TestClient, tokens: Tokens) -> None:
    call = actions(client, tokens, kind="phone")[0]
    first = post(client, tokens, call["id"], PROMISE)
    again = post(client, tokens, call["id"], PROMISE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["promise"] == {
        "id": first.json()["promise"]["id"],
        "created": False,
        "replaces": [],
    }
    assert len(promises_of(client, tokens, "TEST-0001")) == 1


def test_a_different_promise_replaces_the_one_in_force(client: TestClient, tokens: Tokens) -> None:
    call = actions(client, tokens, kind="phone")[0]
    first = post(client, tokens, call["id"], PROMISE).json()["promise"]["id"]

    later = post(client, tokens, call["id"], {**PROMISE, "pay_by": "2026-12-11"})

    assert later.status_code == 201
    body = later.json()
    assert (body["outcome"], body["promise"]["created"], body["promise"]["replaces"]) == (
        "promise",
        True,
        [first],
    )
    history = promises_of(client, tokens, "TEST-0001")
    assert [(p["pay_by"], p["superseded_by"]) for p in history] == [
        ("2026-12-04", body["promise"]["id"]),
        ("2026-12-11", None),
    ]
    # The action stays done: the new promise is about the same invoices.
    assert [a["step"] for a in actions(client, tokens, customer="TEST-0001")] == ["second-reminder"]


def test_a_promise_after_another_final_outcome_conflicts(
    client: TestClient, tokens: Tokens
) -> None:
    call = actions(client, tokens, kind="phone")[0]
    post(client, tokens, call["id"], {"outcome": "done", "note": "Left a message"})
    response = post(client, tokens, call["id"], PROMISE)
    assert response.status_code == 409
    assert response.json()["outcome_in_force"]["outcome"] == "done"
    assert promises_of(client, tokens, "TEST-0001") == []
