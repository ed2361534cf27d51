"""The decisions page: the credit manager sees the escalation to her role with the customer's
history and decides; the approver approves the write-off that led to; a collector without the
role sees neither form, and a forged decision is refused."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from store.tokens import Role, create_token
from tests.web.conftest import csrf_of, sign_in

DAY = {"date": date(2027, 1, 11).isoformat()}  # KEST-0003 reaches 'manager-review'


def _people(engine: Engine) -> dict[str, str]:
    with engine.begin() as conn:
        return {
            name: create_token(conn, name, Role.COLLECTOR).token
            for name in ("fiona", "mark", "nina")
        }


def test_the_manager_decides_and_the_approver_approves(
    client: TestClient, ledger: None, engine: Engine
) -> None:
    people = _people(engine)
    sign_in(client, people["fiona"])
    page = client.get("/decisions", params=DAY)
    assert page.status_code == 200
    assert "Kestrel Hotels Group plc" in page.text and "manager-review" in page.text
    assert "History" in page.text
    action_id = page.text.split('action="/decisions/escalations/')[1].split("?")[0]
    decided = client.post(
        f"/decisions/escalations/{action_id}",
        params=DAY,
        follow_redirects=True,
        data={"csrf": csrf_of(page.text), "decision": "write_off", "note": "In administration"},
    )
    assert "Decided: write the debt off." in decided.text
    assert "waits for approval" not in decided.text  # the proposal is listed, not a message
    assert (
        "not yours to approve" in decided.text or "yours: another approver decides" in decided.text
    )
    assert "No escalation waits for you today." in decided.text
    client.cookies.clear()
    sign_in(client, people["mark"])
    page = client.get("/decisions", params=DAY)
    write_off = page.text.split('action="/decisions/write-offs/')[1].split("?")[0]
    approved = client.post(
        f"/decisions/write-offs/{write_off}",
        params=DAY,
        follow_redirects=True,
        data={"csrf": csrf_of(page.text), "decision": "approve", "note": "ok"},
    )
    assert f"Write-off {write_off} approved." in approved.text
    assert "No write-off waits for approval." in approved.text


def test_a_collector_without_the_role_cannot_decide(
    client: TestClient, ledger: None, engine: Engine
) -> None:
    people = _people(engine)
    sign_in(client, people["fiona"])
    action_id = (
        client.get("/decisions", params=DAY)
        .text.split('action="/decisions/escalations/')[1]
        .split("?")[0]
    )
    client.cookies.clear()
    sign_in(client, people["nina"])
    page = client.get("/decisions", params=DAY)
    assert "No escalation waits for you today." in page.text
    refused = client.post(
        f"/decisions/escalations/{action_id}",
        params=DAY,
        follow_redirects=True,
        data={"csrf": csrf_of(page.text), "decision": "continue"},
    )
    assert "does not hold" in refused.text
    forged = client.post(
        f"/decisions/escalations/{action_id}",
        params=DAY,
        data={"csrf": "forged", "decision": "continue"},
    )
    assert forged.status_code == 403


def test_a_write_off_is_proposed_from_the_case_page(
    client: TestClient, ledger: None, engine: Engine
) -> None:
    people = _people(engine)
    sign_in(client, people["nina"])
    page = client.get("/customers/TEST-0001/case", params={"date": "2026-11-23"})
    sent = client.post(
        "/customers/TEST-0001/write-offs",
        params={"date": "2026-11-23"},
        follow_redirects=True,
        data={
            "csrf": csrf_of(page.text),
            "invoice": ["INV-1001"],
            "amount": "50.00",
            "currency": "GBP",
            "reason": "Goodwill",
            "key": "form-1",
        },
    )
    assert "takes effect (within the approval threshold)" in sent.text
    assert "50.00" in sent.text and "approved by nina" in sent.text
    bad = client.post(
        "/customers/TEST-0001/write-offs",
        params={"date": "2026-11-23"},
        follow_redirects=True,
        data={
            "csrf": csrf_of(page.text),
            "invoice": ["INV-1001"],
            "amount": "5000.00",
            "currency": "GBP",
            "reason": "x",
        },
    )
    # INV-1001 had GBP 1,200.00 open; the GBP 50.00 written off above is in the ledger now.
    assert "more than the GBP 1,150.00 open" in bad.text
