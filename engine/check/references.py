"""References resolve: every terms, ladder, template, fee, interest scheme and reference rate
named in the policy exists (P010-P015), and every role an escalation or the write-off approval
names (P057).
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.check.context import Context
from engine.model.handoff import HANDOFF_TARGETS
from engine.model.policy import StepAction
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P010": "unknown terms: the name is not a key of terms.yaml",
    "P011": "unknown ladder: there is no such file in policies/ladders/",
    "P012": "unknown template: there is no such file in policies/templates/",
    "P013": "unknown fee: the name is not a key of `fees` in fees.yaml",
    "P014": "unknown interest scheme: the name is not a key of `interest` in fees.yaml",
    "P015": "unknown reference rate: the name is not a key of `reference_rates` in fees.yaml",
    "P057": "unknown role: an escalation's `to` or `write_off.approvers` is not a key of `roles`",
}


def check_references(context: Context) -> Iterator[Problem]:
    """Return problems for names of terms, ladders, templates, fees and rates that do not exist."""
    policy = context.policy
    origin = policy.origin
    yield from context.reference("terms", policy.defaults.terms, origin.at("defaults", "terms"))
    yield from context.reference("ladder", policy.defaults.ladder, origin.at("defaults", "ladder"))
    for rule in policy.assignment:
        yield from context.reference("ladder", rule.ladder, rule.origin.at("ladder"))
        yield from context.reference("terms", rule.terms, rule.origin.at("terms"))
    for customer in policy.customers.values():
        yield from context.reference("ladder", customer.ladder, customer.origin.at("ladder"))
        yield from context.reference("terms", customer.terms, customer.origin.at("terms"))
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            yield from context.reference("template", step.template, step.origin.at("template"))
            yield from context.reference("fee", step.fee, step.origin.at("fee"))
            yield from context.reference("interest", step.interest, step.origin.at("interest"))
            if step.action is StepAction.ESCALATE and step.to not in HANDOFF_TARGETS:
                yield from context.reference("role", step.to, step.origin.at("to"))
    rules = policy.write_off
    yield from context.reference("role", rules.approvers, rules.origin.at("approvers"))
    for scheme in policy.interest.values():
        yield from context.reference(
            "reference_rate", scheme.reference, scheme.origin.at("reference")
        )
