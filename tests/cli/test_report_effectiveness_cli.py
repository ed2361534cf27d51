"""``dunning report effectiveness``: what works, split by the policy version in force the day
each step fired, read from the policy repository's own git history.

The policy repository has two commits: the project's policy, committed on 1 Nov 2026, and a
change of the first reminder's template committed on 10 Nov. TEST-0002's first reminder was
sent on 5 Nov (first version) for INV-2001, paid on 12 Nov; TEST-0001's on 15 Nov (second
version) for INV-1001, not paid, but TEST-0001 asked for a copy of its invoices on the payment
portal on 16 Nov from that reminder's link. Seen on 23 Nov: each reminder led to a portal answer
or a payment, one of them to an answer.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, insert

from dunning.cli import main
from store.connection import create_store_engine
from store.migrate import upgrade
from store.models import payments
from store.outcomes import record_outcome
from store.portal_answers import PortalAnswer, record_answer
from tests.api.conftest import ROOT
from tests.api.ledger_data import DAY, seed
from tests.git_repo import GIT_ENV


def _commit(repo: Path, message: str, when: str) -> str:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    for args in (["add", "-A"], ["commit", "-q", "-m", message]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)
    out = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, env=env,
                         capture_output=True, text=True)
    return out.stdout.strip()


def _repo(tmp_path: Path) -> tuple[Path, str, str]:
    repo = tmp_path / "policy-repo"
    repo.mkdir()
    for folder in ("policies", "customers"):
        shutil.copytree(ROOT / folder, repo / folder)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    first = _commit(repo, "Policy", "2026-11-01T09:00:00+00:00")
    ladder = repo / "policies" / "ladders" / "standard.yaml"
    text = ladder.read_text(encoding="utf-8")
    changed = text.replace("template: first-reminder", "template: second-reminder", 1)
    assert changed != text
    ladder.write_text(changed, encoding="utf-8")
    second = _commit(
        repo, "Send the firmer letter as the first reminder", "2026-11-10T09:00:00+00:00"
    )
    return repo, first, second


def _database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    engine: Engine = create_store_engine(url)
    upgrade(engine)
    seed(engine)
    with engine.connect() as conn:
        for action_id, customer, invoice, day in (
            ("act-a", "TEST-0002", "INV-2001", date(2026, 11, 5)),
            ("act-b", "TEST-0001", "INV-1001", date(2026, 11, 15)),
        ):
            record_outcome(conn, action_id=action_id, customer_id=customer,
                           step="first-reminder", invoice_ids=[invoice], date=day,
                           status="sent", who="dunning send")
        conn.execute(insert(payments), [{
            "id": "PAY-2001", "customer_id": "TEST-0002", "date": date(2026, 11, 12),
            "amount": Decimal("500.00"), "currency": "GBP", "invoice_id": "INV-2001",
        }])
        conn.commit()
        record_answer(conn, PortalAnswer("answer-1", "TEST-0001", "act-b", "copy",
                                         date(2026, 11, 16), ("INV-1001",)))  # fmt: skip
    engine.dispose()
    return url


def test_each_step_is_counted_under_the_version_in_force_when_it_fired(tmp_path: Path) -> None:
    repo, first, second = _repo(tmp_path)
    url = _database(tmp_path)
    args = ["report", "effectiveness", "--ledger", url, "--policy", str(repo), "--from",
            "2026-11-01", "--to", DAY.isoformat(), "--date", DAY.isoformat()]
    result = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [(v["version"], v["since"]) for v in body["versions"]] == [
        (first[:12], "2026-11-01"),
        (second[:12], "2026-11-10"),
    ]
    templates = {
        (row["value"], row["version"]): row for row in body["rows"]
        if row["dimension"] == "template"
    }
    before = templates[("first-reminder", first[:12])]
    after = templates[("second-reminder", second[:12])]
    # Paid 7 days after the step (5 -> 12 Nov): within 7 and 14 days; 30 days not yet observed.
    assert before["paid_within"]["7"] == {"observed": 1, "paid": 1, "percent": "100.00"}
    assert before["paid_within"]["30"] == {"observed": 0, "paid": 0, "percent": None}
    assert (before["median_days_to_payment"], before["collected"]) == ("7", {"GBP": "500.00"})
    assert after["paid_within"]["7"] == {"observed": 1, "paid": 0, "percent": "0.00"}
    assert (after["reached"], after["median_days_to_payment"]) == (1, None)
    assert (before["fired"], before["answered"], before["answered_or_paid"]) == (1, 0, 1)
    assert (after["fired"], after["answered"], after["answered_or_paid"]) == (1, 1, 1)
    table = CliRunner().invoke(main, args, catch_exceptions=False).output
    assert table.startswith("What works: steps fired 2026-11-01 to 2026-11-23")
    assert "Send the firmer letter as the first reminder" in table
    assert "Led to an answer or a payment" in table


def test_experiments_compare_the_variants_and_say_when_it_is_too_early(tmp_path: Path) -> None:
    """The ladder's experiment on the first reminder, committed on 12 Nov: the reminder of
    15 Nov is in its customer's variant (the one of 5 Nov came before the experiment), and one
    invoice is far too few for any difference."""
    repo, _, _ = _repo(tmp_path)
    ladder = repo / "policies" / "ladders" / "standard.yaml"
    text = ladder.read_text(encoding="utf-8")
    experiment = (
        "experiment:\n  id: first-reminder-tone\n  step: first-reminder\n  variants:\n"
        "    - {name: control, share: 50}\n    - {name: firm, share: 50, tone: firm}\nsteps:\n"
    )
    ladder.write_text(text.replace("steps:\n", experiment, 1), encoding="utf-8")
    _commit(repo, "Try a firmer first reminder on half the customers", "2026-11-12T09:00:00Z")
    url = _database(tmp_path)
    args = ["report", "experiments", "--ledger", url, "--policy", str(repo), "--from",
            "2026-11-01", "--to", DAY.isoformat(), "--date", DAY.isoformat(), "--window", "7"]
    result = CliRunner().invoke(main, [*args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.output)["experiments"]
    assert found["experiment"] == "first-reminder-tone"
    assert found["step"] == "standard/first-reminder"
    arms = {arm["variant"]: arm for arm in found["variants"]}
    assert set(arms) == {"control", "firm"}
    assert sum(arm["observed"] for arm in arms.values()) == 1
    assert sum(arm["paid"] for arm in arms.values()) == 0  # INV-1001 is not paid
    assert found["differences"] == []  # one arm has nothing observed: nothing to compare
    table = CliRunner().invoke(main, args, catch_exceptions=False).output
    assert "95 % Wilson score interval" in table
