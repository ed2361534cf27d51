"""Hand-offs through the API (docs/handoff.md): the case file of a demo customer reconciles with
the ledger to the cent, its PDF holds the totals, an agency's report built from its CSV imports
back, and every write holds under many clients at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.settings import ApiSettings
from store.demo import build_demo
from store.models import agency_results, audit_log, handoffs, payments
from store.tokens import Role, create_token
from tests.api.conftest import ROOT, Tokens

DAY = date(2026, 11, 23)
DATE = {"date": DAY.isoformat()}


@pytest.fixture
def demo(engine: Engine, policy_repo: Path) -> Tokens:
    """Build the demo ledger in the test database, then issue a token per role (the demo
    replaces the tokens of a demo database)."""
    build_demo(engine, DAY, seed=1, policy_root=ROOT)
    with engine.begin() as conn:
        issued = {role: create_token(conn, f"test-{role.value}", role).token for role in Role}
    return Tokens(issued[Role.VIEWER], issued[Role.COLLECTOR], issued[Role.ADMIN])


@pytest.fixture
def client(settings: ApiSettings, demo: Tokens) -> Iterator[TestClient]:
    """Return a client of a started app on the demo ledger."""
    with TestClient(create_app(settings)) as started:
        yield started


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.split('|', maxsplit=1)[0]}"}


def _escalated(client: TestClient, tokens: Tokens) -> list[str]:
    """Return the customers the demo's list escalates today, with a balance to claim."""
    listing = client.get(
        "/v1/actions",
        params={**DATE, "kind": "escalate", "limit": 200},
        headers=_headers(tokens.viewer),
    )
    assert listing.status_code == 200
    return sorted({a["customer"]["id"] for a in listing.json()["items"]})


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _open_case(client: TestClient, tokens: Tokens, customer: str, to: str = "agency") -> Any:
    return client.post(
        f"/v1/customers/{customer}/handoffs",
        params=DATE,
        json={"to": to, "note": "90 days, no answer"},
        headers=_headers(tokens.collector),
    )


def _files(client: TestClient, tokens: Tokens, case: dict[str, Any]) -> dict[str, bytes]:
    got = client.get(case["download"], headers=_headers(tokens.viewer))
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(got.content)) as archive:
        return {Path(name).name: archive.read(name) for name in archive.namelist()}


def test_a_demo_customers_case_file_reconciles_with_the_ledger_to_the_cent(
    client: TestClient, demo: Tokens
) -> None:
    tokens = demo
    customer = _escalated(client, tokens)[0]
    before = client.get(
        f"/v1/customers/{customer}", params=DATE, headers=_headers(tokens.viewer)
    ).json()
    opened = _open_case(client, tokens, customer)
    assert opened.status_code == 201, opened.text
    case = opened.json()
    files = _files(client, tokens, case)
    assert {"case.json", "case.csv", "statement.pdf"} <= set(files)
    document = json.loads(files["case.json"])
    # The balance of every currency is the customer's balance as the customer page shows it.
    assert {t["currency"]: t["balance"] for t in document["totals"]} == before["balance"]
    # The invoice lines are the ledger's open invoices, to the cent: what was paid or credited on
    # each, then the cash left on the account (which the customer page spreads over the oldest).
    ledger_open = {i["id"]: Decimal(i["open"]) for i in before["open_invoices"]}
    case_open = {i["ref"]: Decimal(i["amount"]) for i in document["invoices"]}
    assert set(case_open) >= set(ledger_open)
    assert all(case_open[i] >= ledger_open[i] for i in ledger_open)
    for c, balance in before["balance"].items():
        lines = [*document["invoices"], *document["credits"]]
        assert sum(
            (Decimal(x["amount"]) for x in lines if x["currency"] == c), Decimal(0)
        ) == Decimal(balance)
    # The CSV's amounts add up to each currency's claim; the claim is what the case records.
    rows = list(csv.DictReader(io.StringIO(files["case.csv"].decode())))
    for totals in document["totals"]:
        c = totals["currency"]
        assert sum(
            (Decimal(r["amount"]) for r in rows if r["currency"] == c), Decimal(0)
        ) == Decimal(totals["claim"])
        assert case["claim"][c] == totals["claim"]
        owed = sum(
            (
                Decimal(r["amount"])
                for r in rows
                if r["currency"] == c and r["kind"] in {"invoice", "credit"}
            ),
            Decimal(0),
        )
        assert owed == Decimal(totals["balance"])
    # The PDF statement holds the claim of each currency.
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(files["statement.pdf"])).pages
    )
    for totals in document["totals"]:
        assert f"{Decimal(totals['claim']):,}" in text
    assert document["debtor"]["id"] == customer
    assert document["case"]["policy_version"]["commit"]
    assert document["contacts_made"], "every contact made is in the case file"


