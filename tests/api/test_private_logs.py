"""Nothing personal in the operator's log or in a problem: no customer id, name, amount or token.

The requests below carry a customer's id, name and amounts in every place a request can (path,
body, a bad value, a failing SQL statement's parameters) while every logger records at DEBUG;
then no log line and no problem document may hold any of them. The positive checks (the lines
that must be there) keep the test from passing on an empty log.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from tests.api.conftest import Tokens
from tests.api.live_server import live_server

CUSTOMER = "PRIV-4242"
UNKNOWN = "PRIV-9999"
NAME = "Priya Undisclosed"
AMOUNT = "98765.43"
ACTION = "f" * 64
# Loggers of the test's own HTTP client, which names the URLs it calls: not the service's log.
CLIENT_LOGGERS = ("httpx", "httpcore")


def private(tokens: Tokens) -> tuple[str, ...]:
    """Return what no log line and no problem may hold."""
    return CUSTOMER, UNKNOWN, NAME, AMOUNT, ACTION, tokens.admin, tokens.viewer


def requests_with_private_values(http: Any, tokens: Tokens) -> dict[str, Any]:
    """Send requests that carry the private values everywhere; return the answers by name."""
    admin, viewer = tokens.headers("admin"), tokens.headers("viewer")
    invoice = {"id": "INV-PRIV-1", "customer": CUSTOMER, "issued": "2026-10-01",
               "amount": AMOUNT, "currency": "GBP"}  # fmt: skip
    return {
        "customer": http.post("/v1/ledger/customers", headers=admin,
                              json={"rows": [{"id": CUSTOMER, "name": NAME}]}),
        "invoice": http.post("/v1/ledger/invoices", headers=admin, json={"rows": [invoice]}),
        "bad value": http.post("/v1/ledger/invoices", headers=admin,
                               json={"rows": [{**invoice, "currency": "POUNDS"}]}),
        "bad amount": http.post("/v1/ledger/invoices", headers=admin,
                                json={"rows": [{**invoice, "amount": AMOUNT + "x"}]}),
        "unknown customer": http.get(f"/v1/customers/{UNKNOWN}", headers=viewer),
        "unknown action": http.get(f"/v1/actions/{ACTION}", headers=viewer),
        "unknown note": http.post(f"/v1/customers/{UNKNOWN}/notes", headers=tokens.headers(
            "collector"), json={"text": f"{NAME} owes {AMOUNT}"}),
        "no token": http.post("/v1/ledger/invoices", headers={"Authorization": "Bearer " + NAME},
                              json={"rows": [invoice]}),
        "known customer": http.get(f"/v1/customers/{CUSTOMER}", headers=viewer),
    }  # fmt: skip


def problems_hold_nothing_private(answers: dict[str, Any], tokens: Tokens) -> None:
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "customer": 200, "invoice": 200, "bad value": 422, "bad amount": 422,
        "unknown customer": 404, "unknown action": 404, "unknown note": 404, "no token": 401,
        "known customer": 200,
    }  # fmt: skip
    for name, answer in answers.items():
        if answer.status_code >= 400:
            assert answer.headers["content-type"] == "application/problem+json", name
            for value in private(tokens):
                assert value not in answer.text, (name, value)


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    # SQLAlchemy keeps its loggers at WARNING (``dunning serve --log-level debug`` included): as
    # an operator who switches the statements on to investigate (INFO, ``echo=True``). Its DEBUG
    # level prints result rows, which no setting hides.
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    yield caplog


def service_log(records: pytest.LogCaptureFixture) -> str:
    """Return every line the service logged (messages and tracebacks)."""
    lines = []
    for record in records.records:
        if record.name.startswith(CLIENT_LOGGERS):
            continue
        lines.append(f"{record.name}: {record.getMessage()}")
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


def test_problems_and_logs_name_no_customer_amount_or_token(
    client: TestClient, tokens: Tokens, records: pytest.LogCaptureFixture
) -> None:
    answers = requests_with_private_values(client, tokens)

    problems_hold_nothing_private(answers, tokens)
    log = service_log(records)
    for value in private(tokens):
        assert value not in log, value
    # What the log does say: each request's route template, status and id; SQL, unparameterised.
    assert "POST /v1/ledger/invoices 422" in log
    assert "GET /v1/customers/{customer_id} 404" in log
    assert answers["unknown customer"].headers["X-Request-ID"] in log
    assert "[SQL parameters hidden due to hide_parameters=True]" in log


def test_a_failing_statement_is_logged_without_its_parameters(
    client: TestClient,
    tokens: Tokens,
    engine: Engine,
    records: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def failing(engine: Engine, *_: object) -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT * FROM no_such_table WHERE id = :id"), {"id": CUSTOMER})

    monkeypatch.setattr("api.routers.customers.customer_detail", failing)
    failing_client = TestClient(client.app, raise_server_exceptions=False)
    answer = failing_client.get(f"/v1/customers/{CUSTOMER}", headers=tokens.headers("viewer"))

    assert answer.status_code == 500
    assert CUSTOMER not in answer.text
    log = service_log(records)
    assert CUSTOMER not in log
    rid = answer.headers["X-Request-ID"]
    assert (
        f"unexpected sqlalchemy.exc.OperationalError on GET /v1/customers/{{customer_id}}, "
        f"request {rid}"
    ) in log or (
        f"unexpected sqlalchemy.exc.ProgrammingError on GET /v1/customers/{{customer_id}}, "
        f"request {rid}"
    ) in log


@pytest.mark.slow
def test_a_running_server_logs_nothing_private_at_debug(
    db_url: str, engine: Engine, policy_repo: Path, tokens: Tokens, tmp_path: Path
) -> None:
    log_file = tmp_path / "serve.log"
    with (
        live_server(db_url, policy_repo, log_file, "--log-level", "debug") as server,
        httpx.Client(base_url=server.base, timeout=60) as http,
    ):
        answers = requests_with_private_values(http, tokens)

    problems_hold_nothing_private(answers, tokens)
    log = log_file.read_text()
    for value in private(tokens):
        assert value not in log, value
    assert "POST /v1/ledger/customers 200" in log
    assert "GET /v1/customers/{customer_id} 404" in log
