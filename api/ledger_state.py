"""The ledger's state: a token that changes whenever the ledger may have changed, and which
customers changed from one token to the next.

The token is ``(epoch, generation)``. A write through the API that says which customer it
touched (an outcome, a promise, a dispute) moves the generation on at once and records the
customer, so a computed action list is brought up to date by evaluating that customer again
(``api.action_lists``), not the whole ledger. A write that cannot say (a bulk import) moves the
epoch on: every list is computed afresh.

Writes from outside (``dunning import`` in a cron job, another service process) are seen
through a fingerprint of the database (``store.fingerprint``), read at most every
``check_seconds``: the newest import id and the sizes of the tables an outcome can grow, compared
with what the last check saw plus what this process wrote since; and the action-log rows added
since the last check that this process did not write, whose customers are evaluated again. A
count that moved by more than this process explains, a new import, a new customer or plan moves
the epoch on.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine

from store.fingerprint import FINGERPRINT_SIZE, ledger_fingerprint, log_rows_after

LedgerToken = tuple[int, int]

# Changes remembered for bringing lists up to date; a list older than that is computed afresh.
_MAX_CHANGES = 10_000
# Outside outcomes read per check; beyond that, evaluating everything again is cheaper.
_MAX_LOG_ROWS = 5_000
# Fingerprint positions (store.fingerprint): the newest action-log id, and the counts that an
# outcome recorded through the API may grow (disputes, open disputes, promises).
_LOG_ID = 1
_DISPUTES, _OPEN_DISPUTES, _PROMISES = 3, 4, 5


@dataclass(frozen=True, slots=True)
class Written:
    """What one API write added to the ledger, for its customer."""

    customer_id: str
    log_ids: tuple[int, ...] = ()
    promises: int = 0
    disputes: int = 0


class _CommitGate:
    """Keeps the fingerprint check apart from the API's commits: a check reads the database
    while no API write is between its commit and its ``recorded``, so what the check sees and
    what this process says it wrote always agree (no write is counted twice or missed)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._committing = 0
        self._checking = False

    @contextmanager
    def committing(self) -> Iterator[None]:
        with self._cond:
            while self._checking:
                self._cond.wait()
            self._committing += 1
        try:
            yield
        finally:
            with self._cond:
                self._committing -= 1
                self._cond.notify_all()

    @contextmanager
    def checking(self) -> Iterator[None]:
        with self._cond:
            while self._checking:
                self._cond.wait()
            self._checking = True
            while self._committing:
                self._cond.wait()
        try:
            yield
        finally:
            with self._cond:
                self._checking = False
                self._cond.notify_all()


class LedgerState:
    """Hands out the ledger state token and the customers changed between two tokens."""

    def __init__(
        self, engine: Engine, check_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine = engine
        self._check_seconds = check_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._epoch = 0
        self._generation = 0
        self._changes: deque[tuple[int, frozenset[str]]] = deque(maxlen=_MAX_CHANGES)
        self._fingerprint: tuple[int, ...] | None = None
        self._seen_log_id = 0
        self._own_log_ids: set[int] = set()
        self._own = [0] * FINGERPRINT_SIZE
        self._checked_at = float("-inf")
        self._gate = _CommitGate()

    def committing(self) -> AbstractContextManager[None]:
        """Hold this around an API write's commit and its ``recorded`` call."""
        return self._gate.committing()

    def check_due(self) -> bool:
        """Return whether the next ``token()`` call will ask the database."""
        return self._clock() - self._checked_at >= self._check_seconds

    def token(self) -> LedgerToken:
        """Return the current state token, asking the database when the last check is stale."""
        if self.check_due():
            self._refresh()
        return (self._epoch, self._generation)

    def cached_token(self) -> LedgerToken | None:
        """Return the state token without asking the database, or None when a check is due."""
        if self._fingerprint is None or self.check_due():
            return None
        return (self._epoch, self._generation)

    def recorded(self, written: Written) -> None:
        """Record a committed API write (call it inside ``committing()``, right after the
        commit): the next token differs, and names its customer."""
        with self._lock:
            self._own_log_ids.update(written.log_ids)
            self._own[_DISPUTES] += written.disputes
            self._own[_OPEN_DISPUTES] += written.disputes
            self._own[_PROMISES] += written.promises
            self._changed([written.customer_id])

    def written(self) -> None:
        """Record a committed write that may have changed anything: every list is recomputed."""
        with self._lock:
            self._epoch += 1
            # Re-read the fingerprint on the next request, so the token does not move twice
            # (now, and again at the next periodic check).
            self._checked_at = float("-inf")

    def changed_between(self, older: LedgerToken, newer: LedgerToken) -> frozenset[str] | None:
        """Return the customers changed from ``older`` to ``newer``, or None when only a fresh
        evaluation can tell (another epoch, or changes no longer remembered)."""
        if older[0] != newer[0] or older[1] > newer[1]:
            return None
        if older[1] == newer[1]:
            return frozenset()
        with self._lock:
            changes = [c for c in self._changes if older[1] < c[0] <= newer[1]]
            oldest = self._changes[0][0] if self._changes else None
        if oldest is None or oldest > older[1] + 1:
            return None
        return frozenset().union(*(customers for _, customers in changes))

    def _changed(self, customers: Iterable[str]) -> None:
        # Called with the lock held.
        self._generation += 1
        self._changes.append((self._generation, frozenset(customers)))

    def _refresh(self) -> None:
        first = self._fingerprint is None
        after = self._seen_log_id
        with self._gate.checking(), self._engine.connect() as conn:
            seen = ledger_fingerprint(conn)
            rows = [] if first else log_rows_after(conn, after, _MAX_LOG_ROWS + 1)
            self._compare(seen, rows, after)

    def _compare(self, seen: tuple[int, ...], rows: list[tuple[int, str]], after: int) -> None:
        with self._lock:
            if not self.check_due():
                return  # another request checked meanwhile
            self._checked_at = self._clock()
            known, self._fingerprint = self._fingerprint, seen
            if known is None or len(rows) > _MAX_LOG_ROWS:
                # No list yet, or so many outside outcomes that a fresh evaluation is cheaper.
                self._seen_log_id = seen[_LOG_ID]
                self._own_log_ids.clear()
                self._own = [0] * FINGERPRINT_SIZE
                self._epoch += 1
                return
            newest = max((row_id for row_id, _ in rows), default=after)
            outside = {c for row_id, c in rows if row_id not in self._own_log_ids}
            self._own_log_ids = {i for i in self._own_log_ids if i > newest}
            self._seen_log_id = max(self._seen_log_id, newest)
            expected = [k + o for k, o in zip(known, self._own, strict=True)]
            self._own = [0] * FINGERPRINT_SIZE
            expected[_LOG_ID] = seen[_LOG_ID]  # the rows themselves were compared above
            if tuple(expected) != seen:
                self._epoch += 1
            elif outside:
                self._changed(outside)
