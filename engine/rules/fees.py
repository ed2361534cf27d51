"""Fees and the fixed compensation for recovery costs, in exact ``Decimal``.

Amounts are rounded once, half up to the currency's minor unit, where they are charged; the rules,
with worked examples, are in docs/rules/dates-and-money.md. Late-payment interest is
``engine.rules.interest``'s.
"""

from __future__ import annotations

from decimal import Decimal

from engine.model.money import ZERO, round_money
from engine.model.policy import CompensationBand, Fee, InterestScheme


def fee_amount(fee: Fee, overdue: Decimal, currency: str) -> Decimal | None:
    """Return the fee on ``overdue`` in ``currency``, or None when the fee has no amount in it.

    A fixed fee is its amount for the currency. A percentage fee is that share of the overdue
    amount, raised to the fee's minimum and lowered to its maximum for the currency (when set);
    nothing overdue gives no fee (0). Rounded half up to the minor unit.
    """
    if fee.fixed:
        fixed = fee.fixed.get(currency)
        return None if fixed is None else round_money(fixed, currency)
    if fee.percent is None:
        return None
    if overdue <= 0:
        return round_money(ZERO, currency)
    amount = overdue * fee.percent / 100
    minimum, maximum = fee.minimum.get(currency), fee.maximum.get(currency)
    if minimum is not None:
        amount = max(amount, minimum)
    if maximum is not None:
        amount = min(amount, maximum)
    return round_money(amount, currency)


def compensation(scheme: InterestScheme, principal: Decimal, currency: str) -> Decimal | None:
    """Return the fixed compensation for a debt of ``principal``, or None when none applies.

    The first band that holds the principal gives the sum: ``below`` is an exclusive bound
    ("less than GBP 1,000"), ``up_to`` an inclusive one ("not exceeding EUR 1,000"), and the
    last band has neither. None when the scheme has no compensation or it is set in another
    currency.
    """
    if not scheme.compensation or scheme.compensation_currency != currency:
        return None
    for band in scheme.compensation:
        if holds(band, principal):
            return round_money(band.amount, currency)
    return None


def holds(band: CompensationBand, principal: Decimal) -> bool:
    """Return whether a debt of ``principal`` falls in ``band`` (its bound, or none)."""
    if band.below is not None:
        return principal < band.below
    if band.up_to is not None:
        return principal <= band.up_to
    return True
