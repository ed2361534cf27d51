"""Fixtures of the page tests: the API's app and ledger, and browsers signed in by role.

The app, database (SQLite, and PostgreSQL when configured), policy repository and tokens are the
API tests' (``tests/api/conftest.py``); ``signed_in`` gives a client whose session cookie came
from the real sign-in form.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.api.conftest import Tokens, client, engine, policy_repo, settings, tokens
from tests.api.ledger_data import DAY, seed

__all__ = ["client", "engine", "policy_repo", "settings", "tokens"]

DATE = {"date": DAY.isoformat()}
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """Return the CSRF key the page's forms carry."""
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF key"
    return found.group(1)


def sign_in(client: TestClient, token: str, next_url: str = "/") -> None:
    """Sign ``client`` in through the sign-in form (its cookie is kept by the client)."""
    form = client.get("/signin", params={"next": next_url})
    assert form.status_code == 200
    response = client.post(
        "/signin",
        data={"token": token, "csrf": csrf_of(form.text), "next": next_url},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def browsers(client: TestClient, token: str, count: int) -> list[TestClient]:
    """Return ``count`` clients of ``client``'s app, each signed in with a session of its own."""
    opened = [TestClient(client.app) for _ in range(count)]
    for each in opened:
        sign_in(each, token)
    return opened


@pytest.fixture
def ledger(engine: Engine) -> None:
    """The API tests' small ledger (four customers; on DAY a call, reminders, a pause)."""
    seed(engine)


SignedIn = Callable[[str], TestClient]


@pytest.fixture
def signed_in(client: TestClient, tokens: Tokens, ledger: None) -> SignedIn:
    """Return a function that signs the client in with the token of a role."""

    def as_role(role: str) -> TestClient:
        client.cookies.clear()
        sign_in(client, getattr(tokens, role))
        return client

    return as_role
