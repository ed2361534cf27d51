"""Fixtures of the API tests: a migrated database, a policy git repository, tokens, the app.

Every test gets a fresh database (the store's ``db_url`` fixture: SQLite, and PostgreSQL when
``DUNNING_TEST_POSTGRES_URL`` is set) and its own git repository holding a copy of the project's
policy, committed on ``main``, so tests can commit to it and move the ref.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.app import create_app
from api.settings import ApiSettings
from store.connection import create_store_engine
from store.migrate import upgrade
from store.tokens import Role, create_token
from tests.git_repo import policy_repository

ROOT = Path(__file__).resolve().parents[2]
@pytest.fixture
def policy_repo(tmp_path: Path) -> Path:
    """Return a git repository (branch main) holding the project's policy, committed."""
    return policy_repository(tmp_path / "policy-repo")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """Return an engine on a fresh database migrated to the newest revision."""
    created = create_store_engine(db_url)
    upgrade(created)
    yield created
    created.dispose()


@dataclass(frozen=True, slots=True)
class Tokens:
    """One token per role."""

    viewer: str
    collector: str
    admin: str

    def headers(self, role: str | None) -> dict[str, str]:
        """Return the Authorization header of ``role`` (none for None)."""
        if role is None:
            return {}
        return {"Authorization": f"Bearer {getattr(self, role)}"}


@pytest.fixture
def tokens(engine: Engine) -> Tokens:
    """Return a token for each role, stored in the test database."""
    with engine.begin() as conn:
        issued = {role: create_token(conn, f"test-{role.value}", role).token for role in Role}
    return Tokens(issued[Role.VIEWER], issued[Role.COLLECTOR], issued[Role.ADMIN])


@pytest.fixture
def settings(db_url: str, policy_repo: Path, engine: Engine) -> ApiSettings:
    """Return settings that check the ref and the ledger on every request (no waiting)."""
    return ApiSettings(
        database_url=db_url,
        repo=policy_repo,
        policy_ref="main",
        ref_check_seconds=0,
        ledger_check_seconds=0,
        token_cache_seconds=0,
    )


@pytest.fixture
def client(settings: ApiSettings) -> Iterator[TestClient]:
    """Return a client of a started app (lifespan run: the policy loaded)."""
    with TestClient(create_app(settings)) as started:
        yield started
