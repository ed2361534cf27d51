"""The customer view and the action list agree on every open amount: one rule, in the engine.

TEST-0001 owes INV-1001 (GBP 1,200.00, due 2 Nov) and INV-1002 (GBP 300.00 less 100.00 paid,
due 4 Nov); here it also has GBP 1,250.00 of cash left on the account (no invoice named). With
``unapplied_cash: oldest_first`` the cash clears INV-1001 and 50.00 of INV-1002: the list chases
GBP 150.00 and so must the customer view (which once showed 1,200.00 overdue). With
``unapplied_cash: ignore`` both invoices stay open in full, on the list and on the view.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from store.models import payments
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed
from tests.git_repo import commit_all

DATE = {"date": DAY.isoformat()}
CUSTOMERS = ("TEST-0001", "TEST-0002", "KEST-0003", "HOLL-0002")


@pytest.fixture(autouse=True, params=["oldest_first", "ignore"])
def setting(request: pytest.FixtureRequest, policy_repo: Path, engine: Engine) -> str:
    """Commit the policy with ``unapplied_cash`` set, and seed the ledger with cash on account."""
    value: str = request.param
    policy = policy_repo / "policies" / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    assert "unapplied_cash: oldest_first" in text  # the project's policy, as committed
    if value != "oldest_first":
        policy.write_text(
            text.replace("unapplied_cash: oldest_first", f"unapplied_cash: {value}"),
            encoding="utf-8",
        )
        commit_all(policy_repo, f"unapplied_cash: {value}")
    seed(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(payments),
            [
                {
                    "id": "PAY-ON-ACCOUNT",
                    "customer_id": "TEST-0001",
                    "date": date(2026, 11, 10),
                    "amount": Decimal("1250.00"),
                    "currency": "GBP",
                    "invoice_id": None,
                }
            ],
        )
    return value


def get(client: TestClient, tokens: Tokens, path: str) -> dict[str, Any]:
    response = client.get(path, params=DATE, headers=tokens.headers("viewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listed_open_amounts(client: TestClient, tokens: Tokens) -> dict[str, str]:
    """Return the open amount of every invoice on the day's action list, by invoice."""
    body = get(client, tokens, "/v1/actions?limit=500")
    return {inv["id"]: inv["open"] for action in body["items"] for inv in action["invoices"]}


def test_the_customer_view_and_the_list_agree_on_every_open_amount(
    client: TestClient, tokens: Tokens, setting: str
) -> None:
    listed = listed_open_amounts(client, tokens)
    shown: dict[str, str] = {}
    for customer_id in CUSTOMERS:
        view = get(client, tokens, f"/v1/customers/{customer_id}")
        shown |= {inv["id"]: inv["open"] for inv in view["open_invoices"]}
        # The view's own actions are the list's, for this customer.
        for action in view["actions"]:
            for inv in action["invoices"]:
                assert inv["open"] == shown[inv["id"]]
    assert listed
    assert {invoice: shown[invoice] for invoice in listed} == listed
    if setting == "oldest_first":
        assert listed["INV-1002"] == "150.00"
        assert "INV-1001" not in listed and "INV-1001" not in shown
    else:
        assert (listed["INV-1001"], listed["INV-1002"]) == ("1200.00", "200.00")


def test_the_overdue_balance_is_what_the_list_chases(
    client: TestClient, tokens: Tokens, setting: str
) -> None:
    view = get(client, tokens, "/v1/customers/TEST-0001")
    overdue = {"oldest_first": "150.00", "ignore": "1400.00"}[setting]
    assert view["overdue"] == {"GBP": overdue}
    assert sum(Decimal(i["open"]) for i in view["open_invoices"]) == Decimal(overdue)
    # Whether or not the cash was matched to invoices, the customer owes 1,400.00 less 1,250.00.
    assert view["balance"] == {"GBP": "150.00"}
    aging = {b["bucket"]: b["amounts"] for b in view["aging"] if b["invoices"]}
    assert aging == {"1-30": {"GBP": overdue}}
