"""Rule "credit limit review": when a customer's credit limit is due for its regular review.

A customer file may carry ``credit_review: {every: 12m, last: 2025-11-30}``: the review falls due
``every`` months after ``last`` (the same day of the month, or the last day of a shorter month)
and stays due until the file's ``last`` is moved on, or a review is recorded done on or after the
day it fell due. On the daily list it is an action of kind ``credit_review`` (step
``credit-review``) assigned to the account owner; ``customers_due_for_review`` gives the same
answer for a whole policy, for the reports. The rule, with its sources, is in docs/rules/ladder.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from engine.model.actions import CREDIT_REVIEW_STEP, Action
from engine.model.ledger import ActionRecord, ActionStatus
from engine.model.policy import CreditLimit, CreditReview, Offset, Policy, Step, StepAction
from engine.rules import explain
from engine.rules.history import occurrences
from engine.rules.output import action_id, make_action
from engine.rules.terms import add_months

if TYPE_CHECKING:
    from collections.abc import Iterable

    from engine.rules.account import Account

# Not a ladder step: the review carries a nominal offset, as the credit-limit hold does.
_REVIEW = Step(CREDIT_REVIEW_STEP, Offset("due", 0), StepAction.CREDIT_HOLD, assign="owner")


@dataclass(frozen=True, slots=True)
class ReviewDue:
    """A customer whose credit limit is due for review on a day: since when, and its terms."""

    customer_id: str
    customer_name: str
    owner: str | None
    credit_limit: CreditLimit | None
    every_months: int
    last: date
    due: date


def review_due_date(review: CreditReview) -> date:
    """Return the day the next review falls due: ``every`` months after the last one."""
    return add_months(review.last, review.every_months)


def review_done_since(history: Iterable[ActionRecord], due: date) -> bool:
    """Return whether a review was recorded done on or after ``due`` (it is then not due)."""
    return any(
        r.step == CREDIT_REVIEW_STEP and r.status is ActionStatus.DONE and r.date >= due
        for r in history
    )


def customers_due_for_review(policy: Policy, as_of: date) -> list[ReviewDue]:
    """Return the customers whose credit limit review is due on ``as_of``, by due date then id.

    From the customer files alone (``credit_review``); a review recorded done in the action log
    is the caller's to leave out (``review_done_since``), as the daily list does.
    """
    due: list[ReviewDue] = []
    for customer in policy.customers.values():
        review = customer.credit_review
        if review is None:
            continue
        day = review_due_date(review)
        if day <= as_of:
            due.append(
                ReviewDue(
                    customer.id,
                    customer.name or customer.id,
                    customer.owner,
                    customer.credit_limit,
                    review.every_months,
                    review.last,
                    day,
                )
            )
    due.sort(key=lambda r: (r.due, r.customer_id))
    return due


def review_action(account: Account) -> Action | None:
    """Return the "credit limit review due" action of the account on its day, or None."""
    record = account.context.policy.customers.get(account.ledger.customer.id)
    if record is None or record.credit_review is None:
        return None
    review = record.credit_review
    due = review_due_date(review)
    history = account.ledger.history
    if due > account.as_of or review_done_since(history, due):
        return None
    reason = explain.credit_review_reason(review, due, account.policy.credit_limit)
    occurrence = occurrences(history, CREDIT_REVIEW_STEP)
    aid = action_id(account.policy.customer_id, CREDIT_REVIEW_STEP, occurrence, [due.isoformat()])
    index = len(account.steps) + 2  # after the ladder, the credit-limit hold and its release
    return make_action(account, aid, _REVIEW, index, occurrence, (), (), [reason], (),
                       "credit_review")  # fmt: skip