def test_a_handed_off_customer_is_not_chased_and_a_recall_resumes_the_chasing(
    client: TestClient, demo: Tokens, engine: Engine
) -> None:
    tokens = demo
    customer = _escalated(client, tokens)[0]
    case = _open_case(client, tokens, customer).json()
    listing = client.get(
        "/v1/actions", params={**DATE, "customer": customer}, headers=_headers(tokens.viewer)
    ).json()
    assert listing["items"] == []
    detail = client.get(
        f"/v1/customers/{customer}", params=DATE, headers=_headers(tokens.viewer)
    ).json()
    assert {s["code"] for s in detail["suppressions"]} == {"handoff"}
    again = _open_case(client, tokens, customer, "legal")
    assert again.status_code == 200 and again.json()["id"] == case["id"]
    recalled = client.post(
        f"/v1/handoffs/{case['id']}/recall",
        params=DATE,
        json={"note": "paid the agency's fee"},
        headers=_headers(tokens.collector),
    )
    assert recalled.status_code == 200 and recalled.json()["recalled"] == DAY.isoformat()
    listing = client.get(
        "/v1/actions", params={**DATE, "customer": customer}, headers=_headers(tokens.viewer)
    ).json()
    assert listing["items"], "chasing resumes once the case is recalled"
    timeline = client.get(
        f"/v1/customers/{customer}/timeline", params=DATE, headers=_headers(tokens.viewer)
    ).json()
    events = [e["status"] for e in timeline["entries"] if e["kind"] == "case"]
    assert events == ["recall", "handoff"]
    assert _count(engine, audit_log) == 2


def test_the_agency_report_built_from_the_case_csv_imports_back_once(
    client: TestClient, demo: Tokens, engine: Engine
) -> None:
    tokens = demo
    customer = _escalated(client, tokens)[0]
    case = _open_case(client, tokens, customer).json()
    rows = list(csv.DictReader(io.StringIO(_files(client, tokens, case)["case.csv"].decode())))
    invoice = next(r for r in rows if r["kind"] == "invoice")
    report = {
        "results": [
            {
                "case": r["case"],
                "ref": f"AG-{r['line']}",
                "date": "2026-11-30",
                "kind": "payment",
                "invoice": r["ref"],
                "amount": r["amount"],
                "fee": "10.00",
                "currency": r["currency"],
            }
            for r in [invoice]
        ]
        + [
            {
                "case": case["id"],
                "ref": "AG-note",
                "date": "2026-11-30",
                "kind": "outcome",
                "note": "Debtor agreed to pay the rest in January",
            }
        ]
    }
    payments_before = _count(engine, payments)
    first = client.post("/v1/agency-results", json=report, headers=_headers(tokens.collector))
    assert first.status_code == 200, first.text
    assert first.json()["added"] == 2
    assert first.json()["collected"] == {invoice["currency"]: invoice["amount"]}
    assert first.json()["fees"] == {invoice["currency"]: "10.00"}
    second = client.post("/v1/agency-results", json=report, headers=_headers(tokens.collector))
    assert (second.json()["added"], second.json()["unchanged"]) == (0, 2)
    assert _count(engine, payments) == payments_before + 1
    # The payment is the ledger's: the invoice is no longer open on the day it was collected.
    after = client.get(
        f"/v1/customers/{customer}", params={"date": "2026-11-30"}, headers=_headers(tokens.viewer)
    ).json()
    assert invoice["ref"] not in {i["id"] for i in after["open_invoices"]}


