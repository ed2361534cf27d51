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
    InvoicePaid,
    StepFacts,
    StepFired,
    VersionInForce,
    WhatWorksReport,
    what_works,
)

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


def version_on(history: Sequence[PolicyCommit], day: date) -> PolicyCommit | None:
    """Return the commit in force on ``day``: the last one committed on or before it."""
    found = None
    for commit in history:
        if commit.committed.date() <= day:
            found = commit
        else:
            break
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
        values = {
            "step": f"{rules.ladder.name}/{fired.step}",
            "tone": rules.tone,
            "channel": step.kind if step is not None else "other",
            "template": (step.template or "none") if step is not None else "none",
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
    effects = what_works(pairs, invoices, as_of)
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
