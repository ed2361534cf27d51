"""Grouped writes (``api.write_gate.WriteQueue``): one transaction per group, and a job that
raises leaves no write of its own while the others' stand, on SQLite (no savepoints unless a
refused job had written) and PostgreSQL (a savepoint per job)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from api.ledger_state import LedgerState, Written
from api.write_gate import WriteGate, WriteQueue
from store.models import customers


def add(customer: str, *, then_raise: bool = False) -> Any:
    """Return a job that adds ``customer`` (and then raises, when asked)."""

    def job(conn: Connection) -> tuple[str, Written | None]:
        conn.execute(insert(customers), {"id": customer, "name": customer, "country": "GB"})
        if then_raise:
            raise ValueError(f"{customer} refused after writing")
        return customer, Written(customer)

    return job


def refuse(conn: Connection) -> tuple[str, Written | None]:
    """A job refused before it writes anything (as a 409 or a 422 is)."""
    raise LookupError("refused before writing")


def run_group(engine: Engine, jobs: list[Any]) -> list[Any]:
    """Return what each job gave (or raised), all submitted at the same moment."""
    ledger = LedgerState(engine, 60)
    queue = WriteQueue(engine, WriteGate.for_backend(engine.dialect.name), ledger)

    async def main() -> list[Any]:
        return await asyncio.gather(*(queue.submit(job) for job in jobs), return_exceptions=True)

    return asyncio.run(main())


def stored(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(customers.c.id)).scalars())


@pytest.mark.parametrize("failing_first", [False, True])
def test_a_job_that_raises_leaves_no_write_and_the_others_stand(
    engine: Engine, failing_first: bool
) -> None:
    """Refused before writing, refused after writing (SQLite: the group runs again, each job in
    a savepoint), and the rest: exactly the jobs that succeeded are committed."""
    jobs = [add("C1"), refuse, add("C2", then_raise=True), add("C3"), refuse, add("C4")]
    if failing_first:
        jobs.insert(0, jobs.pop(2))

    results = run_group(engine, jobs)

    assert [r for r in results if isinstance(r, str)] == ["C1", "C3", "C4"]
    assert sum(isinstance(r, LookupError) for r in results) == 2
    assert sum(isinstance(r, ValueError) for r in results) == 1
    assert stored(engine) == {"C1", "C3", "C4"}


class _DeadlockError(Exception):
    """What psycopg raises when PostgreSQL ends a transaction to break a deadlock."""

    sqlstate = "40P01"


def deadlocked_once(customer: str, tries: list[int], *, times: int = 1) -> Any:
    """Return a job that loses a deadlock ``times``, then adds ``customer``."""

    def job(conn: Connection) -> tuple[str, Written | None]:
        tries.append(1)
        if len(tries) <= times:
            raise OperationalError("INSERT ...", {}, _DeadlockError("deadlock detected"))
        conn.execute(insert(customers), {"id": customer, "name": customer, "country": "GB"})
        return customer, Written(customer)

    return job


def test_a_job_that_loses_a_deadlock_runs_again(engine: Engine) -> None:
    """PostgreSQL ends one of two transactions waiting for each other (two collectors recording
    promises on the same two actions in opposite orders): the job that lost runs again once the
    other has gone ahead, and the collector gets an answer, not a 500."""
    tries: list[int] = []
    results = run_group(engine, [add("C1"), deadlocked_once("C2", tries), add("C3")])
    assert results == ["C1", "C2", "C3"]
    assert len(tries) == 2
    assert stored(engine) == {"C1", "C2", "C3"}


def test_a_job_that_keeps_losing_gives_up_and_leaves_no_write(engine: Engine) -> None:
    """Three lost races in a row: the job is answered with the error (a 500 the operator sees),
    the rest of its group stands."""
    tries: list[int] = []
    results = run_group(engine, [add("C1"), deadlocked_once("C2", tries, times=5)])
    assert results[0] == "C1"
    assert isinstance(results[1], OperationalError)
    assert len(tries) == 3
    assert stored(engine) == {"C1"}


def test_many_writers_in_groups_commit_every_acknowledged_write(engine: Engine) -> None:
    """Two hundred jobs at once, some refused: every job answered ok is stored, no other."""
    jobs = [add(f"C{n:03d}", then_raise=n % 17 == 0) if n % 5 else refuse for n in range(200)]

    results = run_group(engine, jobs)

    acknowledged = {r for r in results if isinstance(r, str)}
    assert acknowledged == {f"C{n:03d}" for n in range(200) if n % 5 and n % 17}
    assert stored(engine) == acknowledged


def test_a_failed_statement_undoes_only_its_own_job(engine: Engine) -> None:
    """A job whose statement fails (a duplicate id): on PostgreSQL that ends the transaction,
    so the group runs again with a savepoint per job; the others' writes stand either way."""
    with engine.begin() as conn:
        conn.execute(insert(customers), {"id": "C0", "name": "C0", "country": "GB"})
    results = run_group(engine, [add("C1"), add("C0"), add("C2")])
    assert results[0] == "C1"
    assert isinstance(results[1], IntegrityError)
    assert results[2] == "C2"
    assert stored(engine) == {"C0", "C1", "C2"}
