"""API tokens: issued once, stored only as a SHA-256 hash, each with one role.

A token is ``dun_`` followed by 43 URL-safe characters of a 256-bit random secret. With that much
entropy a plain SHA-256 is the right hash (a slow password hash only defends low-entropy secrets
against guessing), and it lets the service find a token by its hash with one index lookup. The
token itself is printed once by ``dunning token create`` and never stored or logged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.models import api_tokens

TOKEN_PREFIX = "dun_"  # noqa: S105 - a prefix that makes leaked tokens easy to scan for
_SECRET_BYTES = 32


class Role(StrEnum):
    """What a token may do: viewer reads, collector also records outcomes, admin does everything."""

    VIEWER = "viewer"
    COLLECTOR = "collector"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        """Return the role's place in the order viewer < collector < admin."""
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """Return whether this role may do what ``needed`` may."""
        return self.rank >= needed.rank


_RANKS = {Role.VIEWER: 0, Role.COLLECTOR: 1, Role.ADMIN: 2}


class TokenError(Exception):
    """A token cannot be created or revoked as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored token, without its secret."""

    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: the secret (shown once) and its record."""

    token: str
    record: TokenRecord


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of ``token``: what the database stores and looks up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """Return a fresh random token (256 bits of entropy)."""
    return TOKEN_PREFIX + secrets.token_urlsafe(_SECRET_BYTES)


def create_token(
    conn: Connection, name: str, role: Role, *, now: datetime | None = None
) -> IssuedToken:
    """Return a new token named ``name`` with ``role``, its hash stored; refuse a name in use."""
    token = new_token()
    created = now or datetime.now(UTC)
    try:
        conn.execute(
            insert(api_tokens).values(
                name=name, role=role.value, token_hash=hash_token(token), created_at=created
            )
        )
    except IntegrityError as exc:
        raise TokenError(
            f"a token named '{name}' already exists: pick another name or revoke that one"
        ) from exc
    return IssuedToken(token, TokenRecord(name, role, created))


def find_token(conn: Connection, token: str) -> TokenRecord | None:
    """Return the live (not revoked) token record for ``token``, or None."""
    digest = hash_token(token)
    row = conn.execute(
        select(
            api_tokens.c.name,
            api_tokens.c.role,
            api_tokens.c.token_hash,
            api_tokens.c.created_at,
        ).where(api_tokens.c.token_hash == digest, api_tokens.c.revoked_at.is_(None))
    ).first()
    # The lookup is by hash, so a timing difference tells nothing about the secret; the compare
    # below is constant-time all the same, so no code path compares secrets byte by byte.
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return TokenRecord(row.name, Role(row.role), row.created_at)


def list_tokens(conn: Connection) -> Sequence[TokenRecord]:
    """Return every token record (revoked ones too), by name."""
    rows = conn.execute(
        select(
            api_tokens.c.name,
            api_tokens.c.role,
            api_tokens.c.created_at,
            api_tokens.c.revoked_at,
        ).order_by(api_tokens.c.name)
    ).all()
    return [TokenRecord(r.name, Role(r.role), r.created_at, r.revoked_at) for r in rows]


def revoke_token(conn: Connection, name: str, *, now: datetime | None = None) -> None:
    """Revoke the live token named ``name``, or raise ``TokenError`` when there is none."""
    done = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now or datetime.now(UTC))
    )
    if done.rowcount == 0:
        raise TokenError(f"no live token named '{name}' (`dunning token list` shows them)")
