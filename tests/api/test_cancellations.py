"""``POST /v1/ledger/cancellations``: the same records as a CSV import, once per invoice.

The worked example of tests/store/test_cancellations.py posted as JSON: INV-1 cancelled on
2026-10-10 as a duplicate is on the list of 10-09 and not on that of 10-16; posting the same
cancellation again answers 200 and changes nothing; another cancellation of INV-1, or one of
INV-2 with its payment still applied (Odoo refuses to cancel a paid invoice until the payment is
unreconciled: OCA *Account Move Reconcile Forbid Cancel*,
https://apps.odoo.com/apps/modules/13.0/account_move_reconcile_forbid_cancel), answers 409.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from store.models import cancellations
from tests.api.conftest import Tokens
from tests.store.test_cancellations import CANCELLED, INVOICES, PAID


def _ledger(client: TestClient, tokens: Tokens) -> None:
    admin = tokens.headers("admin")
    for path, rows in (("customers", [{"id": "ACME"}]), ("invoices", INVOICES),
                       ("payments", [PAID])):  # fmt: skip
        response = client.post(f"/v1/ledger/{path}", json={"rows": rows}, headers=admin)
        assert response.status_code == 200, response.text


def _cancel(client: TestClient, tokens: Tokens, **row: str) -> Any:
    return client.post(
        "/v1/ledger/cancellations",
        json={"rows": [{**CANCELLED, **row}]},
        headers=tokens.headers("admin"),
    )


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(cancellations)).scalar_one())


def _chased(client: TestClient, tokens: Tokens, day: str) -> set[str]:
    answer = client.get("/v1/actions", params={"date": day}, headers=tokens.headers("viewer"))
    assert answer.status_code == 200, answer.text
    return {i["id"] for a in answer.json()["items"] for i in a["invoices"]}


def test_a_cancellation_is_posted_once_and_the_invoice_is_chased_no_more(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    _ledger(client, tokens)
    assert "INV-1" in _chased(client, tokens, "2026-10-16")
    first = _cancel(client, tokens)
    assert first.status_code == 200, first.text
    assert (first.json()["inserted"], first.json()["unchanged"]) == (1, 0)
    again = _cancel(client, tokens)
    assert again.status_code == 200
    assert (again.json()["inserted"], again.json()["unchanged"]) == (0, 1)
    assert "INV-1" in _chased(client, tokens, "2026-10-09")
    assert "INV-1" not in _chased(client, tokens, "2026-10-16")
    assert _rows(engine) == 1


def test_another_cancellation_or_one_of_a_paid_invoice_answers_409(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    _ledger(client, tokens)
    assert _cancel(client, tokens).status_code == 200
    twice = _cancel(client, tokens, id="CAN-2")
    assert twice.status_code == 409
    assert twice.headers["content-type"].startswith("application/problem+json")
    assert [(e["code"], e["field"]) for e in twice.json()["errors"]] == [
        ("L018", "body.rows[0].invoice")
    ]
    paid = _cancel(client, tokens, id="CAN-3", invoice="INV-2")
    assert paid.status_code == 409
    assert [e["code"] for e in paid.json()["errors"]] == ["L019"]
    assert "reverse the payments" in paid.json()["errors"][0]["detail"]
    blank = _cancel(client, tokens, id="CAN-4", invoice="INV-2", cancelled_by="")
    assert blank.status_code == 422
    assert _rows(engine) == 1


def test_many_clients_posting_the_same_cancellation_at_once_store_one_row(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    """Eight clients post the same cancellation, and eight others another cancellation of the
    same invoice, all at the same moment: one row, the same one answers 200 to all who sent it
    (once inserted) or 409 to all (when the other came first), and no server error."""
    _ledger(client, tokens)
    clients = 16
    barrier = threading.Barrier(clients)

    def post(n: int) -> tuple[str, int, int]:
        barrier.wait(timeout=60)
        ref = f"CAN-{n % 2 + 1}"
        answer = _cancel(client, tokens, id=ref)
        inserted = answer.json().get("inserted", 0) if answer.status_code == 200 else 0
        return ref, answer.status_code, inserted

    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(post, range(clients)))
    assert all(code in (200, 409) for _, code, _ in answers), answers
    winners = {ref for ref, code, _ in answers if code == 200}
    assert len(winners) == 1, answers
    assert sum(inserted for _, _, inserted in answers) == 1
    assert {ref for ref, code, _ in answers if code == 409} == {"CAN-1", "CAN-2"} - winners
    assert _rows(engine) == 1
