"""The currencies a policy chases: a step for a currency its ladder does not chase is never sent
(P078), and a policy with ``min_balance`` that does not say whether it chases the currencies it
leaves out gets a warning (P077). Rule "currencies" in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.check.context import Context, step_label
from engine.model.policy import Policy
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P077": "warning: the policy does not say whether currencies min_balance leaves out are chased",
    "P078": "a step is for a currency its ladder does not chase, so it is never sent",
}


def check_step_currencies(context: Context) -> Iterator[Problem]:
    """Return problems for steps limited to currencies their ladder does not chase."""
    for ladder in context.policy.ladders.values():
        if not ladder.currencies:
            continue
        for step in ladder.steps:
            for currency in sorted(step.currencies - ladder.currencies):
                chased = ", ".join(sorted(ladder.currencies))
                yield Problem.at(
                    step.origin.at("currencies"),
                    "P078",
                    f"step {step_label(step)} is for invoices in {currency}, but ladder "
                    f"'{ladder.name}' chases {chased} only, so it is never sent for them: add "
                    f"{currency} to the ladder's currencies or remove it from the step's",
                )


def check_other_currencies(context: Context) -> Iterator[Problem]:
    """Return a warning when ``min_balance`` names currencies and the policy does not say what
    happens to invoices in the others (``other_currencies``)."""
    policy = context.policy
    if not policy.min_balance or policy.other_currencies is not None:
        return
    named = ", ".join(sorted(policy.min_balance))
    elsewhere = sorted(named_currencies(policy) - policy.min_balance.keys())
    seen = (
        f" (the policy names {', '.join(elsewhere)} elsewhere, so it seems to expect them)"
        if elsewhere
        else ""
    )
    yield Problem.warning_at(
        policy.origin.at("min_balance"),
        "P077",
        f"min_balance names {named} only: invoices in any other currency are not chased"
        f"{seen}. Say so with `other_currencies: not_chased`, or chase them without a minimum "
        "with `other_currencies: chased`",
    )


def named_currencies(policy: Policy) -> set[str]:
    """Return the currencies the policy names outside ``min_balance``: fees, step minimums,
    ladder and step currencies, credit limits, assignment rules."""
    found: set[str] = set()
    for fee in policy.fees.values():
        found.update(fee.fixed, fee.minimum, fee.maximum)
    for ladder in policy.ladders.values():
        found.update(ladder.currencies)
        for step in ladder.steps:
            found.update(step.currencies, step.min_balance)
    for customer in policy.customers.values():
        if customer.credit_limit is not None:
            found.add(customer.credit_limit.currency)
    for rule in policy.assignment:
        found.update(rule.when.get("currency", ()))
    return found
