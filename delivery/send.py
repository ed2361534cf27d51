"""``dunning send``: today's email and letter actions, rendered into the outbox and delivered.

1. evaluate the day's list (the engine) and compose each email and letter action that is not in
   the outbox yet (``delivery.compose``);
2. queue them, keyed by action id (``store.outbox``): a rerun adds nothing;
3. mark messages left ``sending`` by a stopped process as ``uncertain`` (never re-sent);
4. deliver what is queued: emails over SMTP (temporary failures retried with backoff, then
   deferred; permanent ones recorded as failed), letters as PDFs in the print folder with a
   manifest; each result recorded on the action through ``store.outcomes``.

Nothing personal is logged: counts and action ids only.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from delivery.compose import CannotComposeError, Composed, compose
from delivery.smtp import Answer, SmtpSettings, SmtpTransport, Verdict
from engine.evaluate import evaluate
from engine.model.actions import Action, Evaluation, PolicyVersion
from engine.model.ledger import Customer, CustomerLedger
from engine.model.money import format_money
from engine.model.policy import Policy
from engine.rules.payment import amounts_due
from store import outbox
from store.collector import collector_paused
from store.outbox import Claimed, Queued
from store.portal_links import PortalLinks, portal_links_from_environment

log = logging.getLogger("dunning.send")

MANIFEST = "manifest.csv"
MANIFEST_COLUMNS = (
    "file", "action_id", "customer_id", "customer_name", "step", "date", "amount_due",
    "payment_reference", "pages_sha256",
)  # fmt: skip


class Transport:
    """What sends one email: an SMTP connection, or a stand-in in tests."""

    def send(self, sender: str, recipients: Sequence[str], content: bytes) -> Answer:
        """Return the answer to handing ``content`` to the mail server."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection."""


@dataclass(frozen=True, slots=True)
class Retry:
    """How temporary failures are retried: waits within a run, then a later run, then give up."""

    waits: tuple[float, ...] = (2.0, 8.0, 30.0)
    later: timedelta = timedelta(hours=1)
    give_up_after: int = 10  # attempts in all
    lease: timedelta = timedelta(minutes=15)  # a message ``sending`` longer is uncertain


@dataclass(slots=True)
class SendReport:
    """What a send did, by count, with the action ids of what needs a person."""

    listed: int = 0
    composed: int = 0
    queued: int = 0
    sent: int = 0
    letters: int = 0
    deferred: int = 0
    failed: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    not_composed: list[tuple[str, str]] = field(default_factory=list)
    waiting_letters: int = 0
    in_flight: int = 0

    def lines(self) -> list[str]:
        """Return the summary as people read it."""
        out = [
            f"{self.listed} email and letter actions on the list; {self.queued} new in the "
            f"outbox",
            f"sent {self.sent} emails, wrote {self.letters} letters; {self.deferred} deferred "
            f"after temporary failures",
        ]
        if self.failed:
            out.append(f"{len(self.failed)} could not be delivered (on staff's list as failed): "
                       + ", ".join(self.failed))  # fmt: skip
        if self.uncertain:
            out.append(
                f"{len(self.uncertain)} uncertain (a previous run stopped while sending; check "
                "before sending again): " + ", ".join(self.uncertain)
            )
        if self.not_composed:
            out.append(f"{len(self.not_composed)} not sent:")
            out += [f"  {action_id}: {reason}" for action_id, reason in self.not_composed]
        if self.waiting_letters:
            out.append(f"{self.waiting_letters} letters wait for --letters-dir")
        if self.in_flight:
            out.append(f"{self.in_flight} being sent by another run right now")
        return out


def evaluate_with_customers(
    policy: Policy, ledgers: Iterable[CustomerLedger], day: date, version: PolicyVersion
) -> tuple[Evaluation, dict[str, Customer]]:
    """Return the day's evaluation and the ledger's customer records, read in one pass."""
    customers: dict[str, Customer] = {}

    def remember() -> Iterator[CustomerLedger]:
        for ledger in ledgers:
            customers[ledger.customer.id] = ledger.customer
            yield ledger

    with collector_paused():  # a whole ledger's records, none of them in a cycle
        return evaluate(policy, remember(), day, version), customers


