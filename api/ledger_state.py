"""The ledger's state: a token that changes whenever the ledger may have changed.

Two sources, because writes reach the database two ways. Every write through the API bumps a
counter at once, so a recorded outcome leaves the list on the very next request. Writes from
outside (``dunning import`` in a cron job, another process) are seen through a fingerprint of
the database (``store.fingerprint``): the newest import and action-log row ids and the sizes of
the tables that can change without an import (disputes, promises, plans recorded as outcomes).
It costs a few index lookups and small counts, and is taken at most once every
``check_seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy import Engine

from store.fingerprint import Fingerprint, ledger_fingerprint


class LedgerState:
    """Hands out the current ledger state token: ``(API write count, database fingerprint)``."""

    def __init__(
        self, engine: Engine, check_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine = engine
        self._check_seconds = check_seconds
        self._clock = clock
        self._writes = 0
        self._fingerprint: Fingerprint | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def check_due(self) -> bool:
        """Return whether the next ``token()`` call will ask the database."""
        return self._clock() - self._checked_at >= self._check_seconds

    def token(self) -> tuple[int, Fingerprint]:
        """Return the current state token, asking the database when the last check is stale."""
        if self.check_due():
            with self._lock:
                if self.check_due():
                    self._refresh()
        assert self._fingerprint is not None
        return (self._writes, self._fingerprint)

    def cached_token(self) -> tuple[int, Fingerprint] | None:
        """Return the state token without asking the database, or None when a check is due."""
        if self._fingerprint is None or self.check_due():
            return None
        return (self._writes, self._fingerprint)

    def written(self) -> None:
        """Record that the API changed the ledger: the next token differs from every earlier one."""
        with self._lock:
            self._writes += 1
            # The write may also have moved the fingerprint; re-read it on the next request so
            # the token does not flip twice (once now, once at the next periodic check).
            self._checked_at = float("-inf")

    def _refresh(self) -> None:
        with self._engine.connect() as conn:
            self._fingerprint = ledger_fingerprint(conn)
        self._checked_at = self._clock()
