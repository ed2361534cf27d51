"""Interest: reference rates and margin changes in date order, compensation bands ascending
with one open band last (P030, P031, P043).
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
    "P043": "an interest scheme's margin changes are not in date order",
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


def check_margin_changes(context: Context) -> Iterator[Problem]:
    """Return problems for margin changes out of date order or two from one date."""
    for scheme in context.policy.interest.values():
        latest = None
        for change in scheme.margin_changes:
            if latest is not None and change.start <= latest.start:
                message = (
                    f"interest '{scheme.name}' has two margin changes from {change.start}: "
                    "keep one"
                    if change.start == latest.start
                    else f"interest '{scheme.name}': the margin change from {change.start} is "
                    f"listed after the one from {latest.start}: list the changes in date order"
                )
                yield Problem.at(change.origin.at("from"), "P043", message)
            if latest is None or change.start > latest.start:
                latest = change


def check_compensation_bands(context: Context) -> Iterator[Problem]:
    """Return problems for compensation bands out of order or without one open band last."""
    for scheme in context.policy.interest.values():
        yield from _bands(scheme)


def _bands(scheme: InterestScheme) -> Iterator[Problem]:
    bands = scheme.compensation
    previous: tuple[str, Decimal] | None = None
    for index, band in enumerate(bands):
        last = index == len(bands) - 1
        at = scheme.origin.at("compensation", "bands", index)
        key = "below" if band.below is not None else "up_to"
        bound = band.bound
        if bound is None and not last:
            yield Problem.at(
                at,
                "P031",
                f"interest '{scheme.name}': only the last compensation band may leave out "
                "'below' and 'up_to'; bands after an open band would never apply",
            )
        elif bound is not None and last:
            more = "or more" if key == "below" else "and more"
            yield Problem.at(
                scheme.origin.at("compensation", "bands", index, key),
                "P031",
                f"interest '{scheme.name}': the last compensation band must have no '{key}', so "
                f"that debts of {bound} {more} get a compensation too",
            )
        if bound is not None:
            if previous is not None and bound <= previous[1]:
                yield Problem.at(
                    scheme.origin.at("compensation", "bands", index, key),
                    "P031",
                    f"interest '{scheme.name}': compensation bands must go up: '{key}: "
                    f"{bound}' comes after '{previous[0]}: {previous[1]}'",
                )
            if previous is None or bound > previous[1]:
                previous = (key, bound)