def messages_of(
    evaluation: Evaluation,
    policy: Policy,
    customers: dict[str, Customer],
    *,
    root: Path,
    skip: Iterable[str] = (),
    report: SendReport,
    with_content: bool = True,
    portal: PortalLinks | None = None,
) -> list[Composed]:
    """Return the composed emails and letters of ``evaluation``, except the action ids ``skip``.

    Each message carries the customer's portal link made by ``portal``; without it, by the
    portal settings of the environment (``DUNNING_PORTAL_URL``, ``DUNNING_PORTAL_KEYS``), and
    none when those are unset.
    """
    links = portal if portal is not None else portal_links_from_environment()
    skipped = set(skip)
    out: list[Composed] = []
    for action in evaluation.actions:
        if action.kind not in ("email", "letter"):
            continue
        report.listed += 1
        if action.id in skipped:
            continue
        customer = customers.get(action.customer_id) or Customer(action.customer_id)
        try:
            link = links.link(action.customer_id, action.id) if links else ""
            out.append(compose(action, policy, customer, root=root, with_content=with_content,
                               portal_link=link))  # fmt: skip
        except CannotComposeError as reason:
            report.not_composed.append((action.id, str(reason)))
    report.composed = len(out)
    return out


def describe(message: Composed) -> str:
    """Return one line saying what would go out (for --dry-run)."""
    action = message.action
    due = ", ".join(format_money(a, c) for c, a in amounts_due(action).items())
    to = ", ".join(message.recipients) if message.channel == "email" else "print folder"
    return (
        f"{message.channel:<6} {action.customer_id:<12} {action.step:<16} {due:>16}  "
        f"to {to}: {message.subject}"
    )


def write_files(messages: Iterable[Composed], folder: Path) -> list[Path]:
    """Return the .eml (email) and .pdf (letter) files written to ``folder``, one per message."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for message in messages:
        suffix = ".eml" if message.channel == "email" else ".pdf"
        path = folder / f"{_file_stem(message.action)}{suffix}"
        _write_atomically(path, message.content)
        written.append(path)
    return written


def queue(engine: Engine, messages: Iterable[Composed]) -> int:
    """Return how many of ``messages`` were new to the outbox."""
    rows = [
        Queued(
            m.action.id, m.action.date, m.action.customer_id, m.action.step, m.action.invoice_ids,
            m.channel, m.recipients, m.subject, m.message_id, m.content, m.needs_person,
            m.facts,
        )
        for m in messages
    ]  # fmt: skip
    with engine.connect() as conn:
        return outbox.enqueue(conn, rows)


class Sender:
    """Delivers what the outbox holds: one worker, one SMTP connection, one print folder."""

    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        *,
        transport: Transport | None = None,
        letters_dir: Path | None = None,
        retry: Retry = Retry(),
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.transport = transport
        self.letters_dir = letters_dir
        self.retry = retry
        self.sleep = sleep
        self.clock = clock
        self.worker = uuid.uuid4().hex[:16]
        per_minute = policy.guardrails.max_emails_per_minute
        self.interval = 60.0 / per_minute if per_minute else 0.0
        self._last_send: float | None = None
        company = policy.payment.company if policy.payment else None
        self.sender = (company.email or "") if company else ""

    def run(self, report: SendReport) -> SendReport:
        """Deliver every due message; return ``report`` with what happened."""
        with self.engine.connect() as conn:
            report.uncertain += outbox.expire_stale(conn, lease=self.retry.lease)
            emails = outbox.due(conn, channel="email")
            letters = outbox.due(conn, channel="letter")
        if emails and self.transport is not None:
            for action_id in emails:
                self._deliver_email(action_id, report)
        if letters:
            if self.letters_dir is None:
                report.waiting_letters = len(letters)
            else:
                for action_id in letters:
                    self._write_letter(action_id, report)
        with self.engine.connect() as conn:
            report.in_flight = outbox.counts(conn).get("sending", 0)
        log.info(
            "send finished: %d sent, %d letters, %d deferred, %d failed, %d uncertain",
            report.sent, report.letters, report.deferred, len(report.failed),
            len(report.uncertain),
        )  # fmt: skip
        return report

    def _deliver_email(self, action_id: str, report: SendReport) -> None:
        assert self.transport is not None
        with self.engine.connect() as conn:
            message = outbox.claim(conn, action_id, self.worker)
        if message is None:
            return  # another run has it
        waits = list(self.retry.waits)
        while True:
            self._pace()
            answer = self.transport.send(self.sender, message.recipients, message.content)
            log.info("action %s: mail server answered %s", action_id, answer.code or "-")
            if answer.verdict is Verdict.ACCEPTED:
                self._record_sent(message, answer)
                report.sent += 1
                return
            if answer.verdict is Verdict.PERMANENT:
                self._record_failed(message, f"refused: {answer}", "email refused")
                report.failed.append(action_id)
                return
            attempts = message.attempts
            if attempts >= self.retry.give_up_after:
                self._record_failed(
                    message,
                    f"gave up after {attempts} temporary failures; last answer: {answer}",
                    "email not delivered",
                )
                report.failed.append(action_id)
                return
            if not waits:
                with self.engine.connect() as conn:
                    outbox.defer(
                        conn, message, self.worker, f"temporary failure: {answer}",
                        until=datetime.now(UTC) + self.retry.later,
                    )  # fmt: skip
                report.deferred += 1
                return
            self.sleep(waits.pop(0))
            with self.engine.connect() as conn:
                if not outbox.retry_attempt(conn, message, self.worker, f"retrying: {answer}"):
                    return
            message = _next_attempt(message)

    def _record_sent(self, message: Claimed, answer: Answer) -> None:
        with self.engine.connect() as conn:
            outbox.mark_sent(
                conn, message, self.worker, f"accepted: {answer}", outcome="email sent"
            )

    def _record_failed(self, message: Claimed, answer: str, outcome: str) -> None:
        with self.engine.connect() as conn:
            outbox.mark_failed(conn, message, self.worker, answer, outcome=outcome)

    def _write_letter(self, action_id: str, report: SendReport) -> None:
        assert self.letters_dir is not None
        with self.engine.connect() as conn:
            message = outbox.claim(conn, action_id, self.worker)
        if message is None:
            return
        folder = self.letters_dir / message.date.isoformat()
        name = f"{message.customer_id}-{message.step}-{message.action_id[-12:]}.pdf"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(folder / name, message.content)
            _append_manifest(folder / MANIFEST, name, message)
        except OSError as error:
            with self.engine.connect() as conn:
                outbox.defer(
                    conn, message, self.worker, f"print folder not writable ({error.strerror})",
                    until=datetime.now(UTC),
                )  # fmt: skip
            report.deferred += 1
            return
        with self.engine.connect() as conn:
            outbox.mark_sent(
                conn, message, self.worker, f"written to {folder.name}/{name}",
                outcome="letter written",
            )  # fmt: skip
        report.letters += 1

    def _pace(self) -> None:
        """Wait so that emails leave no faster than the guardrail's limit per minute."""
        if self.interval and self._last_send is not None:
            wait = self._last_send + self.interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_send = self.clock()


