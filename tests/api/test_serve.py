"""A real ``dunning serve`` process: fetch the list, record an outcome, the action leaves."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.api.conftest import ROOT, Tokens, git
from tests.api.ledger_data import DAY, seed

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(
    db_url: str, engine: Engine, policy_repo: Path, tokens: Tokens, tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    seed(engine)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dunning",
                "serve",
                "--port",
                str(port),
                "--database",
                db_url,
                "--repo",
                str(policy_repo),
                "--policy-ref",
                "main",
            ],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dunning serve did not become ready:\n{log.read_text()}")
            time.sleep(0.2)
        yield base, log
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_an_outcome_takes_the_action_off_the_list(
    server: tuple[str, Path], tokens: Tokens, policy_repo: Path
) -> None:
    base, log = server
    headers = tokens.headers("collector")
    params = {"date": DAY.isoformat(), "customer": "TEST-0002"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        listing = client.get("/v1/actions", params=params)
        assert listing.status_code == 200
        assert listing.headers["X-Policy-Version"] == git(policy_repo, "rev-parse", "main")
        [action] = listing.json()["items"]

        recorded = client.post(
            f"/v1/actions/{action['id']}/outcome",
            params={"date": DAY.isoformat()},
            json={"outcome": "done", "note": "Reminder sent"},
        )
        assert recorded.status_code == 201

        after = client.get("/v1/actions", params=params)
        assert after.json()["items"] == []
        assert after.json()["total"] == 0

    text = log.read_text()
    assert "GET /v1/actions 200" in text
    assert tokens.collector not in text
    assert "TEST-0002" not in text
    assert action["id"] not in text
