"""Rule "step reached": which step of its ladder each open invoice has reached on a day.

The step reached is the highest-ranked step dated on or before the day among those the customer
may reach: not skipped by the customer file, and not below the step's ``min_balance`` (the
customer's open balance in the invoice's currency). Whether that step is still to be done is the
action log's to say (``engine.rules.history``). The rules, with their names, are in
docs/rules/ladder.md.

``steps_reached`` runs once per open invoice of the ledger: it touches only the invoice's fields
and the per-date answers of ``StepDates``.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.model.ledger import Invoice
from engine.model.money import ZERO
from engine.rules.context import LadderFacts, delay_key
from engine.rules.previous_step import previous_steps, sent_dates, with_previous_steps
from engine.rules.step_dates import DayDates

if TYPE_CHECKING:
    from engine.rules.account import Account
    from engine.rules.open_items import OpenItem

_NO_STEPS: frozenset[int] = frozenset()
# An open invoice that reached an eligible step of its ladder: ``(invoice, open amount, its dates
# on the day, the index of the highest eligible step reached)``. A plain tuple, destructured by
# name where it is read: one is built for every open invoice that reached a step.
Reached = tuple[Invoice, Decimal, DayDates, int]


def ineligible_steps(
    ladder: LadderFacts, skip: frozenset[str], open_total: Mapping[str, Decimal]
) -> dict[str, frozenset[int]]:
    """Return, per currency with an open balance, the steps the customer may not reach: those
    its customer file skips, those whose ``min_balance`` the balance is below, and those for
    other currencies (rule "currencies")."""
    positions = ladder.positions
    skipped = frozenset(positions[s] for s in skip if s in positions) if skip else _NO_STEPS
    minimums = ladder.min_balance_steps
    limited = ladder.currency_steps
    out: dict[str, frozenset[int]] = {}
    if not skipped and not minimums and not limited:
        return out
    for currency, balance in open_total.items():
        below = [i for i, low in minimums if currency in low and balance < low[currency]]
        below += [i for i, currencies in limited if currency not in currencies]
        if skipped or below:
            out[currency] = skipped.union(below)
    return out


def top_step(day: DayDates, ineligible: Container[int]) -> int | None:
    """Return the highest-ranked eligible step reached, or None."""
    for index in day.reached:
        if index not in ineligible:
            return index
    return None


def steps_reached(
    account: Account, opens: list[OpenItem], count_overdue: bool
) -> tuple[list[Reached], dict[str, Decimal]]:
    """Return the open invoices that reached an eligible step, and (with ``count_overdue``) the
    overdue balance per currency (rules "step dates", "step reached").

    The hot path: it runs for every open invoice.
    """
    context, rules = account.context, account.rules
    dates = context.dates
    by_key = dates.by_key
    ladder_name = rules.ladder.name
    term_name = rules.term.name
    delays = delay_key(rules)
    ineligible = account.ineligible
    delivery = context.delivery_terms  # a delivery date can move the due date (rule "terms")
    # Steps dated from the last step sent for the invoice (rule "previous step"): most ladders
    # have none, and then the invoice's log is not read here.
    previous = (
        previous_steps(rules.ladder, rules.delay, rules.skip) if account.ladder.has_previous else ()
    )
    if previous:
        sent_by = sent_dates(account.ledger.history, account.ladder.positions)
        calendar, as_of = context.calendar, account.as_of
    overdue_total: dict[str, Decimal] = {}
    # Invoices without their own terms or due date share their dates by issue date alone.
    plain = dates.by_issue_date(ladder_name, term_name, delays)
    reached_by: list[Reached] = []
    for invoice, open_amount in opens:
        terms = invoice.terms
        due = invoice.due
        if terms is None and due is None and not (delivery and invoice.delivered):
            issued = invoice.issued
            day = plain.get(issued)
            if day is None:
                key: tuple[object, ...] = (ladder_name, term_name, issued, None, delays)
                day = by_key.get(key) or context.day_dates(key, invoice, rules)
                plain[issued] = day
        else:
            key = (ladder_name, terms or term_name, invoice.issued, due, delays)
            if delivery and invoice.delivered:
                key = (*key, invoice.delivered)
            day = by_key.get(key)
            if day is None:
                day = context.day_dates(key, invoice, rules)
        if previous and (sent := sent_by.get(invoice.id)):
            day = with_previous_steps(day, sent, previous, calendar, as_of)
        if count_overdue and day.days_overdue > 0:
            currency = invoice.currency
            overdue_total[currency] = overdue_total.get(currency, ZERO) + open_amount
        reached = day.reached
        if not reached:
            continue
        if ineligible:
            top = top_step(day, ineligible.get(invoice.currency, _NO_STEPS))
            if top is None:
                continue
        else:
            top = reached[0]
        reached_by.append((invoice, open_amount, day, top))
    return reached_by, overdue_total
