"""Credit terms: an early-payment discount shorter than the payment period and below 100 %
(P022-P023).
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.check.context import Context
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P022": "an early-payment discount period is not shorter than the payment period",
    "P023": "an early-payment discount of 100 % or more",
}


def check_discounts(context: Context) -> Iterator[Problem]:
    """Return problems for discounts not shorter than the payment period or of 100 % or more."""
    for term in context.policy.terms.values():
        days, net = term.discount_days, term.net_days
        if days is not None and net is not None and days >= net:
            yield Problem.at(
                term.origin.at("discount", "days"),
                "P022",
                f"terms '{term.name}': the discount period ({days} days) must be shorter than "
                f"the payment period (net_days: {net}), or the discount is just a lower price",
            )
        percent = term.discount_percent
        if percent is not None and percent >= 100:
            yield Problem.at(
                term.origin.at("discount", "percent"),
                "P023",
                f"terms '{term.name}': a discount of {percent} % would cancel the whole invoice; "
                'write the percentage taken off, e.g. "2" for 2 %',
            )
