"""The "what works" report: each step's figures split by the policy version in force when it fired.

The policy's own git history says which version was in force on a day: the last commit that
changed ``policies/`` or ``customers/`` on or before it (``engine.load.policy_repo
.policy_history``). Each fired step is looked up in *that* version of the policy (its ladder,
the customer's tone, the step's channel and template, the experiment variant), so a step renamed
or moved by a later pull request is still reported as what it was. The caller supplies the rows
(``EffectivenessSource``) and a way to load the policy of a commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from typing import Protocol

from engine.load.policy_repo import PolicyCommit
from engine.model.ledger import Customer
from engine.model.policy import Policy
from engine.rules.context import EvaluationContext
from engine.rules.effectiveness import (
    WINDOWS,
    InvoicePaid,
    StepFacts,
    StepFired,
    VersionInForce,
    WhatWorksReport,
    what_works,
)
from engine.rules.experiments import Arm, ExperimentResult, compare_arms, variant_of

# The label of steps fired before the oldest commit of the policy (or with no git history):
# they are looked up in the policy in force now.
WORKING_TREE = "current"


class EffectivenessSource(Protocol):
    """Where the report reads what fired and what was paid."""

    def firings(self, first: date, last: date) -> Iterable[StepFired]:
        """Return the actions worked or delivered from ``first`` to ``last``, by day."""
        ...

    def customers(self, ids: Iterable[str]) -> Mapping[str, Customer]:
        """Return the customers ``ids`` (their segment and country pick ladder and tone)."""
        ...

    def invoices(self, ids: Iterable[str], as_of: date) -> Mapping[str, InvoicePaid]:
        """Return the invoices ``ids`` with what was applied to them up to ``as_of``."""
        ...

    def answers(self, action_ids: Iterable[str], as_of: date) -> Mapping[str, tuple[date, ...]]:
        """Return, per action of ``action_ids``, the days up to ``as_of`` the customer answered
        on the payment portal from the link of its message."""
        ...


def version_on(history: Sequence[PolicyCommit], day: date) -> PolicyCommit | None:
    """Return the commit in force on ``day``: the last one committed on or before it."""
    found = None
    for commit in history:
        # Not stopping at the first later commit: a rebased history can carry dates out of order.
        if commit.committed.date() <= day:
            found = commit
    return found


class _Facts:
    """The attributes of fired steps under the policy of their day, policies loaded once."""

    def __init__(
        self,
        history: Sequence[PolicyCommit],
        policy_at: Callable[[str], Policy | None],
        current: Policy,
        customers: Mapping[str, Customer],
    ) -> None:
        self.history = history
        self.policy_at = policy_at
        self.current = current
        self.customers = customers
        self.contexts: dict[str, EvaluationContext] = {}

    def context(self, commit: PolicyCommit | None) -> tuple[str, EvaluationContext]:
        key = commit.commit if commit is not None else WORKING_TREE
        context = self.contexts.get(key)
        if context is None:
            policy = self.policy_at(key) if commit is not None else None
            context = self.contexts[key] = EvaluationContext(policy or self.current)
        return (key[:12] if commit is not None else WORKING_TREE), context

    def of(self, fired: StepFired) -> StepFacts:
        version, context = self.context(version_on(self.history, fired.day))
        customer = self.customers.get(fired.customer_id) or Customer(fired.customer_id)
        rules = context.effective.shared(customer, frozenset())
        step = rules.ladder.step(fired.step)
        tone = rules.tone
        template = (step.template or "none") if step is not None else "none"
        values = {"step": f"{rules.ladder.name}/{fired.step}"}
        experiment = rules.ladder.experiment
        if experiment is not None and experiment.step == fired.step:
            variant = variant_of(experiment, fired.customer_id)
            tone, template = variant.tone or tone, variant.template or template
            values["variant"] = f"{experiment.id}/{variant.name}"
        values |= {
            "tone": tone,
            "channel": step.kind if step is not None else "other",
            "template": template,
        }
        return StepFacts(version, values)


def what_works_report(
    source: EffectivenessSource,
    *,
    history: Sequence[PolicyCommit],
    policy_at: Callable[[str], Policy | None],
    current: Policy,
    first: date,
    last: date,
    as_of: date,
) -> WhatWorksReport:
    """Return what works for the steps fired from ``first`` to ``last``, seen on ``as_of``.

    ``history`` is the policy's commits, oldest first (empty: the working tree only);
    ``policy_at(commit)`` the policy of a commit (None when it does not load: ``current`` is
    used).
    """
    fired = list(source.firings(first, last))
    customers = source.customers({f.customer_id for f in fired})
    invoices = source.invoices({i for f in fired for i in f.invoice_ids}, as_of)
    facts = _Facts(history, policy_at, current, customers)
    pairs = [(f, facts.of(f)) for f in fired]
    answers = source.answers([f.action_id for f in fired], as_of)
    effects = what_works(pairs, invoices, as_of, answers)
    named = {effect.version for effect in effects}
    versions = [
        VersionInForce(c.commit[:12], c.committed.date(), c.subject)
        for c in history
        if c.commit[:12] in named
    ]
    if WORKING_TREE in named:
        versions.insert(
            0, VersionInForce(WORKING_TREE, None, "no older commit: read with the policy of now")
        )
    return WhatWorksReport(first, last, as_of, tuple(versions), effects)


def experiment_results(
    report: WhatWorksReport, policy: Policy, window: int = 14
) -> tuple[ExperimentResult, ...]:
    """Return each experiment of ``policy``'s ladders compared over ``window`` days (7, 14 or
    30) from the "variant" rows of ``report`` (all policy versions together), the first variant
    declared being the control."""
    index = WINDOWS.index(window)
    results = []
    for ladder in sorted(policy.ladders.values(), key=lambda lad: lad.name):
        experiment = ladder.experiment
        if experiment is None:
            continue
        arms = []
        for variant in experiment.variants:
            value = f"{experiment.id}/{variant.name}"
            rows = [e for e in report.effects if e.dimension == "variant" and e.value == value]
            arms.append(
                Arm(
                    variant.name,
                    sum(e.observed[index] for e in rows),
                    sum(e.paid[index] for e in rows),
                )
            )
        step = f"{ladder.name}/{experiment.step}"
        results.append(compare_arms(experiment.id, step, window, arms))
    return tuple(results)
