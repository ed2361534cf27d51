"""Customer files: overrides name steps of the customer's ladder, delays keep a step before the
next one, a step is not both skipped and delayed (P027-P029), a credit limit review has a credit
limit to review (P084).
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.check.context import Context, did_you_mean, listing
from engine.check.ladders import sound_ladder
from engine.model.policy import (
    CustomerPolicy,
    Ladder,
    Policy,
)
from engine.model.source import KEY, Problem

CODES: dict[str, str] = {
    "P027": "a customer file skips or delays a step that its ladder does not have",
    "P028": "a customer's delay moves a step onto or past the next step, so it is never sent",
    "P029": "a customer file both skips and delays the same step",
    "P084": "a customer file reviews a credit limit it does not have",
}


def possible_ladders(
    policy: Policy, segment: str | None, country: str | None, ladder: str | None
) -> list[str]:
    """Return the ladders a customer can be on, in the order of the policy's layers.

    As engine.rules.effective decides: the customer file's ladder, else the first assignment rule
    that matches (a rule with no ladder gives the default ladder), else the default. A rule on
    ``currency`` depends on the invoices, so it may or may not apply: both outcomes are possible.
    """
    if ladder:
        return [ladder]
    found: list[str] = []
    traits = {"segment": segment, "country": country}
    for rule in policy.assignment:
        certain = True
        matches = True
        for key, values in rule.when.items():
            if key == "currency":
                certain = False
                continue
            value = traits.get(key)
            if value is None or value not in values:
                matches = False
                break
        if not matches:
            continue
        found.append(rule.ladder or policy.defaults.ladder)
        if certain:
            return list(dict.fromkeys(found))
    found.append(policy.defaults.ladder)
    return list(dict.fromkeys(found))


def _customer_ladders(context: Context, customer: CustomerPolicy) -> list[Ladder] | None:
    """Return the ladders a customer can be on, or None when one of them is not available."""
    names = possible_ladders(context.policy, customer.segment, customer.country, customer.ladder)
    ladders = [context.policy.ladders.get(name) for name in names]
    if any(ladder is None for ladder in ladders):
        return None  # an unknown ladder is reported by check_references
    return [ladder for ladder in ladders if ladder is not None]


def check_customer_steps(context: Context) -> Iterator[Problem]:
    """Return problems for skipped or delayed steps that the customer's ladder does not have."""
    for customer in context.policy.customers.values():
        ladders = _customer_ladders(context, customer)
        if not ladders:
            continue
        named = " or ".join(f"'{ladder.name}'" for ladder in ladders)
        ids = list(dict.fromkeys(step.id for ladder in ladders for step in ladder.steps))
        overrides = [("skip", step_id) for step_id in sorted(customer.skip)]
        overrides += [("delay", step_id) for step_id in customer.delay]
        for how, step_id in overrides:
            if step_id in ids:
                continue
            yield Problem.at(
                customer.origin.at("steps", how, step_id, KEY),
                "P027",
                f"customer '{customer.id}' {'skips' if how == 'skip' else 'delays'} step "
                f"'{step_id}', but ladder {named} has no such step: the steps are "
                f"{listing(ids)}{did_you_mean(step_id, ids)}",
            )


def check_customer_delays(context: Context) -> Iterator[Problem]:
    """Return problems for delays that move a step onto or past the next step of the ladder.

    On any day only the highest step reached is taken, so such a step would never be sent. A
    ladder whose steps are out of order or share an id has no "next step" to speak of: it is
    left to its own problems (P019, P020), not reported again in every customer file.
    """
    sound: dict[str, bool] = {}
    for customer in context.policy.customers.values():
        if not customer.delay:
            continue
        for ladder in _customer_ladders(context, customer) or ():
            if ladder.name not in sound:
                sound[ladder.name] = sound_ladder(ladder)
            if not sound[ladder.name]:
                continue  # its broken steps are reported once, in the ladder's file (P019, P020)
            steps = [step for step in ladder.steps if step.id not in customer.skip]
            for index, step in enumerate(steps):
                extra = customer.delay.get(step.id)
                if not extra:
                    continue
                moved = step.at.days + extra
                for later in steps[index + 1 :]:
                    if later.at.anchor != step.at.anchor or step.at.anchor == "previous":
                        continue  # a previous step counts from the step sent before it
                    later_day = later.at.days + customer.delay.get(later.id, 0)
                    if moved >= later_day:
                        where = "onto" if moved == later_day else "past"
                        yield Problem.at(
                            customer.origin.at("steps", "delay", step.id, KEY),
                            "P028",
                            f"delaying step '{step.id}' ({step.at}) by {extra}d moves it {where} "
                            f"step '{later.id}' ({later.at}) of ladder '{ladder.name}', so it "
                            "would never be sent: delay it less, or skip it",
                        )
                    break


def check_skip_and_delay(context: Context) -> Iterator[Problem]:
    """Return problems for steps a customer file both skips and delays."""
    for customer in context.policy.customers.values():
        for step_id in customer.delay:
            if step_id in customer.skip:
                yield Problem.at(
                    customer.origin.at("steps", "delay", step_id, KEY),
                    "P029",
                    f"customer '{customer.id}' both skips and delays step '{step_id}': keep one",
                )


def check_credit_reviews(context: Context) -> Iterator[Problem]:
    """Return problems for credit limit reviews in customer files without a credit limit."""
    for customer in context.policy.customers.values():
        if customer.credit_review is not None and customer.credit_limit is None:
            yield Problem.at(
                customer.origin.at("credit_review"),
                "P084",
                f"customer '{customer.id}' has a credit limit review (credit_review) but no "
                "credit limit to review: add credit_limit: {amount: ..., currency: ...}, or "
                "remove credit_review",
            )
