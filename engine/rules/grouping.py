"""Rule "one action per step": the invoices of a customer at the same step make one action.

The invoices that reached the same step (and occurrence) on the day are grouped into one action
whatever their currency, with totals per currency (one action per currency for a written
request of a ladder with ``split_by_currency``, rule "currencies"); the action carries the
reason of each invoice, what it supersedes (``engine.rules.catch_up``), the notes of a hold or
an escalation, and its charges (``engine.rules.charges``). The rules, with their names, are in
docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.model.actions import (
    Action,
    ActionInvoice,
    Charge,
    Reason,
    Superseded,
    new_action_invoice,
)
from engine.model.policy import Step, StepAction
from engine.rules import explain
from engine.rules.catch_up import Groups, add_passed_holds, superseded_records, superseded_steps
from engine.rules.charges import step_charges
from engine.rules.credit_hold import hold_notes
from engine.rules.currencies import by_currency
from engine.rules.output import make_action, ordered_action_id
from engine.rules.suppressions import resumed_notes

if TYPE_CHECKING:
    from engine.rules.account import Account
    from engine.rules.history import PendingItem


def group(items: Sequence[PendingItem]) -> Groups:
    """Return the pending invoices by (step index, occurrence)."""
    groups: Groups = {}
    for item in items:
        pending = item.pending
        key = (pending.step, pending.occurrence)
        found = groups.get(key)
        if found is None:
            groups[key] = [item]
        else:
            found.append(item)
    return groups


def group_actions(account: Account, groups: Groups) -> tuple[list[Action], list[Superseded]]:
    """Return one action per group, in step order, and the lower steps they supersede."""
    actions: list[Action] = []
    superseded: list[Superseded] = []
    if not groups:
        return actions, superseded
    ledger = account.ledger
    notes = resumed_notes(account) if ledger.promises or ledger.plans else []
    steps = account.steps
    decided = account.policy.decided_by
    layer = (decided["ladder"], decided["terms"], decided["delay"])
    add_passed_holds(account, groups)
    split = account.rules.ladder.split_by_currency
    for (index, occurrence), found in sorted(groups.items()):
        step = steps[index]
        # With split_by_currency, a written request for payment (an email, a letter, a text)
        # holds one currency (rule "currencies"); a call or a hold covers the whole account.
        written = split and step.is_contact and step.template is not None
        for items in by_currency(found) if written else (found,):
            action, passed = _action(account, step, index, occurrence, items, notes, layer)
            actions.append(action)
            superseded += passed
    return actions, superseded


def _action(  # noqa: PLR0917 - the group and what group_actions worked out once
    account: Account,
    step: Step,
    index: int,
    occurrence: int,
    items: list[PendingItem],
    notes: list[tuple[frozenset[str], Reason]],
    layer: tuple[str, str, str],
) -> tuple[Action, list[Superseded]]:
    """Return the action of one group of invoices, and the lower steps it supersedes."""
    if len(items) > 1:
        items.sort(key=lambda it: it.invoice.id)
    customer_id = account.policy.customer_id
    known_terms = account.context.policy.terms
    policy = account.policy
    steps = account.steps
    superseded: list[Superseded] = []
    ids = [it.invoice.id for it in items]  # in order: sorted just above
    aid = ordered_action_id(customer_id, step.id, occurrence, ids)
    reasons: list[Reason] = []
    invoices: list[ActionInvoice] = []
    for it in items:
        invoice, day = it.invoice, it.day
        reasons.append(invoice_reason(account, step, it, layer))
        if invoice.terms and invoice.terms not in known_terms:
            reasons.append(explain.unknown_terms_reason(invoice, policy.term.name))
        overdue = day.days_overdue
        own, owed = account.owed_on(invoice.id, it.open)
        invoices.append(
            new_action_invoice(
                invoice.id,
                invoice.issued,
                day.dates.due,
                invoice.currency,
                invoice.amount,
                own,
                overdue if overdue > 0 else 0,
                it.pending.due,
                owed,
            )
        )
    supersedes: tuple[str, ...] = ()
    passed = superseded_steps(account, items)
    if passed:
        by_id = {steps[i].id: passed[i] for i in sorted(passed)}
        supersedes = tuple(by_id)
        reasons.append(explain.later(explain.catch_up_reason, step, by_id))
        superseded += superseded_records(account, by_id, ids, step.id, aid)
    if notes:
        covered = set(ids)
        reasons.extend(r for scope, r in notes if not scope or scope & covered)
    if step.action is not StepAction.CONTACT:
        reasons.extend(step_notes(account, step, items))
    charges: list[Charge] = []
    if step.fee is not None or step.interest is not None:
        charges, charge_reasons = step_charges(account, step, occurrence, items)
        reasons.extend(charge_reasons)
    action = make_action(
        account, aid, step, index, occurrence, tuple(invoices), charges, reasons, supersedes
    )
    return action, superseded


def step_notes(account: Account, step: Step, items: Sequence[PendingItem]) -> list[Reason]:
    """Return what a hold or an escalation adds to the reasons."""
    if step.action is StepAction.CREDIT_HOLD:
        return hold_notes(account)
    if step.action is StepAction.ESCALATE:
        return [
            explain.later(
                explain.escalation_reason,
                account.policy,
                step,
                [(it.invoice, it.open, it.day.dates.due) for it in items],
                account.ledger.history,
                account.ladder.contact_ids,
            )
        ]
    return []


def invoice_reason(
    account: Account, step: Step, item: PendingItem, layer: tuple[str, str, str]
) -> Reason:
    """Return the reason of one invoice; ``layer`` is who decided ladder, terms and delay.

    Its words are worked out when first read (``explain.later``).
    """
    invoice, day, pending = item.invoice, item.day, item.pending
    dates = day.dates
    term = account.policy.term
    if invoice.terms:
        term = account.context.policy.terms.get(invoice.terms) or term
    anchor = dates.anchors[pending.step]
    assert anchor is not None  # a pending step has an anchor
    return explain.later(
        explain.invoice_step_reason,
        invoice,
        item.open,
        step,
        (pending.due, anchor, dates.due, dates.discount_deadline),
        pending.occurrence,
        day.days_overdue,
        account.policy,
        term,
        "invoice" if invoice.terms == term.name else layer[1],
    )
