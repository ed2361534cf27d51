"""The ledger database as the management summary reads it (``engine.tools.summary``).

Sums by the database (cash collected, write-offs, per currency), the hand-offs and the promises
due in a period, and the composition the CLI, the API and the daily job share: ``read_summary``
reads the policy's history for the changes merged in the period and computes the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, func, select

from engine.model.ledger import CustomerLedger
from engine.model.policy import Policy
from engine.rules.collectors import PromiseMade
from engine.rules.summary import HandedOff, ManagementSummary, Period
from engine.tools.summary import summary_with_changes
from store.activity_source import StoreCollectorSource
from store.collector import collector_paused
from store.models import customers, handoffs, payments, promises, reversals, write_offs
from store.reader import iter_customer_ledgers
from store.report_source import StoreReportSource


class StoreSummarySource(StoreCollectorSource):
    """Reads the summary's sums and lists from the ledger database behind ``engine``."""

    def cash_collected(self, first: date, last: date) -> Mapping[str, Decimal]:
        """Return the payments dated ``first``..``last`` less the refunds, chargebacks and
        reversals of payments dated then, per currency."""
        p, r = payments.c, reversals.c
        cash: dict[str, Decimal] = {}
        with self.engine.connect() as conn:
            for currency, amount in conn.execute(
                select(p.currency, func.sum(p.amount))
                .where(p.date >= first, p.date <= last)
                .group_by(p.currency)
            ):
                cash[currency] = amount
            for currency, amount in conn.execute(
                select(r.currency, func.sum(r.amount))
                .where(r.payment_id.is_not(None), r.date >= first, r.date <= last)
                .group_by(r.currency)
            ):
                cash[currency] = cash.get(currency, Decimal(0)) - amount
        return cash

    def write_offs(self, first: date, last: date) -> Mapping[str, tuple[int, Decimal]]:
        """Return how many write-offs are dated ``first``..``last`` and how much, per currency."""
        w = write_offs.c
        stmt = (
            select(w.currency, func.count(), func.sum(w.amount))
            .where(w.date >= first, w.date <= last)
            .group_by(w.currency)
        )
        with self.engine.connect() as conn:
            return {currency: (int(n), amount) for currency, n, amount in conn.execute(stmt)}

    def handoffs(self, first: date, last: date) -> Sequence[HandedOff]:
        """Return the hand-offs opened ``first``..``last``, by day and customer."""
        h, c = handoffs.c, customers.c
        stmt = (
            select(h.customer_id, c.name, h.to, h.opened, h.claim)
            .join(customers, c.id == h.customer_id)
            .where(h.opened >= first, h.opened <= last)
            .order_by(h.opened, h.customer_id)
        )
        with self.engine.connect() as conn:
            return [
                HandedOff(
                    customer, name, to, opened, {k: Decimal(v) for k, v in (claim or {}).items()}
                )
                for customer, name, to, opened, claim in conn.execute(stmt)
            ]

    def promises_due(self, first: date, last: date) -> Sequence[PromiseMade]:
        """Return the promises to pay by a day of ``first``..``last``."""
        return self._promises(promises.c.pay_by, first, last)


def read_summary(
    engine: Engine,
    policy: Policy,
    *,
    repo: Path | None,
    ref: str,
    period: Period,
    last: date,
) -> ManagementSummary:
    """Return the management summary of the ``period`` ending on ``last`` over the database
    behind ``engine``; the policy changes are the commits of ``repo`` up to ``ref`` (none
    without a repository), each with its plan on the day it was merged."""

    def ledgers_on(day: date) -> Iterable[CustomerLedger]:
        return iter_customer_ledgers(engine, as_of=day)

    with collector_paused():
        return summary_with_changes(
            policy, StoreReportSource(engine), StoreSummarySource(engine), period=period,
            last=last, repo=repo, ref=ref, ledgers_on=ledgers_on,
        )  # fmt: skip
