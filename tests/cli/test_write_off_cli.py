"""``dunning write-off``: propose, refuse the proposer's own approval, approve as someone else,
list, and write the journal."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import Engine

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed


def _ledger(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine: Engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    engine.dispose()
    return url


def _run(*args: str) -> Result:
    return CliRunner().invoke(
        main, ["write-off", *args, "--policy", str(ROOT)], catch_exceptions=False
    )


def test_propose_approve_as_someone_else_and_write_the_journal(tmp_path: Path) -> None:
    url = _ledger(tmp_path)
    day = ["--database", url, "--date", DAY.isoformat()]
    proposed = _run(
        "TEST-0001",
        "--amount",
        "250.00",
        "--currency",
        "GBP",
        "--invoice",
        "INV-1001",
        "--reason",
        "Ceased trading",
        "--who",
        "nina",
        *day,
    )
    assert proposed.exit_code == 0, proposed.output
    assert "GBP 250.00 proposed (INV-1001 GBP 250.00); it waits for an approver" in proposed.output
    write_off = proposed.output.split()[1].rstrip(":")
    assert write_off in _run(*day).output
    own = _run("--approve", write_off, "--who", "nina", *day)
    assert own.exit_code == 1 and "four eyes" in own.output
    approved = _run("--approve", write_off, "--who", "mark", "--note", "ok", *day)
    assert approved.exit_code == 0 and "approved by mark (proposed by nina)" in approved.output
    assert "No write-off waits for approval." in _run(*day).output
    out = tmp_path / "journal.csv"
    written = _run("--journal", "quickbooks", "--out", str(out), *day)
    assert written.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(r["Customer"], r["Applied to"], r["Amount"], r["Transaction type"]) for r in rows] == [
        ("Test One Ltd", "INV-1001", "250.00", "Credit Memo")
    ]


def test_a_small_write_off_takes_effect_and_a_bad_one_is_refused(tmp_path: Path) -> None:
    url = _ledger(tmp_path)
    day = ["--database", url, "--date", DAY.isoformat()]
    small = _run(
        "TEST-0001",
        "--amount",
        "20.00",
        "--currency",
        "GBP",
        "--invoice",
        "INV-1002",
        "--reason",
        "Rounding",
        *day,
    )
    assert "written off (INV-1002 GBP 20.00): within the approval threshold" in small.output
    too_much = _run(
        "TEST-0001",
        "--amount",
        "2000",
        "--currency",
        "GBP",
        "--invoice",
        "INV-1002",
        "--reason",
        "x",
        *day,
    )
    # INV-1002 had GBP 200.00 open; the GBP 20.00 written off is in the ledger now.
    assert too_much.exit_code == 1 and "more than the GBP 180.00 open" in too_much.output
    missing = _run("TEST-0001", "--amount", "20.00", *day)
    assert missing.exit_code == 2
