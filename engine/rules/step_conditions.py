"""Rule "step conditions": a step that applies only to some customers on the day.

A step's ``when`` may ask that the customer have at least ``min_open_invoices`` unpaid invoices,
an overdue total in the invoice's currency above ``overdue_above`` (a currency it does not name
passes), or a segment among ``segment``. A step whose conditions do not hold is not eligible,
like a step below its ``min_balance``: the invoice gets the highest eligible step reached
instead. The rules, with their names, are in docs/rules/ladder.md.

Only ladders with conditions pay for this rule: it runs once per customer, after the steps
reached, on what they found.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.model.money import ZERO
from engine.model.policy import StepCondition
from engine.rules.effective import customer_traits
from engine.rules.ladder import top_step

if TYPE_CHECKING:
    from engine.rules.account import Account
    from engine.rules.ladder import Reached

_NO_STEPS: frozenset[int] = frozenset()


def condition_holds(
    condition: StepCondition,
    open_invoices: int,
    overdue_total: Mapping[str, Decimal],
    segment: str | None,
    currency: str,
) -> bool:
    """Return whether every condition of ``condition`` holds for an invoice in ``currency``."""
    if condition.min_open_invoices is not None and open_invoices < condition.min_open_invoices:
        return False
    above = condition.overdue_above.get(currency)
    if above is not None and overdue_total.get(currency, ZERO) <= above:
        return False
    return not condition.segments or segment in condition.segments


def apply_conditions(account: Account, open_invoices: int) -> list[Reached]:
    """Return the invoices that reached an eligible step once the steps whose conditions fail
    are ineligible too, each with its highest eligible step; ``account.ineligible`` gains them."""
    segment = customer_traits(account.context.policy, account.ledger.customer)["segment"]
    currencies = {invoice.currency for invoice, *_ in account.reached} | set(account.open_total)
    failing: dict[str, frozenset[int]] = {}
    for currency in currencies:
        fails = frozenset(
            index
            for index, condition in account.ladder.condition_steps
            if not condition_holds(
                condition, open_invoices, account.overdue_total, segment, currency
            )
        )
        if fails:
            failing[currency] = fails
    if not failing:
        return account.reached
    for currency, fails in failing.items():
        account.ineligible[currency] = account.ineligible.get(currency, _NO_STEPS) | fails
    kept: list[Reached] = []
    for invoice, open_amount, day, top in account.reached:
        inel = account.ineligible.get(invoice.currency, _NO_STEPS)
        step = top_step(day, inel) if top in inel else top
        if step is not None:
            kept.append((invoice, open_amount, day, step))
    return kept
