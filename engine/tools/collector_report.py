"""The collector activity report: the rule "collector activity" over what a source reads.

The caller supplies the rows (``CollectorSource``: the store reads the action log, promises and
payments with a query each); the policy says which steps contact the customer. Nothing here
reads a file or a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from typing import Protocol

from engine.model.ledger import Payment
from engine.model.policy import Policy
from engine.rules.collectors import (
    CONTACT_WINDOW_DAYS,
    CashApplied,
    CollectorReport,
    LogEntry,
    PromiseMade,
    collector_activity,
)


class CollectorSource(Protocol):
    """Where the report reads the action log, the promises and the payments."""

    def entries(self, first: date, last: date) -> Iterable[LogEntry]:
        """Return the action log's entries dated ``first``..``last``, by day."""
        ...

    def promises(self, first: date, last: date) -> Iterable[PromiseMade]:
        """Return the promises to pay made ``first``..``last``."""
        ...

    def payments(self, customer_ids: Iterable[str], until: date) -> Mapping[str, Sequence[Payment]]:
        """Return the payments of ``customer_ids`` dated up to ``until``, by customer."""
        ...

    def cash(self, invoice_ids: Iterable[str], after: date, until: date) -> Iterable[CashApplied]:
        """Return the payments applied to ``invoice_ids`` dated after ``after`` up to ``until``."""
        ...


def contact_steps(policy: Policy) -> frozenset[str]:
    """Return the ids of the ladder steps that contact the customer (email, letter, phone…)."""
    return frozenset(
        step.id for ladder in policy.ladders.values() for step in ladder.steps if step.is_contact
    )


def collectors_report(
    policy: Policy, source: CollectorSource, first: date, last: date, as_of: date
) -> CollectorReport:
    """Return each person's activity in ``first``..``last``, promises and cash seen on ``as_of``."""
    entries = list(source.entries(first, last))
    promises = list(source.promises(first, last))
    payments = source.payments({p.promise.customer_id for p in promises}, as_of)
    steps = contact_steps(policy)
    invoices = {i for e in entries if e.step in steps for i in e.invoice_ids}
    until = min(last + timedelta(days=CONTACT_WINDOW_DAYS), as_of)
    cash = source.cash(invoices, first, until) if invoices and until > first else ()
    return collector_activity(
        entries, promises, payments, cash, steps, first=first, last=last, as_of=as_of
    )

