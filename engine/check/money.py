"""Money in the policy: ISO 4217 currencies, amounts that fit their minor units, nothing negative,
percentage fees whose minimum is not above their maximum (P024-P026, P042).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.check.context import Context
from engine.model.money import fits_minor_units, is_currency, minor_units
from engine.model.policy import (
    Fee,
    Policy,
)
from engine.model.source import KEY, Origin, Problem, Source

CODES: dict[str, str] = {
    "P024": "not an ISO 4217 currency code",
    "P025": "an amount has more decimals than its currency has (JPY has none, GBP two)",
    "P026": "a negative amount of money",
    "P042": "a percentage fee's minimum is above its maximum",
}


@dataclass(frozen=True, slots=True)
class _Amount:
    """An amount of money somewhere in the policy, with its currency and where it is written."""

    currency: str
    amount: Decimal | None
    source: Source
    currency_source: Source


def _amounts(policy: Policy) -> Iterator[_Amount]:
    """Return every amount (and bare currency) written in the policy."""
    origin = policy.origin

    def mapping(values: Mapping[str, Decimal], at: Origin, *path: str | int) -> Iterator[_Amount]:
        for currency, amount in values.items():
            yield _Amount(currency, amount, at.at(*path, currency), at.at(*path, currency, KEY))

    yield _Amount(
        policy.base_currency, None, origin.at("base_currency"), origin.at("base_currency")
    )
    yield from mapping(policy.min_balance, origin, "min_balance")
    for rule in policy.assignment:
        codes = rule.when.get("currency", ())
        for index, currency in enumerate(codes):
            # One code may be written without a list: then point at the code itself.
            path = ("when", "currency", index) if len(codes) > 1 else ("when", "currency")
            source = rule.origin.at(*path)
            yield _Amount(currency, None, source, source)
    for fee in policy.fees.values():
        yield from mapping(fee.fixed, fee.origin, "fixed")
        yield from mapping(fee.minimum, fee.origin, "min")
        yield from mapping(fee.maximum, fee.origin, "max")
    for scheme in policy.interest.values():
        paid_in = scheme.compensation_currency
        if paid_in is None:
            continue
        at = scheme.origin.at("compensation", "currency")
        yield _Amount(paid_in, None, at, at)
        for index, band in enumerate(scheme.compensation):
            for name, value in (("below", band.below), ("amount", band.amount)):
                if value is not None:
                    source = scheme.origin.at("compensation", "bands", index, name)
                    yield _Amount(paid_in, value, source, at)
    for term in policy.terms.values():
        for tier in term.discounts:
            yield from mapping(dict(tier.amounts), tier.origin, "amount")
    for ladder in policy.ladders.values():
        for currency in sorted(ladder.currencies):
            at = ladder.origin.at("currencies")
            yield _Amount(currency, None, at, at)
        for step in ladder.steps:
            yield from mapping(step.min_balance, step.origin, "min_balance")
            for currency in sorted(step.currencies):
                at = step.origin.at("currencies")
                yield _Amount(currency, None, at, at)
    for customer in policy.customers.values():
        if customer.credit_limit is not None:
            limit = customer.credit_limit
            yield _Amount(
                limit.currency,
                limit.amount,
                customer.origin.at("credit_limit", "amount"),
                customer.origin.at("credit_limit", "currency"),
            )


def check_currencies(context: Context) -> Iterator[Problem]:
    """Return problems for currency codes that are not ISO 4217."""
    reported: set[Source] = set()
    for item in _amounts(context.policy):
        if is_currency(item.currency) or item.currency_source in reported:
            continue
        reported.add(item.currency_source)
        yield Problem.at(
            item.currency_source,
            "P024",
            f"'{item.currency}' is not an ISO 4217 currency code: write a code such as GBP, EUR "
            "or USD",
        )


def check_minor_units(context: Context) -> Iterator[Problem]:
    """Return problems for amounts with more decimals than their currency has."""
    for item in _amounts(context.policy):
        if item.amount is None or not is_currency(item.currency):
            continue
        if not fits_minor_units(item.amount, item.currency):
            places = minor_units(item.currency)
            allowed = "no decimals" if places == 0 else f"at most {places} decimals"
            yield Problem.at(
                item.source,
                "P025",
                f"{item.currency} amount {item.amount} has more decimals than {item.currency} "
                f"has: write it with {allowed}",
            )


def check_negative_money(context: Context) -> Iterator[Problem]:
    """Return problems for negative amounts of money."""
    for item in _amounts(context.policy):
        if item.amount is not None and item.amount < 0:
            yield Problem.at(
                item.source,
                "P026",
                f"{item.currency} amount {item.amount} is negative: amounts in the policy are "
                "never below zero",
            )


def check_fee_limits(context: Context) -> Iterator[Problem]:
    """Return problems for percentage fees whose minimum is above their maximum."""
    for fee in context.policy.fees.values():
        yield from _fee_limits(fee)


def _fee_limits(fee: Fee) -> Iterator[Problem]:
    for currency, low in fee.minimum.items():
        high = fee.maximum.get(currency)
        if high is not None and low > high:
            yield Problem.at(
                fee.origin.at("min", currency, KEY),
                "P042",
                f"fee '{fee.name}': the {currency} minimum {low} is above the maximum {high}",
            )
