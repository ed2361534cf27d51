"""A customer who paid the discounted amount in time owes nothing, everywhere the API looks.

DOVE-0301 has two invoices of GBP 1,000.00 dated 1 Oct 2026. DS-1 is on 2-10-net30 and was paid
GBP 980.00 on 11 Oct, the last day of the 2 % discount (AccountingCoach, "What does 2/10 net 30
mean?": pay $980 within 10 days on a $1,000 invoice): the GBP 20.00 discount is written off.
DS-2 is on net30 and was paid GBP 980.00 on the same day: GBP 20.00 stays owed and is chased.
On 23 Nov 2026 the action list, the customer view, the aging report and the timeline agree
(docs/rules/discounts.md): DS-1 is nowhere open, DS-2 owes 20.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from store.models import customers, invoices, payments
from tests.api.conftest import Tokens

DAY = date(2026, 11, 23)
PARAMS = {"date": DAY.isoformat()}


@pytest.fixture(autouse=True)
def _ledger(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(customers),
            [
                {
                    "id": "DOVE-0301",
                    "name": "Dove Wholesale Ltd",
                    "country": "GB",
                    "email": "ap@dove.example",
                }
            ],
        )
        conn.execute(
            insert(invoices),
            [
                {
                    "id": f"DS-{n}",
                    "customer_id": "DOVE-0301",
                    "issued": date(2026, 10, 1),
                    "amount": Decimal("1000.00"),
                    "currency": "GBP",
                    "terms": terms,
                }
                for n, terms in ((1, "2-10-net30"), (2, "net30"))
            ],
        )
        conn.execute(insert(payments), [
            {"id": f"PAY-DS-{n}", "customer_id": "DOVE-0301", "date": date(2026, 10, 11),
             "amount": Decimal("980.00"), "currency": "GBP", "invoice_id": f"DS-{n}"}
            for n in (1, 2)
        ])  # fmt: skip


def get(client: TestClient, tokens: Tokens, path: str) -> dict[str, Any]:
    response = client.get(path, params=PARAMS, headers=tokens.headers("viewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_list_the_customer_view_and_the_aging_report_agree(
    client: TestClient, tokens: Tokens
) -> None:
    listed = get(client, tokens, "/v1/actions?limit=500")
    chased = {inv["id"]: inv["open"] for a in listed["items"] for inv in a["invoices"]}
    assert chased == {"DS-2": "20.00"}
    view = get(client, tokens, "/v1/customers/DOVE-0301")
    assert {inv["id"]: inv["open"] for inv in view["open_invoices"]} == {"DS-2": "20.00"}
    assert view["balance"] == {"GBP": "20.00"}
    aging = get(client, tokens, "/v1/reports/aging")
    [gbp] = aging["currencies"]
    assert (gbp["total"], gbp["invoices"]) == ("20.00", 1)


def test_the_timeline_shows_the_discount_taken(client: TestClient, tokens: Tokens) -> None:
    timeline = get(client, tokens, "/v1/customers/DOVE-0301/timeline")
    discounts = [e for e in timeline["entries"] if e["kind"] == "discount"]
    assert [(e["date"], e["title"], e["invoices"], e["amount"]) for e in discounts] == [
        ("2026-10-11", "Discount taken: GBP 20.00", ["DS-1"], "20.00")
    ]
