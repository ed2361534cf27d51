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
from store.connection import create_store_engine, database_answers


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

    @classmethod
    def build(cls, settings: ApiSettings) -> AppContext:
        """Return the context for ``settings`` (connects lazily; loads no policy yet)."""
        engine = create_store_engine(settings.database_url, pool_pre_ping=True)
        metrics = Metrics()
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
            ledger=LedgerState(engine, settings.ledger_check_seconds),
            lists=ActionLists(engine, metrics),
            tokens=TokenVerifier(engine, settings.token_cache_seconds),
        )

    def database_ok(self) -> bool:
        """Return whether the database answers a trivial query."""
        return database_answers(self.engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()
