"""A real ``dunning serve`` under many collectors at once, and stopped in the middle of writes.

Each test drives the server over loopback with many concurrent HTTP clients, on SQLite and on
PostgreSQL: no server error, nothing lost, nothing recorded twice, and every outcome the server
acknowledged is in the database after it stops. (How fast is the benchmark's business:
``bench/outcome_load.py``; these tests check what happens, not how long it takes.)
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select

from store.models import action_log, promises
from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed_overdue
from tests.api.live_server import LiveServer, live_server

pytestmark = pytest.mark.slow

DATE = {"date": DAY.isoformat()}
# Generous: a test fails on a wrong answer, not on a slow machine (the old failure was a 30 s
# hang followed by a 500, which the status check catches).
TIMEOUT = 120


@pytest.fixture
def server(
    db_url: str, engine: Engine, policy_repo: Path, tokens: Tokens, tmp_path: Path
) -> Iterator[LiveServer]:
    seed_overdue(engine, 220)
    with live_server(db_url, policy_repo, tmp_path / "serve.log") as running:
        yield running


def client(server: LiveServer, tokens: Tokens, role: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(
        base_url=server.base, headers=tokens.headers(role), timeout=TIMEOUT, limits=limits
    )


def action_ids(server: LiveServer, tokens: Tokens) -> list[str]:
    listing = httpx.get(
        f"{server.base}/v1/actions",
        params={**DATE, "limit": 1000},
        headers=tokens.headers("viewer"),
        timeout=TIMEOUT,
    ).json()
    return [item["id"] for item in listing["items"]]


async def post(http: httpx.AsyncClient, action_id: str, body: dict[str, Any]) -> httpx.Response:
    return await http.post(f"/v1/actions/{action_id}/outcome", params=DATE, json=body)


def count(engine: Engine, table: Any, *where: Any) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_fifty_collectors_on_one_action_at_once(
    server: LiveServer, tokens: Tokens, engine: Engine
) -> None:
    action = action_ids(server, tokens)[0]

    async def run() -> list[httpx.Response]:
        async with client(server, tokens, "collector", 50) as http:
            return await asyncio.gather(
                *(post(http, action, {"outcome": ("done", "skipped")[i % 2]}) for i in range(50))
            )

    answers = asyncio.run(run())

    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) <= {200, 201, 409}, statuses
    assert statuses[201] == 1
    [winner] = [r.json()["outcome"] for r in answers if r.status_code == 201]
    for answer in answers:
        if answer.status_code == 409:
            assert answer.json()["outcome_in_force"]["outcome"] == winner
        elif answer.status_code == 200:
            assert answer.json()["outcome"] == winner
    assert statuses[200] == 24 and statuses[409] == 25
    assert count(engine, action_log) == 1


def test_two_hundred_writers_and_fifty_readers_at_once(
    server: LiveServer, tokens: Tokens, engine: Engine
) -> None:
    actions = action_ids(server, tokens)[:200]
    assert len(actions) == 200
    writes_done = asyncio.Event()

    async def reader(http: httpx.AsyncClient) -> list[int]:
        seen = []
        while not writes_done.is_set():
            response = await http.get("/v1/actions", params={**DATE, "limit": 100})
            seen.append(response.status_code)
        return seen

    async def run() -> tuple[list[httpx.Response], list[list[int]]]:
        async with (
            client(server, tokens, "collector", 200) as writers,
            client(server, tokens, "viewer", 50) as readers,
        ):
            reading = [asyncio.create_task(reader(readers)) for _ in range(50)]
            written = await asyncio.gather(
                *(post(writers, a, {"outcome": "done"}) for a in actions)
            )
            writes_done.set()
            return written, await asyncio.gather(*reading)

    written, read = asyncio.run(run())

    assert Counter(r.status_code for r in written) == {201: 200}
    assert Counter(s for statuses in read for s in statuses).keys() == {200}
    assert count(engine, action_log) == 200
    # Every recorded action has left the list, on the very next request.
    assert set(action_ids(server, tokens)).isdisjoint(actions)


def test_promises_sent_at_once_leave_one_in_force(
    server: LiveServer, tokens: Tokens, engine: Engine
) -> None:
    same, different = action_ids(server, tokens)[:2]
    promise = {"outcome": "promise", "pay_by": "2026-12-04", "amount": "100.00"}

    async def run() -> tuple[list[httpx.Response], list[httpx.Response]]:
        async with client(server, tokens, "collector", 40) as http:
            identical = asyncio.gather(*(post(http, same, promise) for _ in range(20)))
            others = asyncio.gather(
                *(post(http, different, {**promise, "amount": f"{100 + i}.00"}) for i in range(20))
            )
            return await identical, await others

    identical, others = asyncio.run(run())

    assert Counter(r.status_code for r in identical) == {201: 1, 200: 19}
    assert len({r.json()["promise"]["id"] for r in identical}) == 1
    assert Counter(r.status_code for r in others) == {201: 20}
    customers = {r.json()["customer"] for r in (*identical, *others)}
    assert len(customers) == 2
    in_force = count(engine, promises, promises.c.superseded_by.is_(None))
    assert (count(engine, promises), in_force) == (21, 2)
    assert count(engine, action_log) == 2


def test_sigterm_finishes_the_writes_in_flight_and_loses_none(
    server: LiveServer, tokens: Tokens, engine: Engine
) -> None:
    actions = action_ids(server, tokens)
    acknowledged: list[dict[str, Any]] = []
    after_sigterm = 0
    refused = 0
    signalled = False

    async def writer(http: httpx.AsyncClient, mine: list[str]) -> None:
        nonlocal refused, after_sigterm
        for n, action in enumerate(mine):
            body: dict[str, Any] = {"outcome": "done"}
            if n % 2:
                body = {"outcome": "promise", "pay_by": "2026-12-04", "amount": "50.00"}
            sent_before_sigterm = not signalled
            try:
                response = await post(http, action, body)
            except httpx.TransportError:
                refused += 1  # the server stopped listening: this one was never acknowledged
                return
            assert response.status_code in (200, 201), response.text
            acknowledged.append(response.json())
            after_sigterm += sent_before_sigterm and signalled

    async def run() -> None:
        nonlocal signalled
        async with client(server, tokens, "collector", 20) as http:
            tasks = [asyncio.create_task(writer(http, actions[i::20])) for i in range(20)]
            while len(acknowledged) < 40:
                await asyncio.sleep(0.01)
            server.process.send_signal(signal.SIGTERM)
            signalled = True
            await asyncio.gather(*tasks)

    asyncio.run(run())

    # uvicorn shuts down gracefully, then exits by the signal it was sent, as a service should.
    assert server.stop(signal.SIGTERM) == -signal.SIGTERM
    assert "Application shutdown complete" in server.log.read_text()
    assert after_sigterm > 0, "no write was in flight when SIGTERM came"
    assert refused > 0, "the server never stopped taking writes"
    with engine.connect() as conn:
        logged = {
            row.action_id: row.outcome or row.status
            for row in conn.execute(
                select(action_log.c.action_id, action_log.c.outcome, action_log.c.status)
            )
        }
        promised = {row[0] for row in conn.execute(select(promises.c.customer_id))}
        promise_outcomes = {
            row[0]
            for row in conn.execute(
                select(action_log.c.customer_id).where(action_log.c.outcome == "promise")
            )
        }
    # Every acknowledged outcome is there, as acknowledged.
    for answer in acknowledged:
        assert logged.get(answer["action_id"]) == answer["outcome"]
    # Nothing half-written: a promise outcome and its promise were committed together.
    assert promised == promise_outcomes
