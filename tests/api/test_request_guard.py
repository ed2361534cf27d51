"""Who sends a request is checked before its body is read, and no body is larger than the limit.

The app is called as a server calls it (ASGI), with a body source that counts what was read: a
refused request must have read none of it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine

from api.app import create_app
from api.deps import CollectorDep
from api.settings import MAX_BODY_BYTES, ApiSettings
from tests.api.conftest import Tokens
from tests.api.live_server import live_server

ROWS = {"rows": [{"id": "TEST-0009", "name": "Nine"}]}


class Note(BaseModel):
    text: str


@dataclasses.dataclass
class Answer:
    status: int
    body: dict[str, Any]
    chunks_read: int


def call(
    app: FastAPI, path: str, chunks: list[bytes], headers: dict[str, str], *, declare: bool = True
) -> Answer:
    """Return what ``app`` answers to a POST of ``chunks``, and how many chunks it read."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw.append((b"content-type", b"application/json"))
    if declare:
        raw.append((b"content-length", str(sum(map(len, chunks))).encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": raw, "client": ("127.0.0.1", 1), "server": ("test", 80),
    }  # fmt: skip
    read = 0
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {
                "type": "http.request",
                "body": chunks[read - 1],
                "more_body": read < len(chunks),
            }
        await asyncio.sleep(3600)  # the client waits for the answer
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Answer(status, json.loads(body), read)


def big_body(size: int) -> list[bytes]:
    """Return a JSON import of about ``size`` bytes, in 64 KiB chunks."""
    row = json.dumps({"id": "TEST-0009", "name": "N" * 200}).encode()
    data = b'{"rows": [' + b",".join([row] * (size // (len(row) + 1) + 1)) + b"]}"
    return [data[i : i + 65536] for i in range(0, len(data), 65536)]


@pytest.fixture
def app(settings: ApiSettings) -> Iterator[FastAPI]:
    created = create_app(settings)
    with TestClient(created):  # started: the policy loaded
        yield created


def test_a_large_body_without_a_token_is_refused_unread(app: FastAPI) -> None:
    answer = call(app, "/v1/ledger/customers", big_body(30 * 1024 * 1024), {})

    assert answer.status == 401
    assert answer.body["type"] == "urn:dunning:problem:unauthenticated"
    assert answer.chunks_read == 0


def test_a_role_too_low_is_refused_before_the_body(app: FastAPI, tokens: Tokens) -> None:
    answer = call(app, "/v1/ledger/customers", big_body(1024 * 1024), tokens.headers("viewer"))

    assert answer.status == 403
    assert answer.chunks_read == 0


def test_a_declared_body_over_the_limit_is_refused_unread(app: FastAPI, tokens: Tokens) -> None:
    answer = call(
        app, "/v1/ledger/customers", big_body(MAX_BODY_BYTES + 1), tokens.headers("admin")
    )

    assert answer.status == 413
    assert answer.body["type"] == "urn:dunning:problem:content-too-large"
    assert answer.body["limit_bytes"] == MAX_BODY_BYTES
    assert answer.chunks_read == 0


def test_an_undeclared_body_is_cut_off_at_the_limit(app: FastAPI, tokens: Tokens) -> None:
    chunks = big_body(3 * MAX_BODY_BYTES)
    answer = call(app, "/v1/ledger/customers", chunks, tokens.headers("admin"), declare=False)

    assert answer.status == 413
    assert answer.body["type"] == "urn:dunning:problem:content-too-large"
    # Read up to the limit and one chunk past it, then refused: never the whole body.
    assert answer.chunks_read == MAX_BODY_BYTES // 65536 + 1 < len(chunks)


def test_a_body_within_the_limit_is_read(app: FastAPI, tokens: Tokens) -> None:
    chunks = [json.dumps(ROWS).encode()]
    answer = call(app, "/v1/ledger/customers", chunks, tokens.headers("admin"), declare=False)

    assert (answer.status, answer.body["inserted"], answer.chunks_read) == (200, 1, 1)


def test_the_limit_is_a_setting(settings: ApiSettings, tokens: Tokens) -> None:
    small = create_app(dataclasses.replace(settings, max_body_bytes=100))
    with TestClient(small) as client:
        rows = {"rows": [{"id": f"TEST-00{n:02d}", "name": "Someone"} for n in range(10, 14)]}
        over = client.post("/v1/ledger/customers", json=rows, headers=tokens.headers("admin"))
        under = client.post("/v1/ledger/customers", json=ROWS, headers=tokens.headers("admin"))

    assert over.status_code == 413
    assert over.headers["content-type"] == "application/problem+json"
    assert under.status_code == 200


def test_a_route_added_later_is_guarded_the_same(app: FastAPI, tokens: Tokens) -> None:
    @app.post("/v1/notes-of-another-module")
    def add_note(who: CollectorDep, note: Note) -> dict[str, str]:
        return {"who": who.name, "text": note.text}

    path = "/v1/notes-of-another-module"
    refused = call(app, path, big_body(1024 * 1024), {})
    admitted = call(app, path, [b'{"text": "Called"}'], tokens.headers("collector"))

    assert (refused.status, refused.chunks_read) == (401, 0)
    assert (admitted.status, admitted.body) == (200, {"who": "test-collector", "text": "Called"})


def test_a_form_without_a_bearer_role_is_left_to_its_route(app: FastAPI) -> None:
    # The sign-in form is sent before anyone is signed in: its route checks it.
    with TestClient(app) as client:
        answer = client.post("/signin", data={"token": "not-a-token"}, follow_redirects=False)

    assert answer.status_code not in (401, 413)


def peak_memory_kib(pid: int) -> int:
    """Return the most memory the process ``pid`` has held (VmHWM), in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))


def send_head(base: str, path: str, headers: dict[str, str], body_start: bytes) -> int:
    """Send a request's head and the start of its body over a socket; return the status that
    comes back before the rest of the body is sent."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        head = f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(head.encode() + b"\r\n" + body_start)
        status_line = sock.makefile("rb").readline()
    return int(status_line.split()[1])


@pytest.mark.slow
def test_a_running_server_answers_a_large_body_without_reading_it(
    db_url: str, engine: Engine, policy_repo: Path, tokens: Tokens, tmp_path: Path
) -> None:
    thirty_mb = str(30 * 1024 * 1024)
    with live_server(db_url, policy_repo, tmp_path / "serve.log", "--max-body-mb", "1") as server:
        before = peak_memory_kib(server.process.pid)
        anonymous = send_head(server.base, "/v1/ledger/customers",
                              {"Content-Length": thirty_mb}, b'{"rows": [')  # fmt: skip
        too_large = send_head(server.base, "/v1/ledger/customers",
                              {"Content-Length": thirty_mb, **tokens.headers("admin")},
                              b'{"rows": [')  # fmt: skip
        healthy = httpx.get(f"{server.base}/healthz", timeout=30).status_code
        grown = peak_memory_kib(server.process.pid) - before

    assert (anonymous, too_large, healthy) == (401, 413, 200)
    assert grown < 20 * 1024, f"the server grew by {grown} KiB"
