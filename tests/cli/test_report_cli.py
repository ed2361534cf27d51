"""``dunning report aging|dso|cei`` over a database and over a ledger file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine: Engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return url


def _run(*args: str) -> str:
    result = CliRunner().invoke(main, ["report", *args, "--policy", str(ROOT)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_aging_and_dso_over_the_database(tmp_path: Path) -> None:
    url = _database(tmp_path)
    table = _run("aging", "--ledger", url, "--date", DAY.isoformat())
    assert table.splitlines()[0] == "Aging on 2026-11-23"
    assert "Definition: Aged by days past the due date" in table
    assert "GBP 8,400.00" in table
    dso = json.loads(_run("dso", "--ledger", url, "--date", DAY.isoformat(), "--format", "json"))
    assert dso["currencies"][0]["dso"] == "168.00"
    cei = _run("cei", "--ledger", url, "--from", "2026-11-01", "--to", DAY.isoformat(),
               "--format", "markdown")
    assert cei.startswith("## Collection effectiveness index, 2026-11-01 to 2026-11-23")
    csv_text = _run("dso", "--ledger", url, "--date", DAY.isoformat(), "--format", "csv")
    assert csv_text.splitlines()[1].startswith("GBP,8400.00,")


def test_reports_over_a_ledger_file() -> None:
    ledger = str(ROOT / "tests" / "fixtures" / "ledger" / "small.yaml")
    body = json.loads(_run("aging", "--ledger", ledger, "--date", "2026-11-23", "--format", "json"))
    assert body["report"] == "aging"
    assert body["currencies"]


def test_a_missing_database_or_a_backwards_period_is_explained(tmp_path: Path) -> None:
    missing = CliRunner().invoke(
        main, ["report", "aging", "--ledger", f"sqlite:///{tmp_path / 'none.db'}",
               "--policy", str(ROOT)]
    )
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    backwards = CliRunner().invoke(
        main, ["report", "cei", "--ledger", _database(tmp_path), "--from", "2026-11-30",
               "--to", "2026-11-01", "--policy", str(ROOT)]
    )
    assert backwards.exit_code == 2
    assert "after its last day" in backwards.output


def test_snapshot_then_trend(tmp_path: Path) -> None:
    """The day's snapshot is written; a rebuild fills the days before; the trend shows them
    and names a day left out."""
    url = _database(tmp_path)
    assert _run("snapshot", "--ledger", url, "--date", DAY.isoformat()).strip() == (
        "Snapshot of 2026-11-23 written: GBP"
    )
    rebuilt = _run("snapshot", "--ledger", url, "--from", "2026-11-20", "--to", "2026-11-22")
    assert rebuilt.splitlines()[-1] == "Snapshot of 2026-11-22 rebuilt from the ledger: GBP"
    again = _run("snapshot", "--ledger", url, "--from", "2026-11-20", "--to", "2026-11-23")
    assert "already has a snapshot" in again
    body = json.loads(_run("trend", "--ledger", url, "--from", "2026-11-19", "--to",
                           DAY.isoformat(), "--format", "json"))
    assert body["missing_days"] == ["2026-11-19"]
    [gbp] = body["currencies"]
    assert [p["day"] for p in gbp["points"]] == [
        "2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"
    ]
    assert gbp["points"][-1]["total"] == "8400.00"
    table = _run("trend", "--ledger", url, "--from", "2026-11-19", "--to", DAY.isoformat())
    assert "No snapshot on 2026-11-19" in table


def test_trend_of_a_ledger_file_is_computed_day_by_day() -> None:
    ledger = str(ROOT / "tests" / "fixtures" / "ledger" / "small.yaml")
    body = json.loads(_run("trend", "--ledger", ledger, "--from", "2026-11-20", "--to",
                           "2026-11-23", "--format", "json"))
    assert body["missing_days"] == []
    assert body["currencies"]
