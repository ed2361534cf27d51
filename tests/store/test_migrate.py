"""Migrations: an empty database upgrades to the models' schema, on every backend."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import Engine, inspect, select

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import current_revision, head_revision, require_current, upgrade
from store.models import metadata
from store.settings import database_url


def test_upgrade_creates_every_table_of_the_models(db_url: str) -> None:
    engine = create_store_engine(db_url)
    assert upgrade(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    engine.dispose()


def test_migrated_schema_matches_the_models(ledger_engine: Engine) -> None:
    with ledger_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, metadata)
    assert diffs == []


def test_the_models_are_the_whole_schema_whatever_is_imported_first() -> None:
    # A fresh interpreter that imports only the models: no table may depend on another import.
    names = subprocess.run(
        [sys.executable, "-c", "from store.models import metadata; print(sorted(metadata.tables))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'api_tokens'" in names


def test_upgrading_twice_changes_nothing(ledger_engine: Engine) -> None:
    assert upgrade(ledger_engine) == head_revision()
    require_current(ledger_engine)


def test_db_upgrade_command_creates_the_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner().invoke(main, ["db", "upgrade", "--database", url], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"ledger schema at revision {head_revision()}" in result.output
    engine = create_store_engine(url)
    with engine.connect() as conn:
        assert current_revision(conn) == head_revision()
    engine.dispose()


def test_database_url_prefers_the_option_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DUNNING_DATABASE_URL", raising=False)
    assert database_url(None) == "sqlite:///dunning.db"
    monkeypatch.setenv("DUNNING_DATABASE_URL", "postgresql+psycopg://db/ledger")
    assert database_url(None) == "postgresql+psycopg://db/ledger"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert database_url("ledger.db") == "sqlite:///ledger.db"


def test_two_final_outcomes_written_before_the_rule_keep_the_first_as_final(db_url: str) -> None:
    from datetime import UTC, date, datetime

    from sqlalchemy import text

    from store.models import action_log, customers

    engine = create_store_engine(db_url)
    upgrade(engine, "0100_api_tokens")
    at = datetime(2026, 11, 23, 9, tzinfo=UTC)
    row = {"action_id": "act_1", "customer_id": "ACME", "step": "call", "invoice_ids": ["I-1"]}
    with engine.begin() as conn:
        conn.execute(customers.insert().values(id="ACME", name="Acme"))
        for status in ("done", "skipped", "failed"):
            conn.execute(
                text(
                    "INSERT INTO action_log (action_id, customer_id, step, invoice_ids, date,"
                    " status, note, who, recorded_at) VALUES (:action_id, :customer_id, :step,"
                    " :invoice_ids, :date, :status, '', '', :at)"
                ),
                {
                    **row,
                    "invoice_ids": '["I-1"]',
                    "date": date(2026, 11, 23),
                    "status": status,
                    "at": at,
                },
            )
    assert upgrade(engine) == head_revision()
    with engine.connect() as conn:
        rows = conn.execute(
            select(action_log.c.status, action_log.c.final).order_by(action_log.c.id)
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("done", True), ("skipped", False), ("failed", False)]
