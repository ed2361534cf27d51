"""Rules "action id" and "deterministic output": the action records of the day, their stable
ids and the order of the list.

The same customer, step, occurrence and invoices give the same action id on every run, so an
action recorded as done is recognised the next day. Every list is sorted with the customer first
in its key, so the lists of customers taken in id order join into one sorted list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from engine.model.actions import (
    Action,
    ActionInvoice,
    Charge,
    Reason,
    Superseded,
    Suppression,
    new_action,
)
from engine.model.money import ZERO
from engine.model.policy import Step, StepAction
from engine.rules.experiments import variant_of

if TYPE_CHECKING:
    from engine.rules.account import Account


class CustomerOutcome(NamedTuple):
    """One customer's part of the daily list."""

    actions: tuple[Action, ...]
    suppressions: tuple[Suppression, ...]
    superseded: tuple[Superseded, ...]


NOTHING = CustomerOutcome((), (), ())


def action_id(customer_id: str, step_id: str, occurrence: int, invoice_ids: Iterable[str]) -> str:
    """Return the stable id of an action (rule "action id").

    The same customer, step, occurrence and invoices give the same id on every run, so an
    action recorded as done is recognised the next day.
    """
    return ordered_action_id(customer_id, step_id, occurrence, sorted(invoice_ids))


def ordered_action_id(
    customer_id: str, step_id: str, occurrence: int, ordered_ids: list[str]
) -> str:
    """Return ``action_id`` of invoice ids already in order."""
    text = "\x1f".join([customer_id, step_id, str(occurrence), *ordered_ids])
    return "act_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def action_order(action: Action) -> tuple[str, int, int, str]:
    """Return the sort key of actions: customer, step rank, occurrence, id."""
    return (action.customer_id, action.step_index, action.occurrence, action.id)


def suppression_order(item: Suppression) -> tuple[str, str, str, tuple[str, ...], str]:
    """Return the sort key of suppressions: customer, code, step, invoices, text."""
    return (item.customer_id, item.code, item.step or "", item.invoice_ids, item.text)


def superseded_order(item: Superseded) -> tuple[str, str, str, tuple[str, ...]]:
    """Return the sort key of superseded steps: customer, action, step, invoices."""
    return (item.customer_id, item.action_id, item.step, item.invoice_ids)


def make_action(  # noqa: PLR0917 - the parts of one action
    account: Account,
    aid: str,
    step: Step,
    index: int,
    occurrence: int,
    invoices: tuple[ActionInvoice, ...],
    charges: Sequence[Charge],
    reasons: Sequence[Reason],
    supersedes: tuple[str, ...] = (),
    kind: str | None = None,
) -> Action:
    """Return the action of ``step`` for ``invoices``, with its totals per currency: what is
    open on them and the charges still owed on them."""
    if len(invoices) == 1:
        first = invoices[0]
        totals = {first.currency: first.open + first.charges_owed}
    else:
        summed: dict[str, Decimal] = {}
        for inv in invoices:
            summed[inv.currency] = summed.get(inv.currency, ZERO) + inv.open + inv.charges_owed
        totals = dict(sorted(summed.items()))
    policy = account.policy
    contact = step.action is StepAction.CONTACT
    # Rule "tone per step": a step's own tone wins over the customer's.
    template, tone = step.template, step.tone or policy.tone
    experiment = policy.ladder.experiment
    if experiment is not None and experiment.step == step.id:
        # Rule "experiments": the customer's variant of this step, the same on every run.
        variant = variant_of(experiment, policy.customer_id)
        template, tone = variant.template or template, variant.tone or tone
    # Positional: this runs for every action of the day (see Action for the field names).
    return new_action(
        aid,
        account.as_of,
        policy.customer_id,
        policy.customer_name,
        policy.ladder.name,
        step.id,
        index,
        kind or (step.channel or "email" if contact else step.action.value),
        step.channel if contact else None,
        template,
        tone,
        policy.language,
        step.assign,
        policy.owner,
        invoices,
        totals,
        tuple(charges),
        tuple(reasons),
        supersedes,
        step.to if step.action is StepAction.ESCALATE else None,
        occurrence,
    )


def customer_outcome(
    actions: list[Action], held: list[Suppression], superseded: list[Superseded]
) -> CustomerOutcome:
    """Return one customer's part of the list, each part sorted; superseded steps only of the
    actions that go out."""
    if not actions and not held:
        return NOTHING
    if len(actions) > 1:
        actions.sort(key=action_order)
    if len(held) > 1:
        held.sort(key=suppression_order)
    if superseded:
        kept = {a.id for a in actions}
        superseded = sorted((s for s in superseded if s.action_id in kept), key=superseded_order)
    return CustomerOutcome(tuple(actions), tuple(held), tuple(superseded))
