"""``dunning customer ID`` prints the timeline the page and the API show."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from store.notes import add_note
from store.outcomes import record_outcome
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed


def _ledger(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine: Engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    with engine.connect() as conn:
        record_outcome(conn, action_id="act_1", customer_id="TEST-0001", step="call",
                       invoice_ids=["INV-1001"], date=DAY, status="failed", who="jane",
                       note="Called – no answer")
        add_note(conn, customer_id="TEST-0001", text="Try after 2pm", who="jane", day=DAY)
        conn.commit()
    engine.dispose()
    return url


def test_the_timeline_is_printed_newest_first(tmp_path: Path) -> None:
    url = _ledger(tmp_path)
    args = ["customer", "TEST-0001", "--database", url, "--date", DAY.isoformat(),
            "--policy", str(ROOT)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        "Timeline of TEST-0001 Test One Ltd up to 2026-11-23 (3 entries, newest first)"
    )
    assert lines[1:5] == [
        "2026-11-23  Note  by jane",
        "            Try after 2pm",
        "2026-11-23  Phone call 'call': tried, not done  by jane",
        "            Called – no answer",
    ]
    assert "2026-11-01  Payment received: GBP 100.00" in result.output
    as_json = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    entries = json.loads(as_json.output)["entries"]
    assert [e["title"] for e in entries][:2] == ["Note", "Phone call 'call': tried, not done"]


def test_an_unknown_customer_or_database_is_explained(tmp_path: Path) -> None:
    url = _ledger(tmp_path)
    unknown = CliRunner().invoke(
        main, ["customer", "NOBODY", "--database", url, "--policy", str(ROOT)]
    )
    assert unknown.exit_code == 1
    assert "customer NOBODY is not in the ledger" in unknown.output
    missing = CliRunner().invoke(
        main, ["customer", "X", "--database", f"sqlite:///{tmp_path / 'none.db'}",
               "--policy", str(ROOT)]
    )
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    assert not (tmp_path / "none.db").exists()
