"""``dunning escalation``: the manager's decision from the command line, as the Decisions page and
``POST /v1/actions/{id}/escalation`` take it (docs/handoff.md): on 11 Jan 2027 KEST-0003's
INV-3001 is 103 days overdue and its strategic ladder escalates to the credit manager's role,
held by fiona. nina may not decide; fiona hands the debt to the solicitor, once; a write-off
decision proposes writing off what the escalation is about, waiting for an approver."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import Engine, Table, func, select

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import audit_log, handoffs, write_off_proposals
from tests.api.conftest import ROOT
from tests.api.ledger_data import seed

DAY = date(2027, 1, 11)


def _ledger(tmp_path: Path) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    return url, engine


def _run(url: str, *args: str) -> Result:
    return CliRunner().invoke(
        main,
        ["escalation", *args, "--database", url, "--date", DAY.isoformat(), "--policy", str(ROOT)],
        catch_exceptions=False,
    )


def _count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _waiting(url: str) -> str:
    """Return the id of the one escalation waiting for a manager."""
    listed = _run(url)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 1 and "KEST-0003" in lines[0] and "-> credit-manager" in lines[0]
    assert "GBP 4,000.00" in lines[0]
    return lines[0].split()[0]


def test_only_the_role_decides_once_and_a_hand_off_opens_the_case(tmp_path: Path) -> None:
    url, engine = _ledger(tmp_path)
    action_id = _waiting(url)
    refused = _run(url, action_id, "--decide", "continue", "--who", "nina")
    assert refused.exit_code == 1
    assert "role 'credit-manager', which nina does not hold" in refused.output
    decided = _run(url, action_id, "--decide", "handoff", "--to", "legal", "--who", "fiona",
                   "--note", "Letter before action unanswered")  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert "to credit-manager decided by fiona: hand the debt off" in decided.output
    assert "(legal) opened" in decided.output
    again = _run(url, action_id, "--decide", "continue", "--admin", "--who", "root")
    assert again.exit_code == 1 and "already decided by fiona" in again.output
    assert _count(engine, handoffs) == 1
    with engine.connect() as conn:
        events = conn.execute(
            select(audit_log.c.event, audit_log.c.who).order_by(audit_log.c.id)
        ).all()
    assert [tuple(e) for e in events] == [("handoff", "fiona"),
                                          ("escalation_decision", "fiona")]  # fmt: skip
    assert "No escalation waits for a manager" in _run(url).output
    engine.dispose()


def test_a_write_off_decision_proposes_one_for_an_approver(tmp_path: Path) -> None:
    url, engine = _ledger(tmp_path)
    action_id = _waiting(url)
    decided = _run(url, action_id, "--decide", "write_off", "--who", "fiona",
                   "--note", "Hotel group in administration")  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert "GBP 4,000.00 proposed; it waits for an approver" in decided.output
    assert _count(engine, write_off_proposals) == 1
    engine.dispose()


def test_an_action_that_is_no_escalation_and_a_half_command_are_refused(tmp_path: Path) -> None:
    url, engine = _ledger(tmp_path)
    unknown = _run(url, "no-such-action", "--decide", "continue", "--admin")
    assert unknown.exit_code == 1
    assert "not an escalation to a manager on the list of 2027-01-11" in unknown.output
    half = _run(url, "no-such-action")
    assert half.exit_code == 2 and "--decide" in half.output
    engine.dispose()
