"""Rule "instalments": an invoice on split terms is owed, and chased, part by part.

Split terms (``instalments`` in terms.yaml: "30 % on receipt, 70 % net 60", three equal monthly
parts) give each part of the invoice its share and its own due date. From the open amounts on,
the evaluation sees each part as an invoice of its own, numbered ``INV-1001_2of3``: it reaches
the steps of the ladder from its own due date, is grouped, reminded about and recorded in the
action log under that number. Payments and credit notes on the invoice pay its parts in the order
they fall due, each part in full before the next. A dispute, a promise or a payment plan on the
invoice covers all its parts.

An invoice that states its own due date in the ledger is not split: the ledger's date wins. The
rule, with examples and its public sources, is in docs/rules/terms.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TypeVar

from engine.model.ledger import Invoice, Settlement, part_number
from engine.model.money import ZERO, round_money
from engine.model.policy import Term
from engine.rules.calendar import BusinessCalendar
from engine.rules.context import EvaluationContext
from engine.rules.open_items import OpenItem
from engine.rules.terms import term_dates, terms_start

T = TypeVar("T")


def instalment_amounts(term: Term, amount: Decimal, currency: str) -> tuple[Decimal, ...]:
    """Return each part's share of ``amount``: its percentage rounded half up to the minor
    unit, the last part taking what the others leave (so the parts add up to the invoice)."""
    shares = [round_money(amount * part.percent / 100, currency) for part in term.instalments[:-1]]
    return (*shares, amount - sum(shares, ZERO))


def instalment_dues(
    term: Term, issued: date, delivered: date | None, calendar: BusinessCalendar, roll: str
) -> tuple[date, ...]:
    """Return each part's due date, rolled off closed days as any due date is."""
    start = terms_start(term, issued, delivered)
    return tuple(term_dates(part.due, start, calendar, roll).due for part in term.instalments)


def split_parts(
    invoice: Invoice, term: Term, calendar: BusinessCalendar, roll: str
) -> list[Invoice]:
    """Return the parts of an invoice on split terms, each an invoice with its number, share,
    due date and the settlements that paid it (in date order, earliest part first)."""
    amounts = instalment_amounts(term, invoice.amount, invoice.currency)
    dues = instalment_dues(term, invoice.issued, invoice.delivered, calendar, roll)
    paid: list[list[Settlement]] = [[] for _ in amounts]
    left = list(amounts)
    current = 0
    last = len(amounts) - 1
    for settlement in sorted(invoice.settlements, key=lambda s: s.date):
        amount = settlement.amount
        if amount <= 0:  # a reversal reopens the part it was last paid on
            paid[current].append(settlement)
            left[current] -= amount
            continue
        while amount > 0:
            while current < last and left[current] <= 0:
                current += 1
            take = amount if current == last else min(amount, left[current])
            paid[current].append(settlement if take == settlement.amount else
                                 settlement._replace(amount=take))
            left[current] -= take
            amount -= take
    count = len(amounts)
    return [
        invoice._replace(
            id=part_number(invoice.id, index + 1, count),
            amount=amounts[index],
            due=dues[index],
            settlements=tuple(paid[index]),
        )
        for index in range(count)
    ]


def split_open_items(
    context: EvaluationContext, default: Term, opens: list[OpenItem], as_of: date
) -> tuple[list[OpenItem], dict[str, str]]:
    """Return the open items with each invoice on split terms replaced by its open parts, and
    the invoice each part belongs to (part number -> invoice number).

    ``default`` is the customer's terms, for invoices that name none (or terms the policy does
    not define).
    """
    terms = context.policy.terms
    calendar, roll = context.calendar, context.policy.due_date_roll
    out: list[OpenItem] = []
    parents: dict[str, str] = {}
    for invoice, open_amount in opens:
        term = (terms.get(invoice.terms) if invoice.terms else None) or default
        if not term.instalments or invoice.due is not None:
            out.append((invoice, open_amount))
            continue
        for part in split_parts(invoice, term, calendar, roll):
            remaining = part.amount - sum(
                (s.amount for s in part.settlements if s.date <= as_of), ZERO
            )
            if remaining > 0:
                out.append((part, remaining))
                parents[part.id] = invoice.id
    return out, parents


def with_parts(by_invoice: Mapping[str, T], parents: Mapping[str, str]) -> dict[str, T]:
    """Return ``by_invoice`` (a dispute per invoice...) with each part under its invoice's."""
    out = dict(by_invoice)
    for part, invoice in parents.items():
        found = by_invoice.get(invoice)
        if found is not None:
            out[part] = found
    return out
