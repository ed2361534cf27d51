"""``POST /v1/ledger/*``: bulk JSON imports, all or nothing; the same rows twice change nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from store.models import invoices
from tests.api.conftest import Tokens

DATE = {"date": "2026-11-23"}
BATCHES: list[tuple[str, list[dict[str, Any]]]] = [
    (
        "customers",
        [{"id": "NEW-0001", "name": "New Co", "country": "GB", "email": "ap@new.example"}],
    ),
    (
        "invoices",
        [
            {
                "id": "N-1",
                "customer": "NEW-0001",
                "issued": "2026-09-01",
                "amount": "800.00",
                "currency": "GBP",
            },
            {
                "id": "N-2",
                "customer": "NEW-0001",
                "issued": "2026-10-01",
                "amount": "50.00",
                "currency": "GBP",
                "due": "2026-10-20",
            },
        ],
    ),
    (
        "payments",
        [
            {
                "id": "P-1",
                "customer": "NEW-0001",
                "date": "2026-11-01",
                "amount": "300.00",
                "currency": "GBP",
                "invoice": "N-1",
            }
        ],
    ),
    (
        "credit-notes",
        [
            {
                "id": "C-1",
                "customer": "NEW-0001",
                "date": "2026-11-02",
                "amount": "50.00",
                "currency": "GBP",
                "invoice": "N-2",
            }
        ],
    ),
    (
        "disputes",
        [{"id": "D-1", "invoice": "N-1", "opened": "2026-11-10", "reason": "Wrong quantity"}],
    ),
]


def post(client: TestClient, tokens: Tokens, kind: str, rows: list[dict[str, Any]]) -> Any:
    return client.post(f"/v1/ledger/{kind}", json={"rows": rows}, headers=tokens.headers("admin"))


def test_imports_build_a_ledger_and_repeat_harmlessly(client: TestClient, tokens: Tokens) -> None:
    for kind, rows in BATCHES:
        first = post(client, tokens, kind, rows)
        assert first.status_code == 200, first.text
        assert (first.json()["kind"], first.json()["inserted"]) == (kind, len(rows))
        again = post(client, tokens, kind, rows).json()
        assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, len(rows))

    detail = client.get(
        "/v1/customers/NEW-0001", params=DATE, headers=tokens.headers("viewer")
    ).json()
    assert [(i["id"], i["open"], i["disputed"]) for i in detail["open_invoices"]] == [
        ("N-1", "500.00", True)
    ]


def test_an_update_is_counted_and_seen_by_the_list(client: TestClient, tokens: Tokens) -> None:
    def open_on_the_list() -> str:
        listed = client.get(
            "/v1/actions", params={**DATE, "customer": "NEW-0001"}, headers=tokens.headers("viewer")
        ).json()
        found: str = next(
            inv["open"]
            for action in listed["items"]
            for inv in action["invoices"]
            if inv["id"] == "N-1"
        )
        return found

    for kind, rows in BATCHES[:2]:
        post(client, tokens, kind, rows)
    assert open_on_the_list() == "800.00"

    changed = [{**BATCHES[1][1][0], "amount": "900.00"}]
    response = post(client, tokens, "invoices", changed).json()
    assert (response["inserted"], response["updated"]) == (0, 1)
    assert open_on_the_list() == "900.00"


def test_a_bad_row_imports_nothing(client: TestClient, tokens: Tokens, engine: Engine) -> None:
    post(client, tokens, *BATCHES[0])
    rows = [
        {
            "id": "N-1",
            "customer": "NEW-0001",
            "issued": "2026-09-01",
            "amount": "800.00",
            "currency": "GBP",
        },
        {
            "id": "N-2",
            "customer": "NEW-0001",
            "issued": "2026-09-01",
            "amount": "8.001",
            "currency": "GBP",
        },
        {
            "id": "N-3",
            "customer": "NEW-0001",
            "issued": "2026-09-01",
            "due": "2026-08-01",
            "amount": "8.00",
            "currency": "GBP",
        },
    ]
    response = post(client, tokens, "invoices", rows)
    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] == "nothing was imported: 2 bad rows"
    assert [(e["field"], e["pointer"]) for e in problem["errors"]] == [
        ("body.rows[1].amount", "/rows/1/amount"),
        ("body.rows[2].due", "/rows/2/due"),
    ]
    assert [e["code"] for e in problem["errors"]] == ["L006", "L012"]
    assert "3 decimals" in problem["errors"][0]["detail"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(invoices)).scalar_one() == 0


def test_an_unknown_customer_is_a_row_problem(client: TestClient, tokens: Tokens) -> None:
    response = post(client, tokens, "invoices", BATCHES[1][1])
    assert response.status_code == 422
    assert "NEW-0001 is not in the ledger" in response.json()["errors"][0]["detail"]


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (
            {"id": "X", "customer": "C", "issued": "2026-09-01", "amount": 10.5, "currency": "GBP"},
            "body.rows[0].amount",
        ),
        (
            {"id": "X", "customer": "C", "issued": "01/09/2026", "amount": "1", "currency": "GBP"},
            "body.rows[0].issued",
        ),
        (
            {"id": "X", "customer": "C", "issued": "2026-09-01", "amount": "1", "currency": "gbp"},
            "body.rows[0].currency",
        ),
        (
            {
                "id": "X",
                "customer": "C",
                "issued": "2026-09-01",
                "amount": "1",
                "currency": "GBP",
                "colour": "red",
            },
            "body.rows[0].colour",
        ),
    ],
    ids=["float-money", "date-format", "currency-case", "unknown-field"],
)
def test_malformed_rows_are_field_problems(
    client: TestClient, tokens: Tokens, row: dict[str, Any], field: str
) -> None:
    response = post(client, tokens, "invoices", [row])
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == field
    assert error["pointer"] == "/" + field.removeprefix("body.").replace("[", "/").replace(
        "]", ""
    ).replace(".", "/")


def test_overlapping_imports_at_once_store_each_invoice_once(
    client: TestClient, tokens: Tokens, engine: Engine
) -> None:
    """Eight imports at once, each of 40 invoices half shared with the next: no server error,
    every invoice once, every row counted once as new across the eight (PostgreSQL runs them
    in parallel; once two read the ledger before either wrote and the second answered 500)."""
    post(client, tokens, *BATCHES[0])
    invoice = BATCHES[1][1][0]
    batches = [
        [{**invoice, "id": f"R-{n:03d}"} for n in range(20 * i, 20 * i + 40)] for i in range(8)
    ]
    with ThreadPoolExecutor(len(batches)) as pool:
        answers = list(pool.map(lambda rows: post(client, tokens, "invoices", rows), batches))
    assert [a.status_code for a in answers] == [200] * len(batches), [a.text for a in answers]
    assert sum(a.json()["inserted"] for a in answers) == 20 * 9
    with engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(invoices)).scalar_one()
    assert stored == 20 * 9
