"""``POST /v1/ledger/write-offs`` and ``/v1/ledger/reversals``: the same records as a CSV import.

The worked example of tests/store/test_ledger_record_imports.py (Xero Help, "Record a bad debt in
Xero", https://help.xero.com/int/Q_BadDebts; Stripe Docs, "Disputes",
https://docs.stripe.com/disputes), posted as JSON: the chargeback of 2026-10-10 leaves INV-1 open
for GBP 1,200.00 on 2026-10-15; a write-off without who wrote it off is refused (L003).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Tokens
from tests.store.test_ledger_record_imports import (
    INVOICES,
    PAYMENTS,
    REVERSALS,
    WRITE_OFFS,
    opens,
)


def test_write_offs_and_reversals_are_posted_through_the_api(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    admin = tokens.headers("admin")
    for path, rows in (("customers", [{"id": "ACME"}]), ("invoices", INVOICES),
                       ("payments", PAYMENTS), ("reversals", REVERSALS),
                       ("write-offs", WRITE_OFFS)):  # fmt: skip
        response = client.post(f"/v1/ledger/{path}", json={"rows": rows}, headers=admin)
        assert response.status_code == 200, response.text
    assert opens(engine, date(2026, 10, 15)) == [("INV-1", Decimal("1200.00"))]
    refused = client.post(
        "/v1/ledger/write-offs",
        json={"rows": [{**WRITE_OFFS[0], "id": "WO-2", "amount": "1.00", "by": ""}]},
        headers=admin,
    )
    assert refused.status_code == 422
    assert [e["code"] for e in refused.json()["errors"]] == ["L003"]
