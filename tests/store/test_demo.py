"""The demo ledger: realistic, deterministic for a seed, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import Engine

from dunning.cli import main
from store.connection import create_store_engine
from store.demo import NotADemoDatabaseError, build_demo
from store.models import customers
from store.reader import load_snapshot
from store.tokens import Role, create_token, find_token, list_tokens
from tests.store.conftest import dump

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 23)


def test_demo_ledger_is_realistic(ledger_engine: Engine) -> None:
    summary = build_demo(ledger_engine, DAY, seed=1, policy_root=ROOT)
    assert (summary.customers, summary.invoices, summary.payment_plans) == (500, 5000, 1)
    assert summary.disputes > 50 and summary.promises >= 20 and summary.credit_notes > 20
    snapshot = load_snapshot(ledger_engine, as_of=DAY)
    open_share = sum(len(c.invoices) for c in snapshot) / summary.invoices
    assert 0.15 < open_share < 0.35  # about 70 % paid on time or late, some partly
    currencies = {inv.currency for c in snapshot for inv in c.invoices}
    assert currencies == {"GBP", "EUR", "USD"}
    assert any(inv.settlements for c in snapshot for inv in c.invoices)  # partial payments
    assert sum(1 for c in snapshot if c.unapplied) >= 10
    assert any(d.resolved is None for c in snapshot for d in c.disputes)
    assert any(d.resolved is not None for c in snapshot for d in c.disputes)
    assert any(c.history for c in snapshot)


def test_the_example_customer_files_are_demo_customers(ledger_engine: Engine) -> None:
    build_demo(ledger_engine, DAY, seed=1, policy_root=ROOT)
    by_id = {c.customer.id: c for c in load_snapshot(ledger_engine)}
    files = sorted((ROOT / "customers").glob("*.yaml"))
    assert files, "the repository has example customer files"
    for path in files:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        ledger = by_id[document["id"]]
        assert ledger.customer.name == document["name"]
        assert ledger.customer.country == document.get("country")
        assert ledger.customer.segment == document.get("segment")


def _content(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Return the ledger's rows without the log's serial numbers (PostgreSQL never reuses them)."""
    tables = dump(engine)
    del tables["imports"]
    tables["action_log"] = sorted((row[1:] for row in tables["action_log"]), key=repr)
    return tables


def test_same_seed_same_ledger_other_seed_other_ledger(ledger_engine: Engine) -> None:
    build_demo(ledger_engine, DAY, seed=7)
    first = _content(ledger_engine)
    build_demo(ledger_engine, DAY, seed=7)
    again = _content(ledger_engine)
    build_demo(ledger_engine, DAY, seed=8)
    other = _content(ledger_engine)
    assert first == again
    assert first["invoices"] != other["invoices"]


def test_a_database_holding_another_ledger_is_left_alone(ledger_engine: Engine) -> None:
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "REAL", "name": "A real customer"}])
    with pytest.raises(NotADemoDatabaseError):
        build_demo(ledger_engine, DAY)
    assert [c.customer.id for c in load_snapshot(ledger_engine)] == ["REAL"]


def test_rebuilding_the_demo_revokes_the_tokens_of_the_earlier_demo(
    ledger_engine: Engine,
) -> None:
    build_demo(ledger_engine, DAY, seed=2)
    with ledger_engine.begin() as conn:
        token = create_token(conn, "demo-viewer", Role.VIEWER).token
    build_demo(ledger_engine, DAY, seed=2)
    with ledger_engine.connect() as conn:
        assert find_token(conn, token) is None
        assert list_tokens(conn) == []


def test_a_database_holding_tokens_but_no_ledger_yet_is_left_alone(
    ledger_engine: Engine,
) -> None:
    with ledger_engine.begin() as conn:
        token = create_token(conn, "ops", Role.ADMIN).token
    with pytest.raises(NotADemoDatabaseError, match="holds API tokens"):
        build_demo(ledger_engine, DAY)
    with ledger_engine.connect() as conn:
        assert find_token(conn, token) is not None


def test_the_demo_reads_and_evaluates_the_same_on_sqlite_and_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    snapshots = []
    for url in (f"sqlite:///{tmp_path / 'demo.db'}", postgres_url):
        engine = create_store_engine(url)
        build_demo(engine, DAY, seed=3, policy_root=ROOT)
        snapshots.append(load_snapshot(engine, as_of=DAY))
        engine.dispose()
    assert snapshots[0] == snapshots[1]
    # Equal and also written the same: amounts in the currency's minor units on both.
    assert repr(snapshots[0]) == repr(snapshots[1])
    from dunning.inputs import load_valid_policy
    from engine.evaluate import evaluate
    from engine.report.render import render_actions

    loaded = load_valid_policy(ROOT)
    lists = [
        render_actions(evaluate(loaded.policy, snapshot, DAY, loaded.version), "json")
        for snapshot in snapshots
    ]
    assert lists[0] == lists[1]
    assert '"actions"' in lists[0]


def test_demo_command_prints_the_days_action_list(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    args = [
        "demo",
        "--database",
        url,
        "--date",
        "2026-11-23",
        "--policy",
        str(ROOT),
        "--format",
        "json",
    ]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert '"actions"' in result.output
    assert "BRAM-0001" in result.output or "KEST-0003" in result.output
