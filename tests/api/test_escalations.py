"""Management escalation (docs/handoff.md): a strategic customer 100 days overdue escalates to
the credit manager's role; only its holders (or an admin) decide, once, and the decision leads
to a hand-off or a write-off proposal, all on the timeline and in the audit log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.settings import ApiSettings
from store.models import action_log, audit_log, handoffs, write_off_proposals
from store.tokens import Role, create_token
from tests.api.ledger_data import seed

DAY = date(2027, 1, 11)  # KEST-0003's INV-3001 is 103 days overdue: manager-review is due
DATE = {"date": DAY.isoformat()}
PEOPLE = {"fiona": Role.COLLECTOR, "nina": Role.COLLECTOR, "root": Role.ADMIN}


@pytest.fixture
def people(engine: Engine) -> dict[str, str]:
    """Seed the small ledger and issue the tokens of fiona (credit manager), nina and root."""
    seed(engine)
    with engine.begin() as conn:
        return {name: create_token(conn, name, role).token for name, role in PEOPLE.items()}


@pytest.fixture
def client(settings: ApiSettings, people: dict[str, str]) -> Iterator[TestClient]:
    """Return a client of a started app."""
    with TestClient(create_app(settings)) as started:
        yield started


def _as(people: dict[str, str], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {people[name]}"}


def _escalation(client: TestClient, people: dict[str, str]) -> dict[str, Any]:
    listing = client.get(
        "/v1/actions", params={**DATE, "kind": "escalate"}, headers=_as(people, "nina")
    )
    found: list[dict[str, Any]] = [
        a for a in listing.json()["items"] if a["escalate_to"] == "credit-manager"
    ]
    assert [a["customer"]["id"] for a in found] == ["KEST-0003"]
    return found[0]


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_only_the_credit_manager_decides_and_a_write_off_decision_proposes_one(
    client: TestClient, people: dict[str, str], engine: Engine
) -> None:
    action = _escalation(client, people)
    url = f"/v1/actions/{action['id']}/escalation"
    refused = client.post(
        url, params=DATE, json={"decision": "continue"}, headers=_as(people, "nina")
    )
    assert refused.status_code == 403 and "credit-manager" in refused.json()["detail"]
    decided = client.post(
        url,
        params=DATE,
        json={"decision": "write_off", "note": "Hotel group in administration"},
        headers=_as(people, "fiona"),
    )
    assert decided.status_code == 200, decided.text
    write_off = decided.json()["write_off"]
    assert (write_off["amount"], write_off["state"], write_off["proposed_by"]) == (
        "4000.00",
        "proposed",
        "fiona",
    )
    again = client.post(
        url, params=DATE, json={"decision": "continue"}, headers=_as(people, "root")
    )
    assert again.status_code == 409 and "fiona" in again.json()["detail"]
    assert _escalation_gone(client, people)
    timeline = client.get(
        "/v1/customers/KEST-0003/timeline", params=DATE, headers=_as(people, "nina")
    ).json()
    events = [e["status"] for e in timeline["entries"] if e["kind"] == "case"]
    assert "escalation_decision" in events and "write_off_proposed" in events


def _escalation_gone(client: TestClient, people: dict[str, str]) -> bool:
    listing = client.get(
        "/v1/actions", params={**DATE, "kind": "escalate"}, headers=_as(people, "nina")
    )
    return all(a["escalate_to"] != "credit-manager" for a in listing.json()["items"])


def test_a_hand_off_decision_opens_the_case(client: TestClient, people: dict[str, str]) -> None:
    action = _escalation(client, people)
    decided = client.post(
        f"/v1/actions/{action['id']}/escalation",
        params=DATE,
        json={"decision": "handoff", "to": "legal"},
        headers=_as(people, "fiona"),
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["case"]["to"] == "legal"
    cases = client.get(
        "/v1/handoffs",
        params={"customer": "KEST-0003", "open": "true"},
        headers=_as(people, "nina"),
    ).json()["cases"]
    assert [(c["to"], c["opened_by"]) for c in cases] == [("legal", "fiona")]


def test_a_plan_decision_leaves_the_action_for_the_plan(
    client: TestClient, people: dict[str, str]
) -> None:
    action = _escalation(client, people)
    decided = client.post(
        f"/v1/actions/{action['id']}/escalation",
        params=DATE,
        json={"decision": "plan"},
        headers=_as(people, "fiona"),
    )
    assert decided.status_code == 200
    assert not _escalation_gone(client, people)


def test_two_managers_deciding_at_once_decide_once(
    client: TestClient, people: dict[str, str], engine: Engine
) -> None:
    action = _escalation(client, people)
    clients = 6
    barrier = threading.Barrier(clients)

    def decide(n: int) -> int:
        barrier.wait(timeout=60)
        who = "fiona" if n % 2 else "root"
        answer = client.post(
            f"/v1/actions/{action['id']}/escalation",
            params=DATE,
            json={"decision": "handoff"},
            headers=_as(people, who),
        )
        return int(answer.status_code)

    with ThreadPoolExecutor(clients) as pool:
        codes = sorted(pool.map(decide, range(clients)))
    assert codes == [200] + [409] * (clients - 1)
    assert _count(engine, handoffs) == 1
    assert _count(engine, write_off_proposals) == 0
    with engine.connect() as conn:
        decisions = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.event == "escalation_decision")
        ).scalar_one()
        done = conn.execute(
            select(func.count())
            .select_from(action_log)
            .where(action_log.c.action_id == action["id"])
        ).scalar_one()
    assert (decisions, done) == (1, 1)
