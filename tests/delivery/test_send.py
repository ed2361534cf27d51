"""``dunning send`` against a real SMTP server: each reminder arrives once, complete, whatever
reruns, crashes, temporary refusals or parallel runs happen (docs/decisions/007)."""

from __future__ import annotations

import csv
import dataclasses
import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from delivery.daily import Sending, evaluate_day, open_sending, send_day
from delivery.send import Retry, Sender, SendReport, messages_of, queue, smtp_transport
from delivery.smtp import parse_smtp_url
from dunning.inputs import LoadedPolicy
from engine.rules.payment import amounts_due, payment_placeholders
from store import outbox
from store.models import action_log
from store.models import outbox as outbox_table
from tests.delivery.conftest import DAY, Mailbox

QUICK = Retry(waits=(0.0, 0.0), later=timedelta(hours=1), give_up_after=10)


@contextmanager
def sending(
    ledger_url: str, smtp_url: str, letters: Path | None = None, retry: Retry = QUICK
) -> Iterator[Sending]:
    transport = smtp_transport(parse_smtp_url(smtp_url))
    with open_sending(ledger_url, letters_dir=letters, transport=transport) as opened:
        opened.retry = retry
        yield opened


def send(
    ledger_url: str,
    smtp_url: str,
    loaded: LoadedPolicy,
    letters: Path | None = None,
    retry: Retry = QUICK,
) -> SendReport:
    with sending(ledger_url, smtp_url, letters, retry) as opened:
        return send_day(opened, loaded, DAY)


def states(ledger_url: str) -> dict[str, tuple[str, str, int]]:
    """Return customer id -> (channel, state, attempts) of every outbox message."""
    with sending(ledger_url, "smtp://127.0.0.1:1") as opened, opened.engine.connect() as conn:
        rows = conn.execute(
            select(
                outbox_table.c.customer_id,
                outbox_table.c.channel,
                outbox_table.c.state,
                outbox_table.c.attempts,
            )
        )
        return {row.customer_id: (row.channel, row.state, row.attempts) for row in rows}


def logged(ledger_url: str) -> list[tuple[str, str, str | None, str]]:
    """Return (customer, status, outcome, note) of every action log entry, sorted."""
    with sending(ledger_url, "smtp://127.0.0.1:1") as opened, opened.engine.connect() as conn:
        rows = conn.execute(
            select(action_log.c.customer_id, action_log.c.status, action_log.c.outcome,
                   action_log.c.note)
        )
        return sorted(tuple(row) for row in rows)


