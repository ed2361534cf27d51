"""Every delivery is in the action log and the customer's timeline, also for a step that needs a
person: ``sent`` is a delivery record, not a final outcome (docs/decisions/011)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from delivery.daily import evaluate_day
from dunning.inputs import LoadedPolicy
from store.connection import create_store_engine
from store.models import action_log
from store.outcomes import record_outcome
from store.timeline import read_timeline
from tests.delivery.conftest import DAY, Mailbox
from tests.delivery.test_send import send, sending


def with_person_on(loaded: LoadedPolicy, step_id: str) -> LoadedPolicy:
    """Return the example policy with ``assign: collector`` on the standard ladder's step."""
    ladder = loaded.policy.ladders["standard"]
    steps = tuple(
        dataclasses.replace(s, assign="collector") if s.id == step_id else s for s in ladder.steps
    )
    ladders = {**loaded.policy.ladders, "standard": dataclasses.replace(ladder, steps=steps)}
    return dataclasses.replace(loaded, policy=dataclasses.replace(loaded.policy, ladders=ladders))


def statuses(ledger_url: str, customer_id: str) -> list[tuple[str, str | None, str]]:
    engine = create_store_engine(ledger_url)
    a = action_log.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.status, a.outcome, a.who).where(a.customer_id == customer_id).order_by(a.id)
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_a_sent_email_that_needs_a_person_is_recorded_and_stays_on_the_list(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    """The second reminder names a collector: its email goes out once, the log says ``sent``
    with the answer, the timeline shows it, and the action stays until the collector is done."""
    mailbox, smtp_url = smtp_server
    policy = with_person_on(loaded, "second-reminder")
    report = send(ledger_url, smtp_url, policy)
    assert report.sent == 2
    assert len(mailbox.to("ap@two.example")) == 1
    assert statuses(ledger_url, "TEST-0002") == [
        ("sent", "accepted by the mail server", "dunning send")
    ]
    assert statuses(ledger_url, "TEST-0001") == [
        ("sent", "accepted by the mail server", "dunning send"),
        ("done", "email sent", "dunning send"),
    ]
    with sending(ledger_url, smtp_url) as opened:
        evaluation, _ = evaluate_day(opened, policy, DAY)
        tomorrow, _ = evaluate_day(opened, policy, DAY + timedelta(days=1))
    (kept,) = [a for a in evaluation.actions if a.customer_id == "TEST-0002"]
    assert kept.step == "second-reminder" and kept.assign == "collector"
    # The next day it is still the collector's, and still not sent again.
    assert kept.id in {a.id for a in tomorrow.actions}
    again = send(ledger_url, smtp_url, policy)
    assert (again.queued, again.sent) == (0, 0)
    assert len(mailbox.to("ap@two.example")) == 1

    engine = create_store_engine(ledger_url)
    with engine.connect() as conn:
        timeline = read_timeline(conn, "TEST-0002", DAY, policy.policy)
        (entry,) = [e for e in timeline.entries if e.kind == "action"]
        assert entry.title == "Email 'second-reminder': sent (accepted by the mail server)"
        assert entry.detail == "to ap@two.example; accepted: 250 2.0.0 Ok: queued as Q2"
        assert (entry.status, entry.who, entry.ref) == ("sent", "dunning send", kept.id)
        # The collector works it: now it is done and off the list.
        recorded = record_outcome(
            conn, action_id=kept.id, customer_id="TEST-0002", step=kept.step,
            invoice_ids=kept.invoice_ids, date=DAY, status="done", who="ann",
        )  # fmt: skip
        conn.commit()
        assert recorded.created
    engine.dispose()
    with sending(ledger_url, smtp_url) as opened:
        after, _ = evaluate_day(opened, policy, DAY)
    assert kept.id not in {a.id for a in after.actions}


def test_a_refused_email_is_in_the_timeline_with_the_servers_words(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    """550: the timeline says the email was tried and not done, with the server's answer."""
    mailbox, smtp_url = smtp_server
    mailbox.rcpt_answers["ap@one.example"] = ["550 5.1.1 <ap@one.example>: user unknown"]
    send(ledger_url, smtp_url, loaded)
    engine = create_store_engine(ledger_url)
    with engine.connect() as conn:
        timeline = read_timeline(conn, "TEST-0001", DAY, loaded.policy)
    engine.dispose()
    (entry,) = [e for e in timeline.entries if e.kind == "action"]
    assert entry.title == "Email 'first-reminder': tried, not done (email refused)"
    assert entry.detail == "refused: 550 5.1.1 <ap@one.example>: user unknown"
    assert entry.status == "failed"


def test_a_delivered_letter_is_in_the_timeline(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy, tmp_path: Path
) -> None:
    """The final notice written to the print folder: sent, then done (no person needed)."""
    _, smtp_url = smtp_server
    send(ledger_url, smtp_url, loaded, letters=tmp_path / "print")
    engine = create_store_engine(ledger_url)
    with engine.connect() as conn:
        timeline = read_timeline(conn, "TEST-0003", DAY, loaded.policy)
    engine.dispose()
    titles = sorted(e.title for e in timeline.entries if e.kind == "action")
    assert titles == [
        "Letter 'final-notice': done (letter written)",
        "Letter 'final-notice': sent (written to the print folder)",
    ]


def test_the_database_knows_sent_and_still_refuses_an_unknown_status(ledger_url: str) -> None:
    """The migration widened the action log's status check by ``sent`` alone."""
    engine = create_store_engine(ledger_url)
    row = {
        "action_id": "act_x", "customer_id": "TEST-0001", "step": "first-reminder",
        "invoice_ids": ["INV-1001"], "date": DAY, "outcome": None, "note": "", "who": "t",
        "recorded_at": datetime.now(UTC),
    }  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(action_log), {**row, "status": "sent"})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(action_log), {**row, "status": "emailed"})
    engine.dispose()
