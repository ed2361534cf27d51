"""Fixtures of the API tests: a migrated database, a policy git repository, tokens, the app.

Every test gets a fresh database (the store's ``db_url`` fixture: SQLite, and PostgreSQL when
``DUNNING_TEST_POSTGRES_URL`` is set) and its own git repository holding a copy of the project's
policy, committed on ``main``, so tests can commit to it and move the ref.
"""

from __future__ import annotations

import os
import shutil
import subprocess
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

ROOT = Path(__file__).resolve().parents[2]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.invalid",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` and return its output."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **GIT_ENV},
    )
    return done.stdout.strip()


def commit_all(repo: Path, message: str) -> str:
    """Commit everything in ``repo`` and return the new commit id."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def policy_repo(tmp_path: Path) -> Path:
    """Return a git repository (branch main) holding the project's policy, committed."""
    repo = tmp_path / "policy-repo"
    repo.mkdir()
    for folder in ("policies", "customers"):
        shutil.copytree(ROOT / folder, repo / folder)
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, "Policy")
    return repo


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
