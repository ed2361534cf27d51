"""The day's sending, as ``dunning send`` and the daily job ``dunning run`` do it.

``open_sending`` gathers what sending needs (the ledger database with its outbox, the mail
server from ``DUNNING_SMTP_URL``, the print folder); ``send_day`` evaluates the day's list and
delivers it; ``run_day`` is the daily job: evaluate, log the list, send, and say what it did.
Each step is safe to repeat: a second run on the same day finds every message in the outbox
and sends nothing new.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import click
from sqlalchemy import Engine

from delivery.send import Retry, SendReport, Transport, evaluate_with_customers, send_evaluation
from delivery.smtp import SMTP_URL_ENV, SmtpUrlError, parse_smtp_url
from delivery.summary_mail import SummaryQueued, queue_summary_due
from delivery.webhooks import (
    Post,
    WebhookReport,
    deliver_due,
    http_post,
    open_client,
    queue_listed,
)
from engine.model.actions import Evaluation, PolicyVersion
from engine.model.ledger import Customer
from engine.model.policy import Policy
from store import outbox
from store.migrate import DatabaseNotReadyError, open_current
from store.portal_links import PortalSettings, PortalSettingsError
from store.reader import iter_customer_ledgers
from store.snapshots import SnapshotWritten, write_daily_snapshot

log = logging.getLogger("dunning.run")


class LoadedPolicy(Protocol):
    """A valid policy with its version and repository (``dunning.inputs.LoadedPolicy``)."""

    @property
    def policy(self) -> Policy: ...
    @property
    def version(self) -> PolicyVersion: ...
    @property
    def root(self) -> Path: ...


@dataclass(slots=True)
class Sending:
    """What sending needs: the ledger database, the mail server and the print folder."""

    engine: Engine
    transport: Transport | None
    letters_dir: Path | None
    retry: Retry = field(default_factory=Retry)

    def requeue(self, action_ids: Sequence[str]) -> list[str]:
        """Return the failed or uncertain messages put back in the queue."""
        with self.engine.connect() as conn:
            return outbox.requeue(conn, action_ids)


@contextmanager
def open_sending(
    url: str, *, letters_dir: Path | None, transport: Transport | None = None
) -> Iterator[Sending]:
    """Yield what sending needs; exit with a clear message when the database, the mail server's
    URL or the portal's settings are wrong."""
    check_portal_settings()
    if transport is None:
        transport = _transport_from_environment()
    try:
        with open_current(url) as engine:
            yield Sending(engine, transport, letters_dir)
    except DatabaseNotReadyError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if transport is not None:
            transport.close()


def check_portal_settings() -> None:
    """Exit as a usage error (exit code 2, as a bad ``DUNNING_SMTP_URL``) naming the setting at
    fault when the portal's settings in the environment are unusable, before anything is sent:
    every message carries a portal link made with them (docs/portal.md)."""
    try:
        PortalSettings.from_environment()
    except PortalSettingsError as error:
        raise click.UsageError(
            f"the payment portal's settings are unusable: {error} (docs/portal.md; unset"
            " DUNNING_PORTAL_URL and DUNNING_PORTAL_KEYS to send without portal links)"
        ) from error


def _transport_from_environment() -> Transport | None:
    from delivery.send import smtp_transport  # noqa: PLC0415

    url = os.environ.get(SMTP_URL_ENV)
    if not url:
        return None
    try:
        return smtp_transport(parse_smtp_url(url))
    except SmtpUrlError as error:
        raise click.UsageError(str(error)) from error


def evaluate_day(
    sending: Sending, loaded: LoadedPolicy, day: date
) -> tuple[Evaluation, dict[str, Customer]]:
    """Return the day's evaluation of the ledger database and its customers' records."""
    ledgers = iter_customer_ledgers(sending.engine, as_of=day)
    return evaluate_with_customers(loaded.policy, ledgers, day, loaded.version)


def send_day(sending: Sending, loaded: LoadedPolicy, day: date) -> SendReport:
    """Return what sending ``day`` did: its new emails and letters queued, all that is due sent."""
    evaluation, customers = evaluate_day(sending, loaded, day)
    return send_listed(sending, loaded, evaluation, customers)


