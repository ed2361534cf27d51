"""Rule "statement of account": what a customer is asked to pay on a day, per currency.

The open invoices and the balance are the rule "balances" (``engine.rules.balances``): the very
amounts and days overdue the daily list chases. The charges owed are the fees, interest and
compensation charged to the account and not yet paid or waived (rule "charges owed",
``engine.rules.charges_owed``).
The **amount due** per currency is the balance (open invoices less unapplied cash and credits)
plus the charges owed in that currency, rounded to the currency's minor unit; a currency whose
amount due is zero or less is shown as nothing to pay. The payment portal's page and its
statement PDF show this, and the payment options quote it (docs/rules/statement.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.model.money import ZERO, round_money
from engine.rules.balances import Balances, OpenInvoice
from engine.rules.charges_owed import ChargesOwed, OwedCharge


@dataclass(frozen=True, slots=True)
class Statement:
    """A customer's statement of account on a day."""

    as_of: date
    balances: Balances
    invoices: tuple[OpenInvoice, ...]
    charges: tuple[OwedCharge, ...]  # those still owed, in the order they were charged
    all_charges: tuple[OwedCharge, ...]  # every charge made by the day, paid and waived too
    charges_owed: Mapping[str, Decimal]  # per currency
    due: Mapping[str, Decimal]  # per currency: balance plus charges, rounded; only above zero
    overdue_invoices: int


def statement_of(balances: Balances, charges: ChargesOwed | None) -> Statement:
    """Return the statement of the account whose balances are ``balances`` and whose charges are
    ``charges`` (None: none were ever charged)."""
    every = charges.charges if charges is not None else ()
    kept = tuple(c for c in every if c.owed > 0)
    owed = charges.owed() if charges is not None else {}
    total = dict(balances.balance)
    for currency, amount in owed.items():
        total[currency] = total.get(currency, ZERO) + amount
    due = {
        currency: round_money(amount, currency)
        for currency, amount in sorted(total.items())
        if round_money(amount, currency) > ZERO
    }
    return Statement(
        balances.as_of,
        balances,
        balances.invoices,
        kept,
        every,
        {c: round_money(a, c) for c, a in sorted(owed.items())},
        due,
        sum(1 for entry in balances.invoices if entry.days_overdue > 0),
    )
