"""``dunning report collectors|exposure|summary`` over a database (the week of work of
tests/api/ledger_data.py), in every format; collector activity needs the database's action log,
the others read a ledger file too."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed, seed_week_of_work


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine: Engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    seed_week_of_work(engine)
    engine.dispose()
    return url


def _run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, ["report", *args, "--policy", str(ROOT)],
                                catch_exceptions=False)  # fmt: skip
    assert result.exit_code == code, result.output
    return result.output


def test_collectors_and_exposure(tmp_path: Path) -> None:
    url = _database(tmp_path)
    table = _run("collectors", "--ledger", url, "--to", DAY.isoformat(), "--date", DAY.isoformat())
    assert table.splitlines()[0] == "Collector activity, 2026-11-01 to 2026-11-23"
    ann = next(line for line in table.splitlines() if line.startswith("ann "))
    assert ann.split()[:7] == ["ann", "1", "1", "1", "0", "1", "0"]
    body = json.loads(_run("exposure", "--ledger", url, "--date", DAY.isoformat(),
                           "--format", "json"))  # fmt: skip
    assert [c["customer_id"] for c in body["customers"]] == ["HOLL-0002", "KEST-0003"]
    csv_text = _run("exposure", "--ledger", url, "--date", DAY.isoformat(), "--format", "csv")
    assert csv_text.splitlines()[1] == (
        "(all with a limit),2 customers,GBP,275000.00,6500.00,,268500.00,2.36,0 over,"
    )
    markdown = _run("collectors", "--ledger", url, "--to", DAY.isoformat(), "--format", "markdown")
    assert markdown.startswith("## Collector activity, 2026-11-01 to 2026-11-23")


def test_summary_in_every_format(tmp_path: Path) -> None:
    url = _database(tmp_path)
    common = ("summary", "--ledger", url, "--to", DAY.isoformat())
    markdown = _run(*common)
    assert markdown.startswith("# Management summary: week 2026-11-17 to 2026-11-23")
    assert "## Broken promises" in markdown
    body = json.loads(_run(*common, "--format", "json"))
    assert body["current"]["currencies"][0]["cash_collected"] == "200.00"
    assert _run(*common, "--format", "csv").startswith("Section,Item,Currency,This period,")
    assert "Key figures" in _run(*common, "--format", "table")
    month = _run("summary", "--ledger", url, "--period", "month", "--to", "2026-11-30")
    assert month.startswith("# Management summary: month 2026-11-01 to 2026-11-30")
    assert "Compared with the month before: 2026-10-01 to 2026-10-31." in month
    pdf = tmp_path / "summary.pdf"
    _run(*common, "--format", "pdf", "--output", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF")
    refused = _run(*common, "--format", "pdf", code=2)
    assert "give --output" in refused


def test_the_action_log_reports_need_a_database() -> None:
    ledger = str(ROOT / "tests" / "fixtures" / "ledger" / "small.yaml")
    assert "give --ledger URL" in _run("collectors", "--ledger", ledger, code=2)
    file_summary = json.loads(_run("summary", "--ledger", ledger, "--to", "2026-11-22",
                                   "--format", "json"))  # fmt: skip
    assert file_summary["report"] == "summary"
    body = json.loads(_run("exposure", "--ledger", ledger, "--date", "2026-11-23",
                           "--format", "json"))  # fmt: skip
    assert body["report"] == "exposure"
