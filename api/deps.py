"""The dependencies routes declare, as ``Annotated`` aliases so signatures read like a spec.

``SessionDep`` (a database connection in a transaction), ``PolicyDep`` (the policy in force),
``DayDep`` (the list's date), ``ActionListDep`` (the computed list of that day), and the role
guards ``RequireRole("viewer" | "collector" | "admin")``. Work that may block (a git call, a
database round trip, an evaluation) runs in the thread pool, and only when the cheap path (a
cache) has no answer, so serving a computed list never leaves the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, TypeAlias, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection, Engine

from api.action_lists import ActionList
from api.auth import Principal, authorise, bearer_principal
from api.context import AppContext
from api.errors import InvalidRequestError, PolicyUnavailableError
from api.middleware import stamp_version
from api.models import ID_PATTERN
from api.policy_state import ServedPolicy
from engine.model.ledger_fields import DATE_PATTERN, MAX_DATE, MIN_DATE, check_day
from engine.tools.today import today_in
from store.connection import begin_write
from store.tokens import Role

# The days a list may be asked for are the dates the ledger holds (the engine's one rule,
# ``engine.model.ledger_fields.check_day``); the schema states the form as a pattern.

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token from `dunning token create --role viewer|collector|admin --name NAME`.",
)


async def get_context(request: Request) -> AppContext:
    """Return the app's long-lived objects."""
    context: AppContext = request.app.state.context
    return context


ContextDep: TypeAlias = Annotated[AppContext, Depends(get_context)]
# A customer's, case's or write-off's id in a path; an action's (longer) id in a path.
PathId: TypeAlias = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
ActionPathId: TypeAlias = Annotated[str, Path(max_length=128, pattern=ID_PATTERN)]

T = TypeVar("T")


async def read_ledger(context: AppContext, read: Callable[[Connection], T]) -> T:
    """Return ``read(conn)``, run in the thread pool on a connection of the ledger database
    (a read: nothing is committed)."""

    def run() -> T:
        with context.engine.connect() as conn:
            return read(conn)

    return await run_in_threadpool(run)


async def get_session(context: ContextDep) -> AsyncIterator[Connection]:
    """Yield a connection in a transaction for a route that writes to the ledger.

    The transaction commits when the route returns (before the response is sent: the dependency
    has function scope), else rolls back. It holds one of the write gate's slots from begin to
    commit, taken on the event loop before any thread is (``api.write_gate``): writers beyond
    the limit wait without holding a thread, so the transaction's own steps always find one.
    After the commit the ledger state moves on, so lists computed before the write are not
    served again.
    """
    async with context.writes.slot():
        conn = await run_in_threadpool(_begin_write, context.engine)
        try:
            yield conn
        except BaseException:
            await run_in_threadpool(_end, conn, commit=False)
            raise
        await run_in_threadpool(_end, conn, commit=True)
    context.ledger.written()


def _begin_write(engine: Engine) -> Connection:
    conn = engine.connect()
    try:
        begin_write(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _end(conn: Connection, *, commit: bool) -> None:
    try:
        if commit:
            conn.commit()
        else:
            conn.rollback()
    finally:
        conn.close()


SessionDep: TypeAlias = Annotated[Connection, Depends(get_session, scope="function")]


class RequireRole:
    """A dependency that admits a bearer token whose role allows ``role`` (else 401 or 403).

    The request guard (``api.request_guard``) finds these in a route's dependencies and runs the
    same check before the request's body is read; here it is answered from the token cache.
    """

    def __init__(self, role: str) -> None:
        self.role = Role(role)
        self.__name__ = f"require_{self.role.value}"

    async def __call__(
        self,
        context: ContextDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Principal:
        header = f"{credentials.scheme} {credentials.credentials}" if credentials else None
        return authorise(await bearer_principal(context.tokens, header), self.role)


ViewerDep: TypeAlias = Annotated[Principal, Depends(RequireRole("viewer"))]
CollectorDep: TypeAlias = Annotated[Principal, Depends(RequireRole("collector"))]
AdminDep: TypeAlias = Annotated[Principal, Depends(RequireRole("admin"))]


async def get_policy(request: Request, context: ContextDep) -> ServedPolicy:
    """Return the policy in force (checking the ref when due), or answer 503 when there is none."""
    holder = context.policies
    served = await run_in_threadpool(holder.current) if holder.check_due() else holder.served()
    if served is None:
        status = holder.status()
        reason = status.last_attempt.message if status.last_attempt else "not loaded yet"
        raise PolicyUnavailableError(f"No valid policy is in force: {reason}. See GET /v1/policy.")
    stamp_version(request, served.version)
    return served


PolicyDep: TypeAlias = Annotated[ServedPolicy, Depends(get_policy)]


async def get_day(
    served: PolicyDep,
    day: Annotated[
        date | None,
        Query(
            alias="date",
            description=f"The day (YYYY-MM-DD, {MIN_DATE.isoformat()} to "
            f"{MAX_DATE.isoformat()}). Default: today in the policy's time zone.",
            json_schema_extra={"pattern": DATE_PATTERN},
        ),
    ] = None,
) -> date:
    """Return the day a request is about: the ``date`` query parameter, else today."""
    if day is None:
        return today_in(served.policy.timezone)
    return bounded_day(day, "date")


def bounded_day(day: date, name: str) -> date:
    """Return ``day``, the query parameter ``name``, if it is within the ledger's dates (the
    engine's rule); else refuse the request (422) saying which dates are taken."""
    beyond = check_day(day)
    if beyond is not None:
        raise InvalidRequestError(
            beyond.message(f"{name} {day.isoformat()}"),
            errors=[
                {"field": f"query.{name}", "detail": beyond.message(f"the {name} date"),
                 "code": "date_range"}
            ],
        )  # fmt: skip
    return day


DayDep: TypeAlias = Annotated[date, Depends(get_day)]


async def get_action_list(
    request: Request, context: ContextDep, served: PolicyDep, day: DayDep
) -> ActionList:
    """Return the action list of the day under the policy in force, computed once per state."""
    found = await context.lists.current(served, day)
    # The header names the version stamped in the list, which a reload cannot change.
    stamp_version(request, found.version)
    return found


ActionListDep: TypeAlias = Annotated[ActionList, Depends(get_action_list)]
