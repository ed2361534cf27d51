"""Rule "credit hold": when an account goes on credit hold, and when the hold is released.

A hold is placed when a hold step of the ladder is reached (``action: credit_hold``), or when the
open balance in the credit limit's currency exceeds the customer's credit limit (an action
``credit-limit`` outside the ladder). It is released (``credit-release``) when no open, undisputed
invoice is past an eligible hold step and the balance is within the limit, or, when the policy says
so (``pauses: {release_credit_hold: true}``), when the customer is paused. Whether the account is
on hold is the action log's to say (``engine.rules.history``). The rules, with their names, are in
docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.model.actions import (
    CREDIT_LIMIT_STEP,
    CREDIT_RELEASE_STEP,
    Action,
    ActionInvoice,
    Reason,
)
from engine.model.money import ZERO
from engine.model.policy import CreditLimit, Offset, Pause, Step, StepAction
from engine.rules import explain
from engine.rules.history import occurrences
from engine.rules.output import action_id, make_action

if TYPE_CHECKING:
    from engine.rules.account import Account
    from engine.rules.open_items import OpenItem

_NO_STEPS: frozenset[int] = frozenset()

# The credit-limit and release actions are not ladder steps; they carry a nominal offset.
_AT_TODAY = Offset("due", 0)


def exceeds_limit(balance: Decimal, limit: CreditLimit) -> bool:
    """Return whether an open balance in the limit's currency is above the credit limit."""
    return balance > limit.amount


def limit_exceeded(account: Account) -> Reason | None:
    """Return why the open balance exceeds the customer's credit limit, or None if it does not."""
    limit = account.policy.credit_limit
    if limit is None:
        return None
    balance = account.open_total.get(limit.currency, ZERO)
    if not exceeds_limit(balance, limit):
        return None
    return explain.credit_limit_reason(balance, limit, account.policy.decided_by["credit_limit"])


def hold_cause_remains(account: Account) -> bool:
    """Return whether an open, undisputed invoice has reached an eligible hold step."""
    holds = account.ladder.hold_steps
    if not holds:
        return False
    # Only invoices that reached an eligible step can have reached an eligible hold step.
    for invoice, _open, day, _top in account.reached:
        if invoice.id in account.disputes:
            continue
        inel = account.ineligible.get(invoice.currency, _NO_STEPS)
        if any(i in holds and i not in inel for i in day.reached):
            return True
    return False


def hold_notes(account: Account) -> list[Reason]:
    """Return what a hold step adds to its reasons: the hold in force, the credit limit."""
    notes: list[Reason] = []
    if account.hold is not None:
        notes.append(explain.already_on_hold_reason(account.hold.since, account.hold.step))
    limit = limit_exceeded(account)
    if limit is not None:
        notes.append(limit)
    return notes


def releasing_pause(account: Account) -> Pause | None:
    """Return the customer's pause in force when the policy lets a pause release a credit hold
    (``pauses: {release_credit_hold: true}``), else None."""
    pause = account.policy.pause
    if pause is None or not account.context.policy.pause_releases_credit_hold:
        return None
    return pause if pause.in_force(account.as_of) else None


def credit_actions(account: Account, opens: list[OpenItem], actions: list[Action]) -> list[Action]:
    """Return the credit-limit hold or the release the account needs today, if any.

    None when a hold step of the ladder already goes out today. Under a pause that releases
    holds, no hold is placed and one in force is released.
    """
    limit = account.policy.credit_limit
    hold = account.hold
    if limit is None and hold is None:
        return []
    if any(a.kind == StepAction.CREDIT_HOLD.value for a in actions):
        return []
    index = len(account.steps)  # after every step of the ladder
    pause = releasing_pause(account)
    if pause is not None:
        if hold is None:
            return []
        decided = account.policy.decided_by["pause"]
        reason = explain.pause_release_reason(hold.since, hold.step, pause, decided)
        step = Step(CREDIT_RELEASE_STEP, _AT_TODAY, StepAction.CREDIT_HOLD)
        return [_outside_ladder(account, step, index + 1, opens, [reason], "credit_release")]
    if hold is None:
        exceeded = limit_exceeded(account)
        if exceeded is None or limit is None:
            return []
        chosen = [(inv, amount) for inv, amount in opens if inv.currency == limit.currency]
        step = Step(CREDIT_LIMIT_STEP, _AT_TODAY, StepAction.CREDIT_HOLD)
        return [_outside_ladder(account, step, index, chosen, [exceeded])]
    if hold_cause_remains(account):
        return []
    balance = account.open_total.get(limit.currency, ZERO) if limit is not None else None
    if limit is not None and balance is not None and exceeds_limit(balance, limit):
        return []
    reason = explain.credit_release_reason(hold.since, hold.step, balance, limit)
    step = Step(CREDIT_RELEASE_STEP, _AT_TODAY, StepAction.CREDIT_HOLD)
    return [_outside_ladder(account, step, index + 1, opens, [reason], "credit_release")]


def _outside_ladder(  # noqa: PLR0917 - the parts of one action
    account: Account,
    step: Step,
    index: int,
    opens: Sequence[OpenItem],
    reasons: list[Reason],
    kind: str | None = None,
) -> Action:
    """Return a credit-limit hold or a release: an action outside the ladder."""
    chosen = sorted(
        ((inv, amount) for inv, amount in opens if inv.id not in account.disputes),
        key=lambda entry: entry[0].id,
    )
    invoices = []
    for inv, amount in chosen:
        day = account.context.dates_of(inv, account.policy, account.as_of)
        own, owed = account.owed_on(inv.id, amount)
        invoices.append(
            ActionInvoice(
                inv.id,
                inv.issued,
                day.dates.due,
                inv.currency,
                inv.amount,
                own,
                max(day.days_overdue, 0),
                account.as_of,
                owed,
            )
        )
    occurrence = occurrences(account.ledger.history, step.id)
    aid = action_id(account.policy.customer_id, step.id, occurrence, [i.id for i in invoices])
    return make_action(
        account, aid, step, index, occurrence, tuple(invoices), (), reasons, (), kind
    )
