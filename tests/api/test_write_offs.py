"""Write-offs through the API (docs/handoff.md, docs/rules/write-off.md): four eyes (the proposer
cannot approve: 403), the approver role, the threshold, two approvers at once deciding once
and posting one ledger write-off, and the journal for Xero importing back through the shipped
Xero mapping.

An approved write-off becomes a ledger write-off, as a bad debt does in Xero (a credit note coded
to the bad-debts account settles the invoice: Xero Help, "Record a bad debt in Xero",
https://help.xero.com/int/Q_BadDebts): INV-1001, GBP 1,200.00 open, has GBP 950.00 open once
GBP 250.00 of it is written off and approved; nothing changes while it waits for approval.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.settings import ApiSettings
from store.connection import create_store_engine
from store.imports import import_csv
from store.mapping import load_mapping
from store.migrate import upgrade
from store.models import audit_log, write_off_proposals, write_offs
from store.reader import load_snapshot
from store.tokens import Role, create_token
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed
from tests.git_repo import commit_all

DATE = {"date": DAY.isoformat()}
PEOPLE = {"nina": Role.COLLECTOR, "mark": Role.COLLECTOR, "maria": Role.COLLECTOR,
          "fiona": Role.COLLECTOR, "root": Role.ADMIN}  # fmt: skip


@pytest.fixture
def people(engine: Engine, policy_repo: Path) -> dict[str, str]:
    """Seed the small ledger, make mark and maria the approvers, and issue their tokens."""
    seed(engine)
    path = policy_repo / "policies" / "policy.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document["write_off"]["approvers"] == "finance-director"
    text = path.read_text(encoding="utf-8").replace(
        "finance-director: [mark]", "finance-director: [mark, maria]"
    )
    path.write_text(text, encoding="utf-8")
    commit_all(policy_repo, "Two approvers")
    with engine.begin() as conn:
        return {name: create_token(conn, name, role).token for name, role in PEOPLE.items()}


@pytest.fixture
def client(settings: ApiSettings, people: dict[str, str]) -> Iterator[TestClient]:
    """Return a client of a started app."""
    with TestClient(create_app(settings)) as started:
        yield started


def _as(people: dict[str, str], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {people[name]}"}


def _propose(client: TestClient, people: dict[str, str], amount: str, **extra: Any) -> Any:
    body = {
        "amount": amount,
        "currency": "GBP",
        "invoices": ["INV-1001", "INV-1002"],
        "reason": "Customer ceased trading",
        **extra,
    }
    return client.post(
        "/v1/customers/TEST-0001/write-offs", params=DATE, json=body, headers=_as(people, "nina")
    )


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _open(client: TestClient, people: dict[str, str]) -> dict[str, str]:
    """Return TEST-0001's open amount per invoice on DAY, as the API shows it."""
    body = client.get(
        "/v1/customers/TEST-0001", params=DATE, headers=_as(people, "nina")
    ).json()
    return {i["id"]: i["open"] for i in body["open_invoices"]}