def send_listed(
    sending: Sending, loaded: LoadedPolicy, evaluation: Evaluation, customers: dict[str, Customer]
) -> SendReport:
    """Return what sending the emails and letters of ``evaluation`` did."""
    report = send_evaluation(
        sending.engine,
        loaded.policy,
        evaluation,
        customers,
        root=loaded.root,
        transport=sending.transport,
        letters_dir=sending.letters_dir,
        retry=sending.retry,
    )
    if sending.transport is None and report.queued + report.deferred:
        report.not_composed.append(
            ("-", f"no mail server: set {SMTP_URL_ENV} to send the queued emails")
        )
    return report


@dataclass(slots=True)
class DailyReport:
    """What the daily job did: the list it evaluated, what it sent, the webhooks it delivered."""

    evaluation: Evaluation
    sent: SendReport
    webhooks: WebhookReport
    snapshot: SnapshotWritten | None = None
    summary: SummaryQueued | None = None

    def lines(self) -> list[str]:
        """Return the summary as people read it (counts only: the job's output may be mailed)."""
        evaluation = self.evaluation
        kinds = evaluation.counts_by_kind()
        customers = len({a.customer_id for a in evaluation.actions})
        held = len({s.customer_id for s in evaluation.suppressions})
        listed = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in kinds.items())
        return [
            f"Daily run for {evaluation.as_of.isoformat()}, policy "
            f"{evaluation.policy_version.label()}",
            f"list: {len(evaluation.actions)} actions for {customers} customers"
            + (f" ({listed})" if listed else "")
            + f"; {held} customers held back",
            *self.sent.lines(),
            *self.webhooks.lines(),
            *self._snapshot_lines(),
            *([self.summary.line()] if self.summary is not None else []),
        ]

    def _snapshot_lines(self) -> list[str]:
        if self.snapshot is None:
            return []
        currencies = ", ".join(self.snapshot.currencies) or "nothing open"
        return [f"snapshot of the day's aging written for the overdue trend: {currencies}"]


def log_list(evaluation: Evaluation) -> None:
    """Log the day's list by counts and policy version: nothing personal (no names, amounts)."""
    version = evaluation.policy_version
    log.info(
        "daily list %s: %d actions, %d customers evaluated, %d suppressions, %d superseded; "
        "by kind %s; policy commit %s digest %s",
        evaluation.as_of.isoformat(), len(evaluation.actions), evaluation.customers_evaluated,
        len(evaluation.suppressions), len(evaluation.superseded), evaluation.counts_by_kind(),
        version.commit or "-", version.digest,
    )  # fmt: skip


def run_day(
    sending: Sending, loaded: LoadedPolicy, day: date, *, post: Post | None = None
) -> DailyReport:
    """Return what the daily job did for ``day``: the list evaluated and logged, the day's
    snapshot written for reports, its new actions announced to webhooks, the management summary
    queued on its weekday, its messages sent, and the webhooks due delivered (over ``post``, by
    default HTTP)."""
    evaluation, customers = evaluate_day(sending, loaded, day)
    log_list(evaluation)
    # The day's figures for the overdue trend (docs/reports.md), before anything is sent: a
    # sending failure must not leave a gap in the trend.
    snapshot = write_daily_snapshot(sending.engine, loaded.policy, day)
    queue_listed(sending.engine, evaluation)
    # The management summary, on its weekday: queued before sending, so it goes out with the
    # reminders (docs/reports.md).
    summary = queue_summary_due(sending.engine, loaded.policy, day, repo=_repo(loaded.root))
    sent = send_listed(sending, loaded, evaluation, customers)
    if post is not None:
        hooks = deliver_due(sending.engine, post)
    else:
        with open_client() as client:
            hooks = deliver_due(sending.engine, http_post(client))
    return DailyReport(evaluation, sent, hooks, snapshot, summary)


def _repo(root: Path) -> Path | None:
    from engine.load.policy_repo import git_root  # noqa: PLC0415

    return git_root(root)