def test_a_bad_report_line_imports_nothing(
    client: TestClient, demo: Tokens, engine: Engine
) -> None:
    tokens = demo
    customer = _escalated(client, tokens)[0]
    case = _open_case(client, tokens, customer).json()
    report = {
        "results": [
            {
                "case": case["id"],
                "ref": "ok",
                "date": "2026-11-30",
                "kind": "outcome",
                "note": "called",
            },
            {
                "case": case["id"],
                "ref": "bad",
                "date": "2026-11-30",
                "kind": "payment",
                "amount": "5.00",
                "currency": "GBP",
                "invoice": "NOT-AN-INVOICE",
            },
        ]
    }
    answer = client.post("/v1/agency-results", json=report, headers=_headers(tokens.collector))
    assert answer.status_code == 422
    assert "NOT-AN-INVOICE" in answer.json()["detail"]
    assert _count(engine, agency_results) == 0


def test_viewers_cannot_hand_off_and_unknown_customers_are_not_found(
    client: TestClient, demo: Tokens
) -> None:
    tokens = demo
    denied = client.post(
        "/v1/customers/C-00001/handoffs",
        params=DATE,
        json={"to": "agency"},
        headers=_headers(tokens.viewer),
    )
    assert denied.status_code == 403
    missing = client.post(
        "/v1/customers/NOBODY/handoffs",
        params=DATE,
        json={"to": "agency"},
        headers=_headers(tokens.collector),
    )
    assert missing.status_code == 404
    wrong = client.post(
        "/v1/customers/C-00001/handoffs",
        params=DATE,
        json={"to": "bailiff"},
        headers=_headers(tokens.collector),
    )
    assert wrong.status_code == 422


def test_many_clients_handing_off_recalling_and_reporting_at_once_write_each_once(
    client: TestClient, demo: Tokens, engine: Engine
) -> None:
    tokens = demo
    customer = _escalated(client, tokens)[0]
    clients = 6
    barrier = threading.Barrier(clients)

    def hand_off(_: int) -> tuple[int, str]:
        barrier.wait(timeout=60)
        answer = _open_case(client, tokens, customer)
        return answer.status_code, answer.json()["id"]

    with ThreadPoolExecutor(clients) as pool:
        opened = list(pool.map(hand_off, range(clients)))
    assert sorted(code for code, _ in opened) == [200] * (clients - 1) + [201]
    assert len({case for _, case in opened}) == 1
    case_id = opened[0][1]
    report = {
        "results": [
            {
                "case": case_id,
                "ref": "R1",
                "date": "2026-11-30",
                "kind": "payment",
                "amount": "1.00",
                "currency": "GBP",
                "fee": "0.10",
            }
        ]
    }

    def report_and_recall(n: int) -> tuple[int, int]:
        barrier.wait(timeout=60)
        sent = client.post("/v1/agency-results", json=report, headers=_headers(tokens.collector))
        recalled = client.post(
            f"/v1/handoffs/{case_id}/recall",
            params={"date": "2026-12-01"},
            json={},
            headers=_headers(tokens.collector),
        )
        return sent.status_code, recalled.status_code

    payments_before = _count(engine, payments)
    with ThreadPoolExecutor(clients) as pool:
        codes = list(pool.map(report_and_recall, range(clients)))
    assert codes == [(200, 200)] * clients
    assert (_count(engine, handoffs), _count(engine, agency_results)) == (1, 1)
    assert _count(engine, payments) == payments_before + 1
    events = _count(engine, audit_log)
    assert events == 3  # one hand-off, one payment, one recall