def test_a_collector_cannot_approve_their_own_write_off_but_an_approver_can(
    client: TestClient, people: dict[str, str], engine: Engine
) -> None:
    proposed = _propose(client, people, "250.00")
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert (body["state"], body["needs_approval"], body["proposed_by"]) == (
        "proposed",
        True,
        "nina",
    )
    # Oldest first: INV-1001 (GBP 1,200.00 open) takes all of it.
    assert body["lines"] == [{"invoice": "INV-1001", "amount": "250.00"}]
    assert body["posted"] is False
    before = _open(client, people)
    assert before["INV-1001"] == "1200.00"
    url = f"/v1/write-offs/{body['id']}"
    own = client.post(url + "/approve", params=DATE, json={}, headers=_as(people, "nina"))
    assert own.status_code == 403
    assert "four eyes" in own.json()["detail"]
    not_approver = client.post(url + "/approve", params=DATE, json={}, headers=_as(people, "fiona"))
    assert not_approver.status_code == 403
    assert "finance-director" in not_approver.json()["detail"]
    admin = client.post(url + "/approve", params=DATE, json={}, headers=_as(people, "root"))
    assert admin.status_code == 403
    approved = client.post(
        url + "/approve",
        params=DATE,
        json={"note": "Liquidator confirms no dividend"},
        headers=_as(people, "mark"),
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["state"], approved.json()["decided_by"]) == ("approved", "mark")
    assert approved.json()["posted"] is True
    assert _open(client, people) == {**before, "INV-1001": "950.00"}
    with engine.connect() as conn:
        ledger = conn.execute(
            select(write_offs.c.id, write_offs.c.invoice_id, write_offs.c.amount,
                   write_offs.c.written_off_by, write_offs.c.approved_by)
        ).all()  # fmt: skip
    assert [tuple(row) for row in ledger] == [
        (f"{body['id']}-1", "INV-1001", Decimal("250.00"), "nina", "mark")
    ]
    again = client.post(url + "/approve", params=DATE, json={}, headers=_as(people, "maria"))
    assert again.status_code == 409 and "already approved by mark" in again.json()["detail"]
    timeline = client.get(
        "/v1/customers/TEST-0001/timeline", params=DATE, headers=_as(people, "nina")
    )
    events = [e["status"] for e in timeline.json()["entries"] if e["kind"] == "case"]
    assert events == ["write_off_approved", "write_off_proposed"]
    audit = client.get("/v1/audit", params={"customer": "TEST-0001"}, headers=_as(people, "nina"))
    assert [(e["event"], e["who"]) for e in audit.json()["entries"]] == [
        ("write_off_proposed", "nina"),
        ("write_off_approved", "mark"),
    ]
    pending = client.get(
        "/v1/write-offs", params={"state": "proposed"}, headers=_as(people, "nina")
    )
    assert pending.json()["write_offs"] == []


def test_the_threshold_lets_a_small_write_off_take_effect_at_once(
    client: TestClient, people: dict[str, str], engine: Engine
) -> None:
    small = _propose(client, people, "100.00")
    assert small.status_code == 201
    assert (small.json()["state"], small.json()["needs_approval"]) == ("approved", False)
    assert small.json()["posted"] is True
    assert _open(client, people)["INV-1001"] == "1100.00"
    with engine.connect() as conn:
        posted = conn.execute(select(write_offs.c.approved_by, write_offs.c.amount)).all()
    assert [tuple(row) for row in posted] == [(None, Decimal("100.00"))]
    above = _propose(client, people, "100.01")
    assert above.json()["state"] == "proposed"
    assert above.json()["posted"] is False
    assert _open(client, people)["INV-1001"] == "1100.00"
    assert _count(engine, write_offs) == 1
    # A currency the policy gives no threshold always needs approval (and must match the invoices).
    other = _propose(client, people, "10.00", currency="EUR")
    assert other.status_code == 422 and "INV-1001 is in GBP" in other.json()["detail"]


def test_bad_proposals_are_refused_clearly_and_a_retry_with_a_key_is_one(
    client: TestClient, people: dict[str, str], engine: Engine
) -> None:
    too_much = _propose(client, people, "1400.01")
    assert too_much.status_code == 422
    assert "more than the GBP 1,400.00 open" in too_much.json()["detail"]
    not_open = _propose(client, people, "10.00", invoices=["INV-2001"])
    assert not_open.status_code == 422
    assert _count(engine, write_off_proposals) == 0
    first = _propose(client, people, "300.00", key="wo-key-1")
    second = _propose(client, people, "300.00", key="wo-key-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert _count(engine, write_off_proposals) == 1
    # Spread oldest first: 300.00 over INV-1001 then INV-1002 when asked for more than the first.
    spread = _propose(client, people, "1250.00").json()
    assert spread["lines"] == [
        {"invoice": "INV-1001", "amount": "1200.00"},
        {"invoice": "INV-1002", "amount": "50.00"},
    ]


def test_two_approvers_at_once_approve_once(
    client: TestClient, people: dict[str, str], engine: Engine
) -> None:
    write_off = _propose(client, people, "500.00").json()["id"]
    clients = 8
    barrier = threading.Barrier(clients)

    def approve(n: int) -> int:
        barrier.wait(timeout=60)
        who = "mark" if n % 2 else "maria"
        answer = client.post(
            f"/v1/write-offs/{write_off}/approve", params=DATE, json={}, headers=_as(people, who)
        )
        return int(answer.status_code)

    with ThreadPoolExecutor(clients) as pool:
        codes = sorted(pool.map(approve, range(clients)))
    assert codes == [200] + [409] * (clients - 1)
    with engine.connect() as conn:
        approvals = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.event == "write_off_approved")
        ).scalar_one()
    assert approvals == 1
    # Posted once: one ledger write-off of the one line, not one per approver.
    assert _count(engine, write_offs) == 1
    assert _open(client, people)["INV-1001"] == "700.00"


