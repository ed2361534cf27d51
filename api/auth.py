"""Bearer tokens and roles: who is calling, and whether their role may do what they ask.

Tokens are looked up by their SHA-256 hash (``store.tokens``); a verified token is remembered
by its hash for a few seconds so the daily list does not pay a database round trip per request.
The token itself is never kept, logged or echoed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi.concurrency import run_in_threadpool
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy import Engine

from api.errors import ForbiddenError, UnauthenticatedError
from store.tokens import Role, find_token, hash_token

# Remember at most this many verified tokens (a service has a handful of real ones).
_CACHE_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: the token's name (recorded as ``who`` on outcomes) and role."""

    name: str
    role: Role


class TokenVerifier:
    """Turns a bearer token into a ``Principal``, with a short-lived cache of verified tokens."""

    def __init__(
        self, engine: Engine, cache_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine = engine
        self._ttl = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> Principal | None:
        """Return the principal of a token verified less than ``cache_seconds`` ago, or None."""
        hit = self._cache.get(hash_token(token))
        if hit is not None and self._clock() - hit[1] < self._ttl:
            return hit[0]
        return None

    def verify(self, token: str) -> Principal | None:
        """Return the principal of ``token`` (cache first, then the database), or None."""
        found = self.cached(token)
        if found is not None:
            return found
        with self._engine.connect() as conn:
            record = find_token(conn, token)
        if record is None:
            return None
        principal = Principal(record.name, record.role)
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[hash_token(token)] = (principal, self._clock())
        return principal

    def forget(self) -> None:
        """Drop every remembered token (after a revocation through the API or in tests)."""
        with self._lock:
            self._cache.clear()


async def bearer_principal(tokens: TokenVerifier, authorization: str | None) -> Principal | None:
    """Return who an ``Authorization`` header names: a known ``Bearer`` token's principal, else
    None (no header, another scheme, an unknown or revoked token). The cache answers on the event
    loop; only a token it does not hold costs a database lookup, in the thread pool."""
    scheme, token = get_authorization_scheme_param(authorization)
    if scheme.lower() != "bearer" or not token:
        return None
    return tokens.cached(token) or await run_in_threadpool(tokens.verify, token)


def authorise(principal: Principal | None, needed: Role) -> Principal:
    """Return ``principal`` when its role allows ``needed``; raise 401 or 403 otherwise."""
    if principal is None:
        raise UnauthenticatedError(
            "Send a valid token as 'Authorization: Bearer <token>' "
            "(an admin creates one with `dunning token create`)."
        )
    if not principal.role.allows(needed):
        raise ForbiddenError(
            f"This needs the {needed.value} role; the token '{principal.name}' has the "
            f"{principal.role.value} role."
        )
    return principal