def _next_attempt(message: Claimed) -> Claimed:
    return Claimed(
        message.action_id, message.date, message.customer_id, message.step, message.invoice_ids,
        message.channel, message.recipients, message.subject, message.message_id,
        message.content, message.needs_person, message.attempts + 1, message.facts,
    )  # fmt: skip


def _append_manifest(path: Path, name: str, message: Claimed) -> None:
    """Add the letter to the print folder's manifest (created with its header when new)."""
    try:
        with path.open("x", encoding="utf-8", newline="") as new:
            csv.writer(new).writerow(MANIFEST_COLUMNS)
    except FileExistsError:
        pass
    facts = message.facts
    row = (
        name, message.action_id, message.customer_id, facts.get("customer_name", ""),
        message.step, message.date.isoformat(), facts.get("amount_due", ""),
        facts.get("payment_reference", ""), hashlib.sha256(message.content).hexdigest(),
    )  # fmt: skip
    with path.open("a", encoding="utf-8", newline="") as manifest:
        csv.writer(manifest).writerow(row)


def _file_stem(action: Action) -> str:
    return f"{action.date.isoformat()}-{action.customer_id}-{action.step}-{action.id[-12:]}"


def _write_atomically(path: Path, content: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    temporary.replace(path)


def smtp_transport(settings: SmtpSettings) -> Transport:
    """Return a transport over a real SMTP connection."""
    return _SmtpAdapter(settings)


class _SmtpAdapter(Transport):
    def __init__(self, settings: SmtpSettings) -> None:
        self._smtp = SmtpTransport(settings)

    def send(self, sender: str, recipients: Sequence[str], content: bytes) -> Answer:
        return self._smtp.send(sender, recipients, content)

    def close(self) -> None:
        self._smtp.close()


def send_evaluation(
    engine: Engine,
    policy: Policy,
    evaluation: Evaluation,
    customers: dict[str, Customer],
    *,
    root: Path,
    transport: Transport | None,
    letters_dir: Path | None,
    retry: Retry = Retry(),
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Queue the day's new emails and letters, then deliver everything due; return the report."""
    report = SendReport()
    wanted = [a.id for a in evaluation.actions if a.kind in ("email", "letter")]
    with engine.connect() as conn:
        already = outbox.known(conn, wanted)
    messages = messages_of(evaluation, policy, customers, root=root, skip=already, report=report)
    report.queued = queue(engine, messages)
    sender = Sender(
        engine, policy, transport=transport, letters_dir=letters_dir, retry=retry, sleep=sleep
    )
    return sender.run(report)
