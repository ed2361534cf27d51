"""Browser sessions: exchanged for a live token, idle and absolute expiry, ended by revocation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from store.models import web_sessions
from store.tokens import Role, create_token, revoke_token
from store.web_sessions import (
    IDLE,
    LIFETIME,
    end_session,
    find_session,
    purge_expired,
    start_session,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def token(ledger_engine: Engine) -> str:
    with ledger_engine.begin() as conn:
        return create_token(conn, "ann", Role.COLLECTOR).token


def test_a_live_token_starts_a_session_that_names_its_holder(
    ledger_engine: Engine, token: str
) -> None:
    with ledger_engine.begin() as conn:
        started = start_session(conn, token, now=T0)
        assert started is not None
        found = find_session(conn, started.cookie, now=T0 + timedelta(minutes=5))
    assert found is not None
    assert (found.name, found.role, found.csrf) == ("ann", Role.COLLECTOR, started.session.csrf)
    with ledger_engine.connect() as conn:
        stored = conn.execute(select(web_sessions.c.id_hash)).scalar_one()
    assert started.cookie not in stored  # only the hash is kept


def test_an_unknown_token_starts_nothing(ledger_engine: Engine) -> None:
    with ledger_engine.begin() as conn:
        assert start_session(conn, "dun_not-a-token", now=T0) is None


def test_a_session_ends_after_being_idle(ledger_engine: Engine, token: str) -> None:
    with ledger_engine.begin() as conn:
        started = start_session(conn, token, now=T0)
        assert started is not None
        assert find_session(conn, started.cookie, now=T0 + IDLE - timedelta(seconds=1))
        assert find_session(conn, started.cookie, now=T0 + IDLE * 2) is None


def test_activity_keeps_a_session_alive_up_to_its_lifetime(
    ledger_engine: Engine, token: str
) -> None:
    with ledger_engine.begin() as conn:
        started = start_session(conn, token, now=T0)
        assert started is not None
        moment = T0
        while moment + IDLE / 2 < T0 + LIFETIME:
            moment += IDLE / 2
            assert find_session(conn, started.cookie, now=moment) is not None
        assert find_session(conn, started.cookie, now=T0 + LIFETIME) is None


def test_signing_out_and_revoking_the_token_end_sessions(
    ledger_engine: Engine, token: str
) -> None:
    with ledger_engine.begin() as conn:
        one, two = start_session(conn, token, now=T0), start_session(conn, token, now=T0)
        assert one is not None and two is not None
        end_session(conn, one.cookie)
        assert find_session(conn, one.cookie, now=T0) is None
        assert find_session(conn, two.cookie, now=T0) is not None
        revoke_token(conn, "ann")
        assert find_session(conn, two.cookie, now=T0) is None


def test_expired_sessions_are_purged(ledger_engine: Engine, token: str) -> None:
    with ledger_engine.begin() as conn:
        start_session(conn, token, now=T0)
        start_session(conn, token, now=T0 + LIFETIME)
        assert purge_expired(conn, now=T0 + IDLE) == 1
        assert conn.execute(select(func.count()).select_from(web_sessions)).scalar_one() == 1
