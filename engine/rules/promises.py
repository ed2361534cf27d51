"""Rule "promise kept or broken": what became of a promise to pay, on a day.

A promise to pay ``amount`` by ``pay_by`` is **kept** once the customer's payments in the promised
currency, dated from the day the promise was made up to the day asked about, add up to the
amount; it is **broken** when ``pay_by`` has passed without that; before then it is **pending**.
Credit notes do not count: a promise is about cash. This is the rule the evaluation applies when
it resumes chasing after a broken promise (docs/rules/promises.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Literal, NamedTuple

from engine.model.ledger import Payment, Promise

PromiseStatus = Literal["pending", "kept", "broken"]


class PromiseState(NamedTuple):
    """What became of a promise on a day, and what was paid towards it by then."""

    status: PromiseStatus
    paid: Decimal


def paid_towards(promise: Promise, payments: Iterable[Payment], as_of: date) -> Decimal:
    """Return the payments in the promise's currency dated from the day it was made to ``as_of``."""
    return sum(
        (
            p.amount
            for p in payments
            if p.currency == promise.currency and promise.made <= p.date <= as_of
        ),
        Decimal(0),
    )


def promise_status(promise: Promise, paid: Decimal, as_of: date) -> PromiseStatus:
    """Return whether ``promise`` is pending, kept or broken on ``as_of`` when ``paid`` was paid
    towards it since it was made (the rule; ``suppressions.broken_promises`` applies it too)."""
    if paid >= promise.amount:
        return "kept"
    if promise.pay_by < as_of:
        return "broken"
    return "pending"


def promise_state(promise: Promise, payments: Iterable[Payment], as_of: date) -> PromiseState:
    """Return whether ``promise`` is pending, kept or broken on ``as_of``, given every payment
    the customer made (applied to an invoice or not)."""
    paid = paid_towards(promise, payments, as_of)
    return PromiseState(promise_status(promise, paid, as_of), paid)
