"""The ledger database as the "what works" report reads it (``EffectivenessSource``).

What fired: the action log's ``done`` and ``sent`` entries of a period, one per action (the first
day it was worked or delivered). What was paid: the named invoices with the payments and credit
notes applied to them, read in batches by id. What was answered: the days customers answered on
the payment portal from the link of each action's message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from json import loads
from typing import Any

from sqlalchemy import Engine, literal, select, union_all

from engine.model.ledger import Customer, Settlement
from engine.rules.effectiveness import InvoicePaid, StepFired
from store.models import action_log, credit_notes, customers, invoices, payments, portal_answers

# Ids per IN (...) list: well under SQLite's limit of 32,766 bound parameters.
_BATCH = 5000


def id_batches(ids: Iterable[str]) -> Iterator[list[str]]:
    """Return ``ids`` sorted, without repeats, in lists short enough for one ``IN (...)``."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), _BATCH):
        yield wanted[start : start + _BATCH]


def json_ids(value: Any) -> tuple[str, ...]:
    """Return the ids of a JSON column (an action's invoices) as strings."""
    # SQLite hands JSON over as text when read raw; the JSON type parses it on both backends.
    items: Sequence[Any] = loads(value) if isinstance(value, str) else value
    return tuple(str(item) for item in items)


class StoreEffectivenessSource:
    """Reads fired steps and paid invoices from the ledger database behind ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def firings(self, first: date, last: date) -> Iterable[StepFired]:
        """Return each action worked or delivered from ``first`` to ``last``, once, by day."""
        a = action_log.c
        stmt = (
            select(a.action_id, a.customer_id, a.step, a.invoice_ids, a.date)
            .where(a.status.in_(("done", "sent")), a.date >= first, a.date <= last)
            .order_by(a.date, a.action_id)
        )
        seen: set[str] = set()
        fired = []
        with self.engine.connect() as conn:
            for action_id, customer_id, step, invoice_ids, day in conn.execute(stmt):
                if action_id in seen:
                    continue
                seen.add(action_id)
                ids = json_ids(invoice_ids)
                fired.append(StepFired(action_id, customer_id, step, day, ids))
        return fired

    def customers(self, ids: Iterable[str]) -> Mapping[str, Customer]:
        """Return the customers ``ids`` that exist."""
        c = customers.c
        found: dict[str, Customer] = {}
        with self.engine.connect() as conn:
            for batch in id_batches(ids):
                stmt = select(c.id, c.name, c.country, c.segment, c.email, c.language).where(
                    c.id.in_(batch)
                )
                for row in conn.execute(stmt):
                    found[row[0]] = Customer(*row)
        return found

    def invoices(self, ids: Iterable[str], as_of: date) -> Mapping[str, InvoicePaid]:
        """Return the invoices ``ids`` with their payments and credit notes up to ``as_of``."""
        i, p, n = invoices.c, payments.c, credit_notes.c
        found: dict[str, InvoicePaid] = {}
        with self.engine.connect() as conn:
            for batch in id_batches(ids):
                heads = conn.execute(
                    select(i.id, i.currency, i.amount).where(i.id.in_(batch))
                ).all()
                applied = union_all(
                    select(p.invoice_id, p.date, p.amount, literal("payment").label("kind"), p.id)
                    .where(p.invoice_id.in_(batch), p.date <= as_of),
                    select(n.invoice_id, n.date, n.amount, literal("credit_note"), n.id)
                    .where(n.invoice_id.in_(batch), n.date <= as_of),
                ).subquery()
                settled: dict[str, list[Settlement]] = {}
                rows = conn.execute(
                    select(applied).order_by(applied.c.invoice_id, applied.c.date)
                )
                for invoice_id, day, amount, kind, ref in rows:
                    settled.setdefault(invoice_id, []).append(Settlement(day, amount, kind, ref))
                for invoice_id, currency, amount in heads:
                    found[invoice_id] = InvoicePaid(
                        invoice_id, currency, amount, tuple(settled.get(invoice_id, ()))
                    )
        return found

    def answers(self, action_ids: Iterable[str], as_of: date) -> Mapping[str, tuple[date, ...]]:
        """Return, per action of ``action_ids``, the days (up to ``as_of``) its customer answered
        on the payment portal from the link of its message, each day once."""
        a = portal_answers.c
        found: dict[str, set[date]] = {}
        with self.engine.connect() as conn:
            for batch in id_batches(action_ids):
                rows = conn.execute(
                    select(a.action_id, a.date)
                    .where(a.action_id.in_(batch), a.date <= as_of)
                    .distinct()
                )
                for action_id, day in rows:
                    found.setdefault(action_id, set()).add(day)
        return {action_id: tuple(sorted(days)) for action_id, days in found.items()}
