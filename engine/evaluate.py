"""The daily action list: what to do today for each customer, what is held back, and why.

Pure: the policy, the ledger (with its action history) and the date come in, the evaluation goes
out; no file, database, clock or network, and no process-wide state. Customers are evaluated one
at a time (``evaluate_customer``) so a caller can stream them and split them across processes.

This module only composes the rules, step by step: effective policy, open items, dates, the step
reached, suppressions, one action per step with catch-up, charges, credit hold, guardrails and
output. Each rule is a module of ``engine/rules/`` named after it, and written out, with the names
the tests cite, in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from engine.model.actions import Action, Evaluation, PolicyVersion, Superseded, Suppression
from engine.model.ledger import CustomerLedger
from engine.model.policy import Policy
from engine.rules.account import Account
from engine.rules.catch_up import one_level_per_run
from engine.rules.charges_owed import chased_items, settle_charges
from engine.rules.context import EvaluationContext
from engine.rules.credit_hold import credit_actions, hold_cause_remains, releasing_pause
from engine.rules.credit_review import review_action
from engine.rules.grouping import group, group_actions
from engine.rules.guardrails import guard
from engine.rules.history import pending_steps
from engine.rules.instalments import split_open_items, with_parts
from engine.rules.ladder import ineligible_steps, steps_reached
from engine.rules.open_items import open_by_currency, open_items, with_unapplied_cash
from engine.rules.output import (
    NOTHING,
    CustomerOutcome,
    action_id,
    action_order,
    customer_outcome,
    superseded_order,
    suppression_order,
)
from engine.rules.step_conditions import apply_conditions
from engine.rules.suppressions import open_disputes, suppress


def evaluate(
    policy: Policy, ledger: Iterable[CustomerLedger], as_of: date, version: PolicyVersion
) -> Evaluation:
    """Return the daily action list for ``as_of``, stamped with ``version``.

    Deterministic: the same inputs in any order give the same list (rule "deterministic output").
    A caller that writes the list out as it goes uses ``evaluate_customers`` instead.
    """
    actions: list[Action] = []
    suppressions: list[Suppression] = []
    superseded: list[Superseded] = []
    outcomes = evaluate_customers(policy, ledger, as_of)
    for outcome in outcomes:
        actions.extend(outcome.actions)
        suppressions.extend(outcome.suppressions)
        superseded.extend(outcome.superseded)
    if not outcomes.in_order:
        actions.sort(key=action_order)
        suppressions.sort(key=suppression_order)
        superseded.sort(key=superseded_order)
    return Evaluation(
        as_of=as_of,
        policy_version=version,
        actions=tuple(actions),
        suppressions=tuple(suppressions),
        superseded=tuple(superseded),
        customers_evaluated=outcomes.customers,
        invoices_evaluated=outcomes.invoices,
    )


class CustomerOutcomes:
    """The daily list customer by customer, each part as soon as it is evaluated.

    Iterating evaluates the customers in the order the ledger gives them and yields each one's
    part that has something in it; nothing is kept, so a writer holds one customer at a time.
    Each part comes sorted, customer first in every sort key: while the customers arrive in id
    order (as the store reads them), the parts joined are the list ``evaluate`` returns.
    ``in_order`` tells, once iterated, whether they did; the counts are the evaluation's.
    """

    def __init__(self, policy: Policy, ledger: Iterable[CustomerLedger], as_of: date) -> None:
        self.context = EvaluationContext(policy)
        self.ledger = ledger
        self.as_of = as_of
        self.customers = 0
        self.invoices = 0
        self.in_order = True

    def __iter__(self) -> Iterator[CustomerOutcome]:
        context, as_of = self.context, self.as_of
        last = ""
        for customer_ledger in self.ledger:
            outcome = evaluate_customer(context, customer_ledger, as_of)
            self.customers += 1
            self.invoices += len(customer_ledger.invoices)
            customer_id = customer_ledger.customer.id
            if customer_id <= last and self.customers > 1:
                self.in_order = False
            last = customer_id
            if outcome is not NOTHING:
                yield outcome


def evaluate_customers(
    policy: Policy, ledger: Iterable[CustomerLedger], as_of: date
) -> CustomerOutcomes:
    """Return the daily list for ``as_of`` as a stream of each customer's part."""
    return CustomerOutcomes(policy, ledger, as_of)


