"""The ledger database as the collector activity report reads it (``CollectorSource``).

The action log's entries of a period, the promises made in it, the payments of the customers
who promised, and the payments applied to the contacted invoices (read in batches by id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from engine.model.ledger import Payment, Promise
from engine.rules.collectors import CashApplied, LogEntry, PromiseMade
from store.effectiveness_source import id_batches, json_ids
from store.models import action_log, payments, promises

_STATUSES = ("done", "skipped", "failed", "sent")


class StoreCollectorSource:
    """Reads the collector activity report's rows from the ledger database behind ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def entries(self, first: date, last: date) -> Iterable[LogEntry]:
        """Return the action log's entries dated ``first``..``last``, by day and record."""
        a = action_log.c
        stmt = (
            select(a.action_id, a.customer_id, a.step, a.date, a.status, a.outcome, a.who,
                   a.invoice_ids)
            .where(a.status.in_(_STATUSES), a.date >= first, a.date <= last)
            .order_by(a.date, a.id)
        )  # fmt: skip
        with self.engine.connect() as conn:
            return [
                LogEntry(action, customer, step, day, status, outcome, who or "", json_ids(ids))
                for action, customer, step, day, status, outcome, who, ids in conn.execute(stmt)
            ]

    def promises(self, first: date, last: date) -> Iterable[PromiseMade]:
        """Return the promises made ``first``..``last``, with the day a later one replaced them."""
        return self._promises(promises.c.made, first, last)

    def _promises(self, column: Any, first: date, last: date) -> list[PromiseMade]:
        """Return the promises whose ``column`` (made, pay_by) is ``first``..``last``."""
        p = promises.c
        stmt = (
            select(p.id, p.customer_id, p.made, p.pay_by, p.amount, p.currency, p.superseded_on)
            .where(column >= first, column <= last)
            .order_by(column, p.id)
        )
        with self.engine.connect() as conn:
            return [
                PromiseMade(Promise(ref, customer, made, pay_by, amount, currency), replaced)
                for ref, customer, made, pay_by, amount, currency, replaced in conn.execute(stmt)
            ]

    def payments(self, customer_ids: Iterable[str], until: date) -> Mapping[str, Sequence[Payment]]:
        """Return the payments of ``customer_ids`` dated up to ``until``, by customer."""
        p = payments.c
        found: dict[str, list[Payment]] = {}
        with self.engine.connect() as conn:
            for batch in id_batches(customer_ids):
                stmt = select(
                    p.id, p.customer_id, p.date, p.amount, p.currency, p.invoice_id
                ).where(p.customer_id.in_(batch), p.date <= until)
                for row in conn.execute(stmt):
                    found.setdefault(row[1], []).append(Payment(*row))
        return found

    def cash(self, invoice_ids: Iterable[str], after: date, until: date) -> Iterable[CashApplied]:
        """Return the payments applied to ``invoice_ids`` dated after ``after`` up to ``until``."""
        p = payments.c
        found: list[CashApplied] = []
        with self.engine.connect() as conn:
            for batch in id_batches(invoice_ids):
                stmt = select(p.invoice_id, p.date, p.amount, p.currency).where(
                    p.invoice_id.in_(batch), p.date > after, p.date <= until
                )
                found.extend(CashApplied(*row) for row in conn.execute(stmt))
        return found
