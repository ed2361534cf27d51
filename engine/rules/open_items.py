"""Rules "open amounts" and "unapplied cash": what is still owed on each invoice on a day.

An invoice's open amount is its amount less the payments and credit notes applied to it and dated
on or before the day; invoices issued after the day do not exist yet. Unapplied cash and credit
notes then reduce the customer's oldest open invoices of their currency first, unless the policy
says ``unapplied_cash: ignore``. The daily list, the customer page and the reports all start from
here (``engine.rules.balances`` adds balances and aging).

``open_items`` runs once per invoice of the ledger: it reads as few fields as it can and does no
arithmetic for an invoice paid in one go.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal

from engine.model.ledger import CreditNote, CustomerLedger, Invoice, Payment, Settlement
from engine.model.money import ZERO
from engine.model.policy import Policy

# An invoice with something still open on the day, and how much: ``(invoice, open amount)``.
# A plain pair, destructured by name where it is read: one is built for every open invoice of
# the ledger, and a NamedTuple would cost a call (three times a pair) to build and to read.
OpenItem = tuple[Invoice, Decimal]


def open_items(invoices: Iterable[Invoice], as_of: date) -> list[OpenItem]:
    """Return the invoices with an open amount on ``as_of``, in ledger order (rule "open amounts").

    The open amount is the invoice's amount less what was paid or credited on it on or before
    ``as_of``; invoices issued after ``as_of`` are left out.
    """
    opens: list[OpenItem] = []
    for invoice in invoices:
        if invoice.issued > as_of:
            continue
        amount = invoice.amount
        settlements = invoice.settlements
        if settlements:
            if len(settlements) == 1:
                # Most invoices are paid in one go: no arithmetic for them.
                first = settlements[0]
                if first.date > as_of:
                    if amount > 0:
                        opens.append((invoice, amount))
                    continue
                if first.amount == amount:
                    continue
                amount -= first.amount
            else:
                for settlement in settlements:
                    if settlement.date <= as_of:
                        amount -= settlement.amount
        if amount > 0:
            opens.append((invoice, amount))
    return opens


def with_unapplied_cash(
    policy: Policy,
    ledger: CustomerLedger,
    opens: list[OpenItem],
    as_of: date,
    due_of: Callable[[Invoice], date],
) -> tuple[list[OpenItem], dict[str, list[Settlement]]]:
    """Return the customer's open items once the unapplied cash and credits are applied, when the
    policy applies them (``unapplied_cash: oldest_first``), and what was applied to each invoice.

    ``opens`` are the customer's ``open_items``; with ``unapplied_cash: ignore`` they are returned
    as they are.
    """
    if opens and ledger.unapplied and policy.unapplied_cash == "oldest_first":
        return apply_unapplied(opens, ledger.unapplied, as_of, due_of)
    return opens, {}


def apply_unapplied(
    opens: list[OpenItem],
    unapplied: Iterable[Payment | CreditNote],
    as_of: date,
    due_of: Callable[[Invoice], date],
) -> tuple[list[OpenItem], dict[str, list[Settlement]]]:
    """Return the open items once unapplied cash and credits reduced the oldest ones first, and
    what was applied to each invoice (rule "unapplied cash").

    Oldest: by due date (``due_of``), then issue date, then invoice id; only invoices in the same
    currency; cash and credits dated on or before ``as_of``, earliest first. What is applied
    counts as paid on the cash's own date (for interest and payment plans). What was given back
    of the cash and credits on the account (a refund, a reversal: a negative item) is taken from
    the earliest of them first.
    """
    cash: dict[str, list[Payment | CreditNote]] = {}
    for item in unapplied:
        if item.date <= as_of and item.amount != 0:
            cash.setdefault(item.currency, []).append(item)
    allocated: dict[str, list[Settlement]] = {}
    if not cash:
        return opens, allocated

    def oldest(entry: OpenItem) -> tuple[date, date, str]:
        invoice, _open = entry
        return (due_of(invoice), invoice.issued, invoice.id)

    remaining = {invoice.id: amount for invoice, amount in opens}
    for currency, items in cash.items():
        queue = sorted((e for e in opens if e[0].currency == currency), key=oldest)
        position = 0
        given_back = -sum((i.amount for i in items if i.amount < 0), ZERO)
        for item in sorted(items, key=lambda i: (i.date, i.id)):
            left = item.amount
            if left <= 0:
                continue
            if given_back > 0:
                taken = min(given_back, left)
                left -= taken
                given_back -= taken
            kind = "credit_note" if isinstance(item, CreditNote) else "unapplied_cash"
            while left > 0 and position < len(queue):
                invoice, _open = queue[position]
                take = min(left, remaining[invoice.id])
                remaining[invoice.id] -= take
                left -= take
                allocated.setdefault(invoice.id, []).append(
                    Settlement(item.date, take, kind, item.id)
                )
                if remaining[invoice.id] <= 0:
                    position += 1
    kept = [(invoice, remaining[invoice.id]) for invoice, _ in opens if remaining[invoice.id] > 0]
    return kept, allocated


def open_by_currency(opens: Iterable[OpenItem]) -> dict[str, Decimal]:
    """Return the open amounts summed per currency (the open balance the rules compare)."""
    totals: dict[str, Decimal] = {}
    for invoice, amount in opens:
        currency = invoice.currency
        totals[currency] = totals.get(currency, ZERO) + amount
    return totals


def unapplied_by_currency(
    unapplied: Iterable[Payment | CreditNote], as_of: date
) -> Mapping[str, Decimal]:
    """Return the unapplied cash and credits dated on or before ``as_of``, per currency."""
    totals: dict[str, Decimal] = {}
    for item in unapplied:
        if item.date <= as_of:
            totals[item.currency] = totals.get(item.currency, ZERO) + item.amount
    return totals