def evaluate_customer(
    context: EvaluationContext, ledger: CustomerLedger, as_of: date
) -> CustomerOutcome:
    """Return one customer's actions, suppressions and superseded steps on ``as_of``."""
    # As of the day: records dated later do not count (a file ledger, a plan over several days);
    # early-payment discounts the payments earned are written off.
    ledger = context.ledger_on(ledger, as_of)
    # Charges owed: fees and interest charged, and what payments paid of them.
    ledger, owed = settle_charges(context.policy, ledger, as_of)
    # Open items: what is still owed on each invoice (its charges, once its amount is paid).
    opens = open_items(ledger.invoices, as_of)
    charge_only: frozenset[str] = frozenset()
    if owed is not None:
        opens, charge_only = chased_items(ledger.invoices, opens, owed)
    reviewed = ledger.customer.id in context.reviewed
    if not opens and not ledger.history and not reviewed:
        return NOTHING
    # Effective policy: the customer's ladder, terms and overrides (the layers it shares).
    account = Account(context, ledger, as_of)
    account.charge_only, account.charges = charge_only, owed
    context.dates.set_day(as_of)
    if context.split_terms:
        # Instalments: each part of an invoice on split terms is owed and chased on its own.
        opens, account.parents = split_open_items(context, account.rules.term, opens, as_of)
    opens, account.allocated = with_unapplied_cash(
        context.policy, ledger, opens, as_of, account.due_date
    )
    account.open_total = open_by_currency(opens)
    if ledger.disputes:
        account.disputes = open_disputes(ledger.disputes, as_of)
        if account.parents:
            account.disputes = with_parts(account.disputes, account.parents)
    # Dates and the step reached, per open invoice; then what the history leaves pending.
    account.ineligible = ineligible_steps(account.ladder, account.rules.skip, account.open_total)
    # Only the minimum balance and step conditions need the overdue totals.
    count_overdue = bool(context.policy.min_balance) or bool(account.ladder.condition_steps)
    account.reached, account.overdue_total = steps_reached(account, opens, count_overdue)
    if account.ladder.condition_steps:
        # Step conditions: steps that apply only to some customers become ineligible.
        account.reached = apply_conditions(account, len(opens))
    items, account.hold = pending_steps(account, account.reached)
    if items and account.ladder.one_level:
        # Catch-up, one level per run: the next step after the last one sent.
        items = one_level_per_run(account, items)
    # Credit limit review: due from the customer file alone, whatever the ledger says.
    review = review_action(account) if reviewed else None
    if not items and review is None:
        if account.hold is None:
            if account.rules.credit_limit is None:
                return NOTHING
        elif hold_cause_remains(account) and releasing_pause(account) is None:
            return NOTHING  # on credit hold, and still for a reason: nothing to do today
    # What is shown names the customer: its own effective policy from here on.
    account.policy = context.effective.get(ledger.customer, context.rule_currencies(ledger))
    # Suppressions: disputes, pauses, promises, plans, minimum balances.
    kept, held = suppress(account, items)
    # One action per step (catch-up), with its fees and interest.
    actions, superseded = group_actions(account, group(kept))
    # Credit hold: the credit-limit hold or the release, outside the ladder.
    actions += credit_actions(account, opens, actions)
    if review is not None:
        actions.append(review)
    # Guardrails: closed days and contacts per 7 days.
    actions, guarded = guard(account, actions)
    # Output: each part sorted.
    return customer_outcome(actions, held + guarded, superseded)


__all__ = [
    "CustomerOutcome",
    "CustomerOutcomes",
    "EvaluationContext",
    "action_id",
    "action_order",
    "evaluate",
    "evaluate_customer",
    "evaluate_customers",
    "superseded_order",
    "suppression_order",
]
