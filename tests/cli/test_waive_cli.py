"""``dunning waive``: waive the fees and interest an action charged, once, with a reason (rule
"charges owed", docs/rules/charges.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import Engine

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from store.outcomes import record_outcome
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed


def _ledger(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine: Engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    with engine.begin() as conn:
        record_outcome(
            conn, action_id="A-FEE", customer_id="TEST-0001", step="second-reminder",
            invoice_ids=["INV-1001"], date=date(2026, 11, 16), status="done",
            fee=Decimal("15.00"), currency="GBP",
        )  # fmt: skip
    engine.dispose()
    return url


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["waive", *args, "--policy", str(ROOT)], catch_exceptions=False)


def test_waive_once_then_say_it_was_waived(tmp_path: Path) -> None:
    day = ["--database", _ledger(tmp_path), "--date", DAY.isoformat()]
    first = _run("A-FEE", "--reason", "Goodwill", "--who", "nina", *day)
    assert first.exit_code == 0, first.output
    assert "Waived the charges of action A-FEE for customer TEST-0001 from 2026-11-23" in (
        first.output
    )
    again = _run("A-FEE", "--reason", "Again", "--who", "mark", *day)
    assert again.exit_code == 0
    assert "were already waived on 2026-11-23 by nina" in again.output


def test_nothing_to_waive_and_no_reason_are_refused(tmp_path: Path) -> None:
    day = ["--database", _ledger(tmp_path), "--date", DAY.isoformat()]
    nothing = _run("A-NONE", "--reason", "Goodwill", *day)
    assert nothing.exit_code == 1 and "nothing to waive" in nothing.output
    blank = _run("A-FEE", "--reason", " ", *day)
    assert blank.exit_code == 2 and "needs a reason" in blank.output
