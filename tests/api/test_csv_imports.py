"""``POST /v1/ledger/{kind}.csv``: a CSV export larger than any JSON body the service takes is
streamed to disk and imported as ``dunning import`` imports it, up to its own cap (issue 13:
"cap bodies ..., imports streamed"; docs/imports.md for the columns)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from api.app import create_app
from api.settings import ApiSettings
from store.models import customers, imports, invoices
from tests.api.conftest import Tokens

JSON_LIMIT = 64 * 1024
IMPORT_LIMIT = 1024 * 1024
ROWS = 5000


@pytest.fixture
def streamed(settings: ApiSettings) -> Iterator[TestClient]:
    """A client of an app that takes JSON bodies up to 64 KiB and CSV imports up to 1 MiB."""
    limited = dataclasses.replace(
        settings, max_body_bytes=JSON_LIMIT, max_import_bytes=IMPORT_LIMIT
    )
    with TestClient(create_app(limited)) as started:
        yield started


def customers_csv(rows: int = ROWS, name: str = "Customer") -> bytes:
    lines = ["id,name,country"] + [f"CSV-{n:05d},{name} {n},GB" for n in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def chunks(data: bytes, size: int = 8192) -> Iterator[bytes]:
    """The body sent in pieces without a declared length (chunked), as a large upload goes."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def post(client: TestClient, tokens: Tokens, kind: str, body: Any, **params: str) -> Any:
    return client.post(
        f"/v1/ledger/{kind}.csv",
        content=body,
        params=params,
        headers={**tokens.headers("admin"), "Content-Type": "text/csv"},
    )


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_file_larger_than_a_json_body_is_streamed_and_imported(
    streamed: TestClient, tokens: Tokens, engine: Engine
) -> None:
    """5,000 customers (about 130 KB, twice the JSON limit), sent chunked: all imported, in one
    import named after the token; the same file again changes nothing."""
    data = customers_csv()
    assert len(data) > 2 * JSON_LIMIT

    response = post(streamed, tokens, "customers", chunks(data))

    assert response.status_code == 200, response.text
    assert (response.json()["rows"], response.json()["inserted"]) == (ROWS, ROWS)
    assert count(engine, customers) == ROWS
    with engine.connect() as conn:
        assert conn.execute(select(imports.c.source)).scalars().all() == ["API (test-admin)"]
    again = post(streamed, tokens, "customers", data)
    assert again.status_code == 200, again.text
    assert (again.json()["inserted"], again.json()["unchanged"]) == (0, ROWS)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_file_over_the_import_cap_answers_413_and_imports_nothing(
    streamed: TestClient, tokens: Tokens, engine: Engine, declared: bool
) -> None:
    data = customers_csv(50_000)
    assert len(data) > IMPORT_LIMIT

    response = post(streamed, tokens, "customers", data if declared else chunks(data))

    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert count(engine, customers) == 0


def test_the_json_routes_keep_their_own_smaller_limit(
    streamed: TestClient, tokens: Tokens
) -> None:
    rows = [{"id": f"J-{n:05d}", "name": f"Customer {n}", "country": "GB"} for n in range(3000)]
    response = streamed.post(
        "/v1/ledger/customers", json={"rows": rows}, headers=tokens.headers("admin")
    )
    assert response.status_code == 413


@pytest.mark.parametrize(("role", "status"), [(None, 401), ("viewer", 403), ("collector", 403)])
def test_who_sends_it_is_checked_before_the_body(
    streamed: TestClient, tokens: Tokens, engine: Engine, role: str | None, status: int
) -> None:
    response = streamed.post(
        "/v1/ledger/customers.csv",
        content=chunks(customers_csv(50_000)),
        headers={**tokens.headers(role), "Content-Type": "text/csv"},
    )
    assert response.status_code == status
    assert count(engine, customers) == 0


def test_a_windows_file_names_the_line_and_the_encoding_then_imports_with_it(
    streamed: TestClient, tokens: Tokens, engine: Engine
) -> None:
    """A Windows export with "Müller" written in Windows-1252: ü is the byte 0xFC
    (https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT: 0xFC 0x00FC),
    which UTF-8 never uses (RFC 3629, section 1: the octets C0, C1, F5 to FF never appear)."""
    data = "id,name,country\nDE-1,Müller GmbH,DE\n".encode("latin-1")

    refused = post(streamed, tokens, "customers", data)

    assert refused.status_code == 422, refused.text
    detail = refused.json()["errors"][0]["detail"]
    assert detail.startswith("line 2: ")
    assert "--encoding cp1252" in detail
    accepted = post(streamed, tokens, "customers", data, encoding="cp1252")
    assert accepted.status_code == 200, accepted.text
    with engine.connect() as conn:
        assert conn.execute(select(customers.c.name)).scalar_one() == "Müller GmbH"
    for unknown in ("klingon", "hex", "rot13"):  # unknown, or not a text encoding
        assert post(streamed, tokens, "customers", data, encoding=unknown).status_code == 422


def test_bad_rows_and_a_repeated_column_import_nothing(
    streamed: TestClient, tokens: Tokens, engine: Engine
) -> None:
    repeated = post(streamed, tokens, "customers", b"id,name,id,country\nC1,One,C1,GB\n")
    assert repeated.status_code == 422
    assert repeated.json()["errors"][0]["detail"].startswith("line 1: ")
    rows = b"INV-1,NOBODY,2026-01-01,10.00,GBP\nINV-2,NOBODY,0001-01-01,10.00,GBP\n"
    bad = post(streamed, tokens, "invoices", b"id,customer,issued,amount,currency\n" + rows)
    assert bad.status_code == 422
    assert {e["detail"][:7] for e in bad.json()["errors"]} >= {"line 3:"}
    assert count(engine, customers) == count(engine, invoices) == 0


def test_many_imports_of_the_same_file_at_once_store_it_once(
    streamed: TestClient, tokens: Tokens, engine: Engine
) -> None:
    """Eight administrators send the same 2,000 customers at the same moment: every import
    answers 200, and the customers are there once."""
    data = customers_csv(2000)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(streamed, tokens, "customers", chunks(data)),
                                range(8)))  # fmt: skip
    assert [a.status_code for a in answers] == [200] * 8
    assert sum(a.json()["inserted"] for a in answers) == 2000
    assert count(engine, customers) == 2000
