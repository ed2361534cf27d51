"""Exact money: amounts as ``Decimal`` with the minor units of their ISO 4217 currency."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies

# Charges are rounded half up to the minor unit, as invoices and statutory interest claims are
# stated; the rounding is named in every output that shows a computed amount.
ROUNDING = ROUND_HALF_UP
ROUNDING_NAME = "half-up to the currency's minor unit"

ZERO = Decimal(0)


@cache
def known_currencies() -> frozenset[str]:
    """Return the ISO 4217 codes Babel knows."""
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """Return whether ``code`` is an ISO 4217 currency code."""
    return code in known_currencies()


@cache
def minor_units(currency: str) -> int:
    """Return the number of decimal places of ``currency`` (2 for GBP, 0 for JPY, 3 for KWD)."""
    return int(get_currency_precision(currency))


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Return ``amount`` rounded to the minor unit of ``currency`` (half up)."""
    return amount.quantize(_quantum(currency), rounding=ROUNDING)


def fits_minor_units(amount: Decimal, currency: str) -> bool:
    """Return whether ``amount`` has no more decimals than ``currency`` allows."""
    exponent = amount.as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= minor_units(currency)


def format_money(amount: Decimal, currency: str) -> str:
    """Return ``amount`` as plain text with its currency, e.g. ``GBP 1,200.00``."""
    return f"{currency} {round_money(amount, currency):,}"


def money_string(amount: Decimal, currency: str) -> str:
    """Return ``amount`` as every JSON output writes money: a decimal string with exactly the
    minor units of ``currency`` (``"68.80"`` in EUR, ``"1200"`` in JPY, ``"1.500"`` in KWD).

    The one serialisation of money (CLI, API, pages' data, plans, webhooks): rounded half up to
    the minor unit when it has more decimals, and never ``"-0.00"``.
    """
    rounded = round_money(amount, currency)
    if rounded.is_zero():
        rounded = abs(rounded)
    return format(rounded, "f")


def money_strings(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    """Return amounts per currency as ``money_string`` writes them, in currency order."""
    return {currency: money_string(amounts[currency], currency) for currency in sorted(amounts)}
