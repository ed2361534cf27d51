"""How the app writes: short transactions, a bounded number at once, committed in small groups.

A write runs its whole transaction (begin, write, commit) in one call on the thread pool, so a
transaction never waits for a thread while it holds the database's write lock. Writers beyond the
limit wait on the event loop: a waiting writer holds no thread and no connection, so reads and
the health checks keep their threads however many collectors record outcomes at once.

SQLite has one writer at a time: the limit is 1, and writers queue here in arrival order instead
of polling SQLite's lock (its busy handler sleeps between tries, so under contention the last
writer waits far longer than the work in front of it). PostgreSQL writes in parallel; the limit
keeps the connections in use below the pool.

Outcomes go through ``WriteQueue``: the jobs waiting when a writer slot frees up are run together
in one thread-pool call and one transaction, and committed once; a refused outcome leaves no
write of its own (refusals are decided before writing; when one had written anyway, or a
statement failed on PostgreSQL, the group runs again with a savepoint per outcome). Under load
that turns a thread handoff and a commit per outcome into one per group, which is what lets one
SQLite writer keep up with hundreds of collectors (docs/decisions/010-write-path-under-load.md).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar, cast

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError

from api.ledger_state import LedgerState, Written
from store import webhooks
from store.connection import begin_write

P = ParamSpec("P")
T = TypeVar("T")

SQLITE_WRITERS = 1
POSTGRESQL_WRITERS = 8
# The most outcomes committed together: a group stays a few milliseconds of work.
MAX_GROUP = 64


class WriteGate:
    """Admits at most ``limit`` write transactions at once; the others wait in arrival order."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None

    @classmethod
    def for_backend(cls, backend: str) -> WriteGate:
        """Return the gate for a database backend (``sqlite``, ``postgresql``)."""
        return cls(SQLITE_WRITERS if backend == "sqlite" else POSTGRESQL_WRITERS)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the write slots (waiting on the event loop for one to be free)."""
        async with self._current():
            yield

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Return ``fn(*args, **kwargs)`` run on the thread pool while holding a write slot."""
        async with self._current():
            return await run_in_threadpool(fn, *args, **kwargs)

    def _current(self) -> asyncio.Semaphore:
        # One semaphore per event loop: a test client starts a loop of its own for each app run.
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.limit)
        return self._semaphore


# A job writes through the connection it is given and returns its result and what it wrote
# (for the ledger state; None when it wrote nothing new).
Job = Callable[[Connection], tuple[T, Written | None]]


@dataclass(slots=True)
class _Queued:
    job: Job[Any]
    future: asyncio.Future[Any]


