"""Charges through the API: a step done records its fee; the fee is owed, shown with its invoice
and in the totals, keeps the invoice on the list once its amount is paid, and can be waived
(rule "charges owed", docs/rules/charges.md).

Worked example after the UK guidance "Late commercial payments: charging interest and debt
recovery" (https://www.gov.uk/late-commercial-payments-interest-debt-recovery): amounts claimed
for late payment come on top of the debt. TEST-0001's INV-1001 (GBP 1,200.00)
falls due on 2 November (31 October is a Saturday) and gets the second reminder with its GBP 15.00
fee on 16 November; the customer pays the 1,200.00 on the 17th; the 15.00 is still owed, and the
invoice is still chased for it on the 23rd (the call, due+21d), until the fee is waived.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from store.models import payments
from tests.api.conftest import Tokens
from tests.api.ledger_data import seed

FEE_DAY = "2026-11-16"


@pytest.fixture(autouse=True)
def ledger(engine: Engine) -> None:
    seed(engine)


def get(client: TestClient, tokens: Tokens, path: str, day: str, **params: str) -> Any:
    response = client.get(path, params={"date": day, **params}, headers=tokens.headers("viewer"))
    assert response.status_code == 200, response.text
    return response.json()


def second_reminder(client: TestClient, tokens: Tokens) -> dict[str, Any]:
    items: list[dict[str, Any]] = get(
        client, tokens, "/v1/actions", FEE_DAY, customer="TEST-0001"
    )["items"]
    (action,) = [a for a in items if a["step"] == "second-reminder"]
    return action


def waive(client: TestClient, tokens: Tokens, action_id: str, role: str = "collector") -> Any:
    return client.post(
        f"/v1/actions/{action_id}/waiver",
        params={"date": "2026-11-24"},
        json={"reason": "Goodwill: first late payment in ten years"},
        headers=tokens.headers(role),
    )


def test_a_fee_charged_is_owed_chased_and_waived(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    action = second_reminder(client, tokens)
    assert [(c["kind"], c["amount"]) for c in action["charges"]] == [("fee", "15.00")]
    done = client.post(
        f"/v1/actions/{action['id']}/outcome",
        params={"date": FEE_DAY},
        json={"outcome": "done"},
        headers=tokens.headers("collector"),
    )
    assert done.status_code == 201, done.text
    with engine.begin() as conn:
        conn.execute(
            insert(payments),
            [{"id": "PAY-1001", "customer_id": "TEST-0001", "date": date(2026, 11, 17),
              "amount": Decimal("1200.00"), "currency": "GBP", "invoice_id": "INV-1001"}],
        )  # fmt: skip

    view = get(client, tokens, "/v1/customers/TEST-0001", "2026-11-18")
    assert [
        (c["kind"], c["invoice"], c["amount"], c["paid"], c["owed"]) for c in view["charges"]
    ] == [("fee", "INV-1001", "15.00", "0.00", "15.00")]
    assert view["charges_owed"] == {"GBP": "15.00"}
    assert view["total_owed"] == {"GBP": "215.00"}  # the 200.00 left on INV-1002, and the fee
    assert [i["id"] for i in view["open_invoices"]] == ["INV-1002"]

    listed = get(client, tokens, "/v1/actions", "2026-11-23", customer="TEST-0001")["items"]
    chased = {i["id"]: (i["open"], i["charges_owed"]) for a in listed for i in a["invoices"]}
    assert chased["INV-1001"] == ("0.00", "15.00")
    on_list = get(client, tokens, "/v1/actions", "2026-11-23", customer="TEST-0001")["totals"]
    assert on_list["charges_owed_by_currency"] == {"GBP": "15.00"}

    first = waive(client, tokens, action["id"])
    assert first.status_code == 201, first.text
    assert first.json()["customer"] == "TEST-0001"
    again = waive(client, tokens, action["id"])
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert again.json()["id"] == first.json()["id"]

    after = get(client, tokens, "/v1/customers/TEST-0001", "2026-11-24")
    assert after["charges_owed"] == {}
    assert [(c["waived"], c["owed"], c["waiver"]) for c in after["charges"]] == [
        ("15.00", "0.00", first.json()["id"])
    ]
    listed = get(client, tokens, "/v1/actions", "2026-11-24", customer="TEST-0001")["items"]
    assert "INV-1001" not in {i["id"] for a in listed for i in a["invoices"]}


def test_waiving_an_action_that_charged_nothing_is_not_found(
    client: TestClient, tokens: Tokens
) -> None:
    response = waive(client, tokens, "A-NEVER-CHARGED")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_viewer_cannot_waive(client: TestClient, tokens: Tokens) -> None:
    assert waive(client, tokens, "A-ANY", role="viewer").status_code == 403


def test_a_waiver_needs_a_reason(client: TestClient, tokens: Tokens) -> None:
    response = client.post(
        "/v1/actions/A-ANY/waiver", json={"reason": ""}, headers=tokens.headers("collector")
    )
    assert response.status_code == 422