def test_many_collectors_proposing_at_once_lose_nothing(
    client: TestClient, people: dict[str, str], engine: Engine
) -> None:
    clients = 8
    barrier = threading.Barrier(clients)

    def propose(n: int) -> int:
        barrier.wait(timeout=60)
        return int(_propose(client, people, "20.00", key=f"k-{n // 2}").status_code)

    with ThreadPoolExecutor(clients) as pool:
        codes = sorted(pool.map(propose, range(clients)))
    assert codes == [200] * (clients // 2) + [201] * (clients // 2)
    assert _count(engine, write_off_proposals) == clients // 2


def test_the_xero_journal_imports_back_through_the_xero_mapping(
    settings: ApiSettings, engine: Engine, tmp_path: Path
) -> None:
    """Approved write-offs of a ledger imported from Xero, exported as Xero credit notes and
    imported into a fresh copy of that ledger, lower each invoice by what was written off."""
    mapping = load_mapping("xero-invoices")
    source = ROOT / "examples" / "xero-invoices.csv"
    fresh = create_store_engine(f"sqlite:///{tmp_path / 'accounts.db'}")
    upgrade(fresh)
    for target in (engine, fresh):
        with target.begin() as conn:
            for kind in ("customers", "invoices"):
                assert not import_csv(conn, kind, source, mapping=mapping).problems
    with engine.begin() as conn:
        tokens = {name: create_token(conn, name, role).token for name, role in PEOPLE.items()}
    with TestClient(create_app(settings)) as client:
        proposed = client.post(
            "/v1/customers/Old-Mill-Tearooms/write-offs",
            params=DATE,
            json={
                "amount": "120.50",
                "currency": "GBP",
                "invoices": ["INV-0043"],
                "reason": "Disputed delivery never resolved",
            },
            headers={"Authorization": f"Bearer {tokens['nina']}"},
        ).json()
        client.post(
            f"/v1/write-offs/{proposed['id']}/approve",
            json={},
            headers={"Authorization": f"Bearer {tokens['mark']}"},
        )
        journal = client.get(
            "/v1/write-offs/journal.csv",
            params={"system": "xero"},
            headers={"Authorization": f"Bearer {tokens['nina']}"},
        )
    assert journal.status_code == 200
    rows = list(csv.DictReader(io.StringIO(journal.text)))
    assert [(r["ContactName"], r["Reference"], r["Total"], r["AccountCode"]) for r in rows] == [
        ("Old Mill Tearooms", "INV-0043", "120.50", "6100")
    ]
    path = tmp_path / "journal.csv"
    path.write_text(journal.text, encoding="utf-8")
    with fresh.begin() as conn:
        result = import_csv(conn, "credit-notes", path, mapping=mapping)
    assert not result.problems, result.problems
    ledger = load_snapshot(fresh, ["Old-Mill-Tearooms"]).customers[0]
    invoice = next(i for i in ledger.invoices if i.id == "INV-0043")
    assert invoice.amount - invoice.settled == Decimal("1000.00")
    fresh.dispose()
