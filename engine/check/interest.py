"""Interest: reference rates in date order, compensation bands ascending with one open band last
(P030-P031).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from engine.check.context import Context
from engine.model.policy import (
    InterestScheme,
)
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P030": "reference rates are not in date order, or two start on the same date",
    "P031": "compensation bands are not in ascending order with one open band last",
}


def check_reference_rates(context: Context) -> Iterator[Problem]:
    """Return problems for reference rates out of date order or starting twice on one date."""
    for rate in context.policy.reference_rates.values():
        latest = None
        for period in rate.rates:
            if latest is not None and period.start <= latest.start:
                same = period.start == latest.start
                message = (
                    f"reference rate '{rate.name}' has two rates from {period.start}: keep one"
                    if same
                    else f"reference rate '{rate.name}': the rate from {period.start} is listed "
                    f"after the rate from {latest.start}: list the rates in date order"
                )
                yield Problem.at(period.origin.at("from"), "P030", message)
            if latest is None or period.start > latest.start:
                latest = period


def check_compensation_bands(context: Context) -> Iterator[Problem]:
    """Return problems for compensation bands out of order or without one open band last."""
    for scheme in context.policy.interest.values():
        yield from _bands(scheme)


def _bands(scheme: InterestScheme) -> Iterator[Problem]:
    bands = scheme.compensation
    previous: Decimal | None = None
    for index, band in enumerate(bands):
        last = index == len(bands) - 1
        at = scheme.origin.at("compensation", "bands", index)
        if band.below is None and not last:
            yield Problem.at(
                at,
                "P031",
                f"interest '{scheme.name}': only the last compensation band may leave out "
                "'below'; bands after an open band would never apply",
            )
        elif band.below is not None and last:
            yield Problem.at(
                scheme.origin.at("compensation", "bands", index, "below"),
                "P031",
                f"interest '{scheme.name}': the last compensation band must have no 'below', so "
                f"that debts of {band.below} or more get a compensation too",
            )
        if band.below is not None:
            if previous is not None and band.below <= previous:
                yield Problem.at(
                    scheme.origin.at("compensation", "bands", index, "below"),
                    "P031",
                    f"interest '{scheme.name}': compensation bands must go up: 'below: "
                    f"{band.below}' comes after 'below: {previous}'",
                )
            previous = band.below if previous is None else max(previous, band.below)