def test_each_reminder_arrives_once_complete_with_a_way_to_pay(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy, tmp_path: Path
) -> None:
    """Both parts, the right people, the subject, the statement, the link; a rerun sends nothing."""
    mailbox, smtp_url = smtp_server
    report = send(ledger_url, smtp_url, loaded, letters=tmp_path / "print")
    assert (report.sent, report.letters, report.failed) == (2, 1, [])
    assert [reason for _, reason in report.not_composed] == [
        "the customer has no email address: add a contact with an email to its customer file, "
        "or an email to the ledger"
    ]
    assert len(mailbox.messages) == 2
    with sending(ledger_url, smtp_url) as opened:
        evaluation, _ = evaluate_day(opened, loaded, DAY)
    # Sent actions are done: they left the list.
    assert {a.customer_id for a in evaluation.actions if a.kind in ("email", "letter")} == {
        "TEST-0004"
    }

    (second,) = mailbox.to("ap@two.example")
    assert second["From"] == "Northwind Supplies Ltd <credit.control@northwind.example>"
    assert second["To"] == "ap@two.example"
    assert second["Reply-To"] == "accounts@northwind.example"
    assert second["Subject"] == "Second reminder: invoice INV-2001"
    assert second["Auto-Submitted"] == "auto-generated"
    assert second["Message-ID"].startswith("<reminder.")
    assert second["Message-ID"].endswith("@northwind.example>")
    assert "List-Unsubscribe" not in second
    text = second.get_body(("plain",))
    html = second.get_body(("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    link = "https://pay.northwind.example/invoice/INV-2001?amount=495.50&currency=GBP"
    assert f"Pay online: {link}&customer=TEST-0002" in plain
    assert f'href="{link.replace("&", "&amp;")}&amp;customer=TEST-0002"' in markup
    assert "Pay GBP 495.50 online" in markup
    assert "Sort code 20-20-15, account 73611837" in plain
    (statement,) = list(second.iter_attachments())
    assert statement.get_content_type() == "application/pdf"
    assert statement.get_filename() == "statement-TEST-0002-2026-11-23.pdf"
    pages = PdfReader(io.BytesIO(statement.get_content())).pages
    statement_text = "\n".join(page.extract_text() for page in pages)
    assert "INV-2001" in statement_text and "GBP 495.50" in statement_text

    (first,) = mailbox.to("ap@one.example")
    assert list(first.iter_attachments()) == []  # the first reminder attaches no statement

    entries = logged(ledger_url)
    letter_answer = next(e[3] for e in entries if e[:2] == ("TEST-0003", "sent"))
    assert letter_answer.startswith(f"written to {DAY.isoformat()}/TEST-0003-final-notice-")
    assert entries == [
        ("TEST-0001", "done", "email sent", ""),
        ("TEST-0001", "sent", "accepted by the mail server",
         "to ap@one.example; accepted: 250 2.0.0 Ok: queued as Q1"),
        ("TEST-0002", "done", "email sent", ""),
        ("TEST-0002", "sent", "accepted by the mail server",
         "to ap@two.example; accepted: 250 2.0.0 Ok: queued as Q2"),
        ("TEST-0003", "done", "letter written", ""),
        ("TEST-0003", "sent", "written to the print folder", letter_answer),
    ]  # fmt: skip

    again = send(ledger_url, smtp_url, loaded, letters=tmp_path / "print")
    assert (again.queued, again.sent, again.letters) == (0, 0, 0)
    assert len(mailbox.messages) == 2


def test_a_letter_is_a_pdf_in_the_print_folder_with_amounts_and_reference(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy, tmp_path: Path
) -> None:
    """The final notice is printed: its PDF states the amount due and the payment reference."""
    _, smtp_url = smtp_server
    with sending(ledger_url, smtp_url) as opened:
        evaluation, _ = evaluate_day(opened, loaded, DAY)
    send(ledger_url, smtp_url, loaded, letters=tmp_path / "print")
    folder = tmp_path / "print" / DAY.isoformat()
    (pdf,) = folder.glob("TEST-0003-final-notice-*.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    with (folder / "manifest.csv").open(encoding="utf-8", newline="") as file:
        (row,) = list(csv.DictReader(file))
    assert row["file"] == pdf.name
    assert (row["customer_id"], row["customer_name"], row["step"]) == (
        "TEST-0003", "Test Three Ltd", "final-notice",
    )  # fmt: skip
    (action,) = [a for a in evaluation.actions if a.kind == "letter"]
    assert loaded.policy.payment is not None
    reference = payment_placeholders(loaded.policy.payment, action)["payment_reference"]
    due = amounts_due(action)["GBP"]
    assert row["payment_reference"] == reference and reference.startswith("RF")
    assert row["amount_due"] == f"GBP {due:,}"
    assert reference in text
    assert f"GBP {due:,}" in text
    assert "Northwind Supplies Ltd" in text
    assert "INV-3001" in text


def test_a_crash_between_sending_and_recording_never_sends_twice(
    ledger_url: str,
    smtp_server: tuple[Mailbox, str],
    loaded: LoadedPolicy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mail server accepted, the process died before writing it down: no second copy."""
    mailbox, smtp_url = smtp_server
    real = outbox.mark_sent

    def crash(*args: object, **kwargs: object) -> bool:
        raise KeyboardInterrupt  # the process stops right after the server said 250

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(KeyboardInterrupt):
        send(ledger_url, smtp_url, loaded)
    assert len(mailbox.messages) == 1
    monkeypatch.setattr(outbox, "mark_sent", real)

    # A rerun soon after: the message is still being sent as far as anyone knows.
    rerun = send(ledger_url, smtp_url, loaded)
    assert rerun.in_flight == 1
    # Later still: it is uncertain, on staff's list, and never sent again by itself.
    later = send(ledger_url, smtp_url, loaded, retry=Retry(waits=(), lease=timedelta(0)))
    (crashed,) = later.uncertain
    customer = mailbox.parsed()[0]["To"]
    assert len(mailbox.to(customer)) == 1
    assert sum(1 for s in states(ledger_url).values() if s[1] == "uncertain") == 1
    entries = [e for e in logged(ledger_url) if e[2] == "delivery uncertain"]
    assert len(entries) == 1 and entries[0][1] == "failed"
    assert "check the mail server's log for Message-ID <reminder." in entries[0][3]
    # A person checked: sending it again is an explicit act.
    with sending(ledger_url, smtp_url) as opened:
        assert opened.requeue([crashed]) == [crashed]
        send_day(opened, loaded, DAY)
    assert len(mailbox.to(customer)) == 2


def test_a_temporary_refusal_is_retried_and_delivered_once(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    """451 then 250: one message, two attempts."""
    mailbox, smtp_url = smtp_server
    mailbox.rcpt_answers["ap@one.example"] = ["451 4.3.0 Mailbox busy, try later"]
    report = send(ledger_url, smtp_url, loaded)
    assert report.sent == 2 and report.deferred == 0
    assert len(mailbox.to("ap@one.example")) == 1
    assert states(ledger_url)["TEST-0001"] == ("email", "sent", 2)


def test_temporary_refusals_beyond_the_waits_are_deferred_to_a_later_run(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    """Still refused after the waits: queued again for later, not failed, not lost."""
    mailbox, smtp_url = smtp_server
    mailbox.rcpt_answers["ap@one.example"] = ["421 4.7.0 Try again later"] * 3
    report = send(ledger_url, smtp_url, loaded)
    assert report.deferred == 1
    assert states(ledger_url)["TEST-0001"] == ("email", "queued", 3)
    assert mailbox.to("ap@one.example") == []


def test_a_permanent_refusal_is_recorded_as_failed_with_the_answer(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    """550: not retried, the action is failed with the server's words and stays on the list."""
    mailbox, smtp_url = smtp_server
    mailbox.rcpt_answers["ap@two.example"] = ["550 5.1.1 <ap@two.example>: user unknown"]
    report = send(ledger_url, smtp_url, loaded)
    assert len(report.failed) == 1
    assert states(ledger_url)["TEST-0002"] == ("email", "failed", 1)
    assert ("TEST-0002", "failed", "email refused",
            "refused: 550 5.1.1 <ap@two.example>: user unknown") in logged(ledger_url)  # fmt: skip
    with sending(ledger_url, smtp_url) as opened:
        evaluation, _ = evaluate_day(opened, loaded, DAY)
    assert "TEST-0002" in {a.customer_id for a in evaluation.actions}
    again = send(ledger_url, smtp_url, loaded)
    assert again.sent == 0 and mailbox.to("ap@two.example") == []


def test_two_runs_at_once_send_each_message_once(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy, tmp_path: Path
) -> None:
    """Parallel `dunning send` runs (a timer and a person, say) deliver each reminder once."""
    mailbox, smtp_url = smtp_server
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def run() -> None:
        try:
            start.wait()
            send(ledger_url, smtp_url, loaded, letters=tmp_path / "print")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(rcpts[0] for _, rcpts, _ in mailbox.messages) == [
        "ap@one.example",
        "ap@two.example",
    ]
    assert len(list((tmp_path / "print" / DAY.isoformat()).glob("*.pdf"))) == 1
    assert {s[1] for s in states(ledger_url).values()} == {"sent"}


def test_amounts_in_the_message_are_the_engines(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    """The email quotes the amount due and reference the engine computes for the action."""
    mailbox, smtp_url = smtp_server
    with sending(ledger_url, smtp_url) as opened:
        evaluation, _ = evaluate_day(opened, loaded, DAY)
    (action,) = [a for a in evaluation.actions if a.customer_id == "TEST-0002"]
    send(ledger_url, smtp_url, loaded)
    (message,) = mailbox.to("ap@two.example")
    body = message.get_body(("plain",))
    assert body is not None
    assert loaded.policy.payment is not None
    values = payment_placeholders(loaded.policy.payment, action)
    assert f"To pay GBP {amounts_due(action)['GBP']:,}:" in body.get_content()
    assert f"Reference {values['payment_reference']}" in body.get_content()


def test_emails_leave_no_faster_than_the_guardrail_allows(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy
) -> None:
    """``max_emails_per_minute: 20``: each email leaves three seconds after the one before."""
    mailbox, smtp_url = smtp_server
    guardrails = dataclasses.replace(loaded.policy.guardrails, max_emails_per_minute=20)
    policy = dataclasses.replace(loaded.policy, guardrails=guardrails)
    now = [1000.0]  # a clock that moves only when the sender waits
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with sending(ledger_url, smtp_url) as opened:
        evaluation, customers = evaluate_day(opened, loaded, DAY)
        report = SendReport()
        queue(opened.engine, messages_of(evaluation, policy, customers, root=loaded.root,
                                         report=report))  # fmt: skip
        sender = Sender(opened.engine, policy, transport=opened.transport, retry=QUICK,
                        sleep=sleep, clock=lambda: now[0])  # fmt: skip
        sender.run(report)
    assert report.sent == 2 and len(mailbox.messages) == 2
    assert waits == [3.0]


def test_a_step_sent_and_done_records_what_it_charged(
    ledger_url: str, smtp_server: tuple[Mailbox, str], loaded: LoadedPolicy, tmp_path: Path
) -> None:
    """Rule "charges owed" (docs/rules/charges.md): the second reminder's GBP 15.00 fee and the
    final notice's interest are recorded with the done outcome the sender writes, so they are
    owed from then on; the delivery record itself charges nothing."""
    _, smtp_url = smtp_server
    with sending(ledger_url, smtp_url) as opened:
        evaluation, _ = evaluate_day(opened, loaded, DAY)
    expected = {
        a.customer_id: (a.fees().get("GBP"), a.interest().get("GBP"))
        for a in evaluation.actions
        if a.charges
    }
    assert expected["TEST-0002"] == (Decimal("15.00"), None)
    send(ledger_url, smtp_url, loaded, letters=tmp_path / "print")
    with sending(ledger_url, smtp_url) as opened, opened.engine.connect() as conn:
        rows = conn.execute(
            select(action_log.c.customer_id, action_log.c.status, action_log.c.fee,
                   action_log.c.interest, action_log.c.currency)
        ).all()  # fmt: skip
    charged = {r.customer_id: (r.fee, r.interest) for r in rows if r.status == "done"}
    assert {c: charged[c] for c in expected} == expected
    done = [r for r in rows if r.status == "done" and r.customer_id in expected]
    assert all(r.currency == "GBP" for r in done)
    assert all(r.fee is None and r.interest is None for r in rows if r.status == "sent")
