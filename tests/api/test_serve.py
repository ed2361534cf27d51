"""A real ``dunning serve`` process: fetch the list, record an outcome, the action leaves."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.api.conftest import Tokens
from tests.api.ledger_data import DAY, seed
from tests.api.live_server import live_server
from tests.git_repo import git

pytestmark = pytest.mark.slow


@pytest.fixture
def server(
    db_url: str, engine: Engine, policy_repo: Path, tokens: Tokens, tmp_path: Path
) -> Iterator[tuple[str, Path]]:
    seed(engine)
    with live_server(db_url, policy_repo, tmp_path / "serve.log") as running:
        yield running.base, running.log


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
