"""The day's sending, as ``dunning send`` and the daily job ``dunning run`` do it.

``open_sending`` gathers what sending needs (the ledger database with its outbox, the mail
server from ``DUNNING_SMTP_URL``, the print folder); ``send_day`` evaluates the day's list and
delivers it.
"""

from __future__ import annotations

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
from engine.model.actions import Evaluation, PolicyVersion
from engine.model.ledger import Customer
from engine.model.policy import Policy
from store import outbox
from store.connection import create_store_engine
from store.migrate import DatabaseNotReadyError, require_current
from store.reader import iter_customer_ledgers


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
    """Yield what sending needs; exit with a clear message when the database or URL is wrong."""
    if transport is None:
        transport = _transport_from_environment()
    engine = create_store_engine(url)
    try:
        try:
            require_current(engine)
        except DatabaseNotReadyError as error:
            raise click.ClickException(str(error)) from error
        yield Sending(engine, transport, letters_dir)
    finally:
        if transport is not None:
            transport.close()
        engine.dispose()


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