class WriteQueue:
    """Runs write jobs in groups: one transaction per group, savepoints only when replayed."""

    def __init__(self, engine: Engine, gate: WriteGate, ledger: LedgerState) -> None:
        self._engine = engine
        self._gate = gate
        self._ledger = ledger
        self._waiting: deque[_Queued] = deque()
        self._writers = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        if engine.dialect.name != "sqlite" and not event.contains(
            engine, "after_cursor_execute", _count_writes
        ):
            event.listen(engine, "after_cursor_execute", _count_writes)

    async def submit(self, job: Job[T]) -> T:
        """Return what ``job`` returned once its group has committed (or raise what it raised:
        its own writes are then rolled back, the others' in its group are not)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._waiting, self._writers = loop, deque(), 0
        queued = _Queued(job, loop.create_future())
        self._waiting.append(queued)
        if self._writers < self._gate.limit:
            self._writers += 1
            task = loop.create_task(self._write_groups())
            self._tasks.add(task)  # held until done: the loop keeps only weak references
            task.add_done_callback(self._tasks.discard)
        result: T = await queued.future
        return result

    async def _write_groups(self) -> None:
        try:
            while self._waiting:
                async with self._gate.slot():
                    size = min(MAX_GROUP, len(self._waiting))
                    group = [self._waiting.popleft() for _ in range(size)]
                    if not group:
                        continue
                    try:
                        results = await run_in_threadpool(self._run, [q.job for q in group])
                    except Exception as exc:  # the group's commit failed: none of it stands
                        results = [(False, exc)] * len(group)
                for queued, (ok, value) in zip(group, results, strict=True):
                    if queued.future.done():
                        continue  # the request went away; its write stands
                    if ok:
                        queued.future.set_result(value)
                    else:
                        queued.future.set_exception(value)
        finally:
            self._writers -= 1

    def _run(self, jobs: list[Job[Any]]) -> list[tuple[bool, Any]]:
        try:
            return self._run_group(jobs, savepoints=False)
        except _ReplayError as replay:
            # A refused job had written, or (PostgreSQL) a statement failed and ended the
            # transaction: the group again, each job in a savepoint, the job that lost a race
            # with the tries it has left.
            spent = {replay.job: 1} if replay.lost_a_race else {}
            return self._run_group(jobs, savepoints=True, spent=spent)

    def _run_group(
        self, jobs: list[Job[Any]], *, savepoints: bool, spent: dict[int, int] | None = None
    ) -> list[tuple[bool, Any]]:
        """Run ``jobs`` in one transaction and commit it; a job that raises leaves no write.

        With ``savepoints`` each job runs in a savepoint of its own, rolled back when it raises.
        Without (the first run of every group: every statement hands the interpreter lock to the
        event loop's thread and waits for it back, which on a busy machine costs more than the
        statement, and a savepoint is two more), a job that raises is checked to have written
        nothing (SQLite's change counter; on PostgreSQL the write statements counted, and no
        failed statement, which would have ended the transaction); if it had, the transaction
        is rolled back and ``_ReplayError`` raised. Refusals (409, 404, 422) are decided before
        anything is written, so that is rare.
        """
        results: list[tuple[bool, Any]] = []
        written: list[Written] = []
        with self._engine.connect() as conn:
            transaction = begin_write(conn)
            try:
                with webhooks.endpoints_known(conn):
                    for n, job in enumerate(jobs):
                        tries = _TRIES - (spent or {}).get(n, 0)
                        try:
                            results.append(
                                _attempt(conn, job, written, savepoints=savepoints, tries=tries)
                            )
                        except _ReplayError as replay:
                            replay.job = n
                            raise
                with self._ledger.committing():
                    transaction.commit()
                    for wrote in written:
                        self._ledger.recorded(wrote)
            except BaseException:
                if transaction.is_active:
                    transaction.rollback()
                raise
        return results


class _ReplayError(Exception):
    """A job refused without a savepoint had written, or its statement failed on PostgreSQL
    (which ends the transaction): its group runs again with savepoints."""

    def __init__(self, *, lost_a_race: bool) -> None:
        super().__init__()
        self.lost_a_race = lost_a_race
        self.job = -1


# PostgreSQL ends one of two transactions that wait for each other ("deadlock detected", 40P01)
# or that cannot both be serialised (40001). The job that lost has its own writes undone (its
# savepoint) and runs again: the other transaction has gone ahead by then, and the job sees it
# (an outcome already in force, say) as if it had come second.
_LOST_A_RACE = frozenset({"40P01", "40001"})
_TRIES = 3


def _lost_a_race(exc: Exception) -> bool:
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in _LOST_A_RACE


def _attempt(
    conn: Connection,
    job: Job[Any],
    written: list[Written],
    *,
    savepoints: bool,
    tries: int = _TRIES,
) -> tuple[bool, Any]:
    """Return (True, what ``job`` returned) or (False, what it raised), its writes undone."""
    for tries_left in reversed(range(tries)):
        savepoint = conn.begin_nested() if savepoints else None
        changes = None if savepoints else _changes(conn)
        try:
            value, wrote = job(conn)
        except Exception as exc:
            if savepoint is not None:
                savepoint.rollback()
            elif _changes(conn) != changes or _ends_transaction(conn, exc):
                raise _ReplayError(lost_a_race=_lost_a_race(exc)) from exc
            if tries_left and _lost_a_race(exc):
                continue
            return False, exc
        if savepoint is not None:
            savepoint.commit()
        if wrote is not None:
            written.append(wrote)
        return True, value
    raise AssertionError("the last try returns")


def _ends_transaction(conn: Connection, exc: Exception) -> bool:
    """Return whether ``exc`` ended the transaction: any failed statement does on PostgreSQL."""
    return conn.dialect.name != "sqlite" and isinstance(exc, DBAPIError)


# Statements other than reads run on a connection, counted by ``_count_writes`` (PostgreSQL).
_WRITES = "dunning_writes"


def _count_writes(conn: Connection, cursor: Any, statement: str, *_: Any) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_WRITES] = conn.info.get(_WRITES, 0) + 1


def _changes(conn: Connection) -> int:
    """Return how many rows (SQLite: its change counter, read without a statement) or write
    statements (PostgreSQL: counted as they run) this connection has done so far."""
    if conn.dialect.name == "sqlite":
        return cast("sqlite3.Connection", conn.connection.dbapi_connection).total_changes
    return int(conn.info.get(_WRITES, 0))
