"""Browser sessions of the staff workspace: an API token exchanged for a cookie that expires.

The cookie holds 256 random bits; only their SHA-256 is stored (as for API tokens). A session
belongs to the token it signed in with and has that token's name and role: revoking the token ends
its sessions at once, because a session is only found joined to a live token. Each session has its
own CSRF key, which every form of the workspace carries.

A session ends when it has been idle for ``idle`` or, whatever the activity, ``lifetime`` after
sign-in; activity moves the idle deadline on at most once a minute, so reading pages costs no write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, delete, select, update

from store.models import api_tokens, web_sessions
from store.notes import as_utc
from store.tokens import Role, hash_token

IDLE = timedelta(hours=1)
LIFETIME = timedelta(hours=12)
# Activity moves the idle deadline on at most this often (a write), not on every page.
TOUCH_EVERY = timedelta(minutes=1)
_SECRET_BYTES = 32


@dataclass(frozen=True, slots=True)
class WebSession:
    """A live session: who (the token's name and role), its CSRF key, and when it ends."""

    name: str
    role: Role
    csrf: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A new session: the cookie value (given to the browser once) and the session."""

    cookie: str
    session: WebSession


def _hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode("utf-8")).hexdigest()


def start_session(
    conn: Connection,
    token: str,
    *,
    now: datetime | None = None,
    idle: timedelta = IDLE,
    lifetime: timedelta = LIFETIME,
) -> StartedSession | None:
    """Return a new session for the live API token ``token``, or None when the token is unknown
    or revoked."""
    row = conn.execute(
        select(api_tokens.c.id, api_tokens.c.name, api_tokens.c.role).where(
            api_tokens.c.token_hash == hash_token(token), api_tokens.c.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        return None
    moment = now or datetime.now(UTC)
    cookie = secrets.token_urlsafe(_SECRET_BYTES)
    csrf = secrets.token_urlsafe(_SECRET_BYTES)
    expires = min(moment + idle, moment + lifetime)
    conn.execute(
        web_sessions.insert().values(
            id_hash=_hash(cookie),
            token_id=row.id,
            csrf=csrf,
            created_at=moment,
            seen_at=moment,
            expires_at=expires,
        )
    )
    session = WebSession(row.name, Role(row.role), csrf, moment, moment, expires)
    return StartedSession(cookie, session)


def find_session(
    conn: Connection,
    cookie: str,
    *,
    now: datetime | None = None,
    idle: timedelta = IDLE,
    lifetime: timedelta = LIFETIME,
) -> WebSession | None:
    """Return the live session of ``cookie`` (its idle deadline moved on), or None when there is
    none, it expired, or its token was revoked."""
    moment = now or datetime.now(UTC)
    s, t = web_sessions.c, api_tokens.c
    row = conn.execute(
        select(t.name, t.role, s.csrf, s.created_at, s.seen_at, s.expires_at)
        .join(api_tokens, api_tokens.c.id == s.token_id)
        .where(s.id_hash == _hash(cookie), t.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    created, seen, expires = as_utc(row.created_at), as_utc(row.seen_at), as_utc(row.expires_at)
    if moment >= expires or moment >= created + lifetime:
        return None
    if moment - seen >= TOUCH_EVERY:
        seen, expires = moment, min(moment + idle, created + lifetime)
        conn.execute(
            update(web_sessions)
            .where(web_sessions.c.id_hash == _hash(cookie))
            .values(seen_at=seen, expires_at=expires)
        )
    return WebSession(row.name, Role(row.role), row.csrf, created, seen, expires)


def end_session(conn: Connection, cookie: str) -> None:
    """End the session of ``cookie`` (nothing happens when there is none)."""
    conn.execute(delete(web_sessions).where(web_sessions.c.id_hash == _hash(cookie)))


def purge_expired(conn: Connection, *, now: datetime | None = None) -> int:
    """Delete the sessions whose idle deadline has passed; return how many."""
    moment = now or datetime.now(UTC)
    done = conn.execute(delete(web_sessions).where(web_sessions.c.expires_at <= moment))
    return int(done.rowcount or 0)
