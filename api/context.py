"""What one running app holds: the database engine, the policy in force, the list cache, metrics."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from api.action_lists import ActionLists
from api.auth import TokenVerifier
from api.ledger_state import LedgerState
from api.metrics import Metrics
from api.policy_state import PolicyHolder
from api.settings import ApiSettings
from api.write_gate import WriteGate, WriteQueue
from store.connection import backend_name, create_store_engine, database_answers

# The thread pool every blocking call runs on (anyio's default, which FastAPI uses), and the
# connections kept open between requests.
THREADS = 40
POOL_SIZE = 10


@dataclass(slots=True)
class AppContext:
    """The long-lived objects of one app, built once from its settings."""

    settings: ApiSettings
    engine: Engine
    metrics: Metrics
    policies: PolicyHolder
    ledger: LedgerState
    lists: ActionLists
    tokens: TokenVerifier
    writes: WriteGate
    outcome_writes: WriteQueue

    @classmethod
    def build(cls, settings: ApiSettings) -> AppContext:
        """Return the context for ``settings`` (connects lazily; loads no policy yet).

        Every database call runs on the thread pool, so the pool holds as many connections as
        there are threads: a thread never waits for a connection (connections beyond
        ``POOL_SIZE`` are opened when needed and closed when returned).
        """
        engine = create_store_engine(
            settings.database_url,
            busy_timeout=settings.busy_seconds,
            connections=(POOL_SIZE, THREADS),
            # A server can restart under us; a SQLite file cannot go away like that, and the
            # ping would cost every request a statement.
            pool_pre_ping=backend_name(settings.database_url) != "sqlite",
        )
        metrics = Metrics()
        ledger = LedgerState(engine, settings.ledger_check_seconds)
        writes = WriteGate.for_backend(engine.dialect.name)
        policies = PolicyHolder(
            settings.repo,
            settings.policy_ref,
            check_seconds=settings.ref_check_seconds,
            on_change=metrics.policy_changed,
        )
        return cls(
            settings=settings,
            engine=engine,
            metrics=metrics,
            policies=policies,
            ledger=ledger,
            lists=ActionLists(engine, metrics, ledger),
            tokens=TokenVerifier(engine, settings.token_cache_seconds),
            writes=writes,
            outcome_writes=WriteQueue(engine, writes, ledger),
        )

    def database_ok(self) -> bool:
        """Return whether the database answers a trivial query."""
        return database_answers(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
