"""``/v1/actions``: the page's totals count each open invoice once, on all pages, and write money
with the currency's minor units (docs/rules/ladder.md, "list totals")."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed
from tests.git_repo import commit_all

HELD = """\
apiVersion: dunning/v1
kind: Customer
id: TEST-0002
name: Test Two Ltd
credit_limit: {amount: "100.00", currency: GBP}
"""


@pytest.fixture(autouse=True)
def ledger(engine: Engine, policy_repo: Path) -> None:
    """The API test ledger, with TEST-0002 over a credit limit of GBP 100.00: its one invoice
    (GBP 500.00) is in the credit-limit hold and in the first reminder on the same day."""
    seed(engine)
    (policy_repo / "customers" / "TEST-0002.yaml").write_text(HELD, encoding="utf-8")
    commit_all(policy_repo, "Put TEST-0002 on a credit limit")


def get_list(client: TestClient, tokens: Tokens, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/v1/actions",
        params={"date": DAY.isoformat(), **params},
        headers=tokens.headers("viewer"),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_totals_count_an_invoice_in_two_actions_once(client: TestClient, tokens: Tokens) -> None:
    """INV-2001 is in two actions of TEST-0002 and counts once: the distinct invoices add up to
    GBP 5,900.00 where the actions' own totals add up to GBP 6,400.00."""
    body = get_list(client, tokens)
    two = [a for a in body["items"] if a["customer"]["id"] == "TEST-0002"]
    assert sorted(a["kind"] for a in two) == ["credit_hold", "email"]
    distinct = {
        (a["customer"]["id"], inv["id"]): Decimal(inv["open"])
        for a in body["items"]
        for inv in a["invoices"]
    }
    naive = sum(Decimal(a["totals"]["GBP"]) for a in body["items"])
    assert sum(distinct.values()) == Decimal("5900.00")
    assert naive == Decimal("6400.00")
    assert body["totals"] == {
        "open_by_currency": {"GBP": "5900.00"},
        "charges_by_currency": {"GBP": "15.00"},
        "charges_owed_by_currency": {},
    }


def test_totals_are_of_all_pages_and_follow_the_filters(client: TestClient, tokens: Tokens) -> None:
    """A page of one action still shows the totals of every matching action; a filter narrows
    them to the actions it keeps."""
    first = get_list(client, tokens, limit=1)
    assert len(first["items"]) == 1
    assert first["totals"]["open_by_currency"] == {"GBP": "5900.00"}
    two = get_list(client, tokens, customer="TEST-0002")
    assert two["totals"] == {
        "open_by_currency": {"GBP": "500.00"},
        "charges_by_currency": {},
        "charges_owed_by_currency": {},
    }
