"""Rule "suppressions": what holds chasing back today, and the notes when it no longer does.

A customer whose debt is handed to a collection agency or a solicitor is not chased internally
until the case is recalled (rule "hand-off"); an invoice under an open dispute is not chased; a
customer under a pause, a promise to pay that is
not yet broken, or a payment plan in good standing is not chased; a balance below the policy's
``min_balance`` in its currency is not chased, nor is an invoice in a currency the policy or the
ladder does not chase (rule "currencies"). Each suppression is reported with its reason and
the day it ends, never silently dropped, so staff can see why a customer is quiet. A broken
promise or a plan in arrears resumes chasing, and the action says why. (Closed days and the
contact limit are the guardrails': ``engine.rules.guardrails``.) The rules, with their names, are
in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from engine.model.actions import Reason, Suppression
from engine.model.handoff import Handoff
from engine.model.ledger import CASH_KINDS, Dispute, Payment, PaymentPlan, Promise
from engine.model.money import ZERO
from engine.model.policy import Pause, Step
from engine.rules import explain
from engine.rules.currencies import unchased_currencies
from engine.rules.handoff import handoff_in_force, handoff_text
from engine.rules.promises import promise_status

if TYPE_CHECKING:
    from engine.rules.account import Account
    from engine.rules.history import PendingItem


class PlanStanding(NamedTuple):
    """A payment plan in force on the day, and whether it is kept up."""

    plan: PaymentPlan
    paid: Decimal  # paid or credited on the plan's invoices since it was agreed
    due: Decimal  # the instalments due up to the day
    good: bool  # in good standing: what was paid covers what is due


class _Held(NamedTuple):
    """Why one pending step of one invoice is held back (invoices with the same share one)."""

    code: str
    step: int
    occurrence: int
    text: str
    until: date | None


def open_disputes(disputes: Iterable[Dispute], as_of: date) -> dict[str, Dispute]:
    """Return the disputes open on ``as_of`` by invoice (the latest dispute id of an invoice)."""
    out: dict[str, Dispute] = {}
    for dispute in sorted(disputes, key=lambda d: d.id, reverse=True):
        if dispute.open_on(as_of):
            out[dispute.invoice_id] = dispute
    return out


def suppress(
    account: Account, items: list[PendingItem]
) -> tuple[list[PendingItem], list[Suppression]]:
    """Return the pending invoices that may be chased today, and what is held back (and why)."""
    policy, as_of, ledger = account.policy, account.as_of, account.ledger
    pause = policy.pause if policy.pause is not None and policy.pause.in_force(as_of) else None
    promises: list[Promise] = []
    if ledger.promises:
        promises = [p for p in ledger.promises if p.made <= as_of <= p.pay_by]
        promises.sort(key=lambda p: (p.pay_by, p.id), reverse=True)
    plans = plans_in_force(account) if ledger.plans else {}
    minimums = account.context.policy.min_balance
    handoff = handoff_in_force(ledger.handoffs, as_of) if ledger.handoffs else None
    if handoff is not None:
        return [], _handed_off(account, items, handoff)
    # Invoices in a currency the policy or the ladder does not chase (rule "currencies").
    unchased = unchased_currencies(account.context.policy, account.rules.ladder, account.open_total)
    if not (account.disputes or pause or promises or plans or unchased) and above_minimums(
        account, minimums
    ):
        return items, []  # nothing can hold an invoice back: no need to ask of each
    kept: list[PendingItem] = []
    held: dict[_Held, list[str]] = {}
    steps = account.steps
    for item in items:
        why = _held(account, item, steps[item.pending.step], pause, promises, plans, minimums)
        if why is None and item.invoice.currency in unchased:
            text = unchased[item.invoice.currency]
            why = _Held("currency", item.pending.step, item.pending.occurrence, text, None)
        if why is None:
            kept.append(item)
        else:
            held.setdefault(why, []).append(item.invoice.id)
    name = policy.customer_name
    cid = policy.customer_id
    return kept, [
        Suppression(cid, name, h.code, h.text, steps[h.step].id, tuple(sorted(i)), h.until)
        for h, i in held.items()
    ]


def _handed_off(
    account: Account, items: list[PendingItem], handoff: Handoff
) -> list[Suppression]:
    """Return one suppression per step held back by a hand-off: every step, every invoice."""
    steps = account.steps
    held: dict[str, list[str]] = {}
    for item in items:
        held.setdefault(steps[item.pending.step].id, []).append(item.invoice.id)
    policy = account.policy
    return [
        Suppression(
            policy.customer_id, policy.customer_name, "handoff",
            handoff_text(handoff, step), step, tuple(sorted(invoice_ids)), None,
        )
        for step, invoice_ids in held.items()
    ]


def above_minimums(account: Account, minimums: Mapping[str, Decimal]) -> bool:
    """Return whether no balance is below the policy's minimum (rule "minimum balance"):
    neither the open nor the overdue balance of any currency the customer has open."""
    if not minimums:
        return True
    overdue = account.overdue_total
    for currency, balance in account.open_total.items():
        minimum = minimums.get(currency)
        if minimum is not None and (balance < minimum or overdue.get(currency, ZERO) < minimum):
            return False
    return True


def _held(  # noqa: PLR0917 - the state of the customer's suppressions, worked out once
    account: Account,
    item: PendingItem,
    step: Step,
    pause: Pause | None,
    promises: Sequence[Promise],
    plans: Mapping[str, PlanStanding],
    minimums: Mapping[str, Decimal],
) -> _Held | None:
    invoice, pending = item.invoice, item.pending
    index, occurrence = pending.step, pending.occurrence
    dispute = account.disputes.get(invoice.id)
    if dispute is not None:
        return _Held("dispute", index, occurrence, explain.dispute_text(dispute, step.id), None)
    if pause is not None:
        text = explain.pause_text(pause, account.policy.decided_by["pause"], step.id)
        return _Held("pause", index, occurrence, text, pause.until)
    # A promise or a plan on an invoice on split terms covers its parts (rule "instalments").
    invoice_id = account.parents.get(invoice.id, invoice.id) if account.parents else invoice.id
    for promise in promises:
        if not promise.invoice_ids or invoice_id in promise.invoice_ids:
            text = explain.promise_text(promise, step.id)
            return _Held("promise", index, occurrence, text, promise.pay_by)
    standing = plans.get(invoice_id)
    if standing is not None and standing.good:
        plan = standing.plan
        text = explain.plan_text(plan, standing.paid, standing.due, step.id)
        upcoming = [i.due for i in plan.instalments if i.due > account.as_of]
        return _Held("payment_plan", index, occurrence, text, min(upcoming, default=None))
    minimum = minimums.get(invoice.currency)
    if minimum is not None:
        overdue = item.day.days_overdue > 0
        totals = account.overdue_total if overdue else account.open_total
        balance = totals.get(invoice.currency, ZERO)
        if balance < minimum:
            text = explain.min_balance_text(balance, minimum, invoice.currency, overdue)
            return _Held("min_balance", index, occurrence, text, None)
    return None


def paid_between(account: Account, start: date, currency: str) -> Decimal:
    """Return the payments (not credit notes or write-offs) of the customer dated from ``start``
    to the day, less what was refunded, charged back or reversed of them."""
    as_of = account.as_of
    ledger = account.ledger
    paid = ZERO
    for invoice in ledger.invoices:
        if invoice.currency != currency:
            continue
        for s in invoice.settlements:
            if s.kind in CASH_KINDS and start <= s.date <= as_of:
                paid += s.amount
    for item in ledger.unapplied:
        is_cash = isinstance(item, Payment) and item.currency == currency
        if is_cash and start <= item.date <= as_of:
            paid += item.amount
    return paid


def broken_promises(account: Account) -> list[tuple[Promise, Decimal]]:
    """Return the promises whose date passed without the amount being paid (and what was)."""
    out = []
    for promise in sorted(account.ledger.promises, key=lambda p: (p.pay_by, p.id)):
        if promise.pay_by < account.as_of:
            paid = paid_between(account, promise.made, promise.currency)
            if promise_status(promise, paid, account.as_of) == "broken":
                out.append((promise, paid))
    return out


def plans_in_force(account: Account) -> dict[str, PlanStanding]:
    """Return, per invoice under a plan agreed on or before the day, the plan's standing.

    In good standing: what was paid or credited on the plan's invoices since it was agreed
    covers the instalments due up to the day.
    """
    as_of = account.as_of
    out: dict[str, PlanStanding] = {}
    covered = {inv.id: inv for inv in account.ledger.invoices}
    for plan in sorted(account.ledger.plans, key=lambda p: (p.agreed, p.id)):
        if plan.agreed > as_of:
            continue
        paid = ZERO
        for invoice_id in plan.invoice_ids:
            invoice = covered.get(invoice_id)
            if invoice is None:
                continue
            for s in (*invoice.settlements, *account.allocated.get(invoice_id, ())):
                if plan.agreed <= s.date <= as_of:
                    paid += s.amount
        due = sum((i.amount for i in plan.instalments if i.due <= as_of), ZERO)
        for invoice_id in plan.invoice_ids:
            out[invoice_id] = PlanStanding(plan, paid, due, paid >= due)
    return out


def resumed_notes(account: Account) -> list[tuple[frozenset[str], Reason]]:
    """Return notes for broken promises and plans in arrears, with the invoices they cover
    (rules "broken promise" and "plan in arrears")."""
    notes: list[tuple[frozenset[str], Reason]] = []
    if account.ledger.promises:
        for promise, paid in broken_promises(account):
            notes.append(
                (frozenset(promise.invoice_ids), explain.broken_promise_reason(promise, paid))
            )
    if account.ledger.plans:
        seen: set[str] = set()
        for standing in plans_in_force(account).values():
            plan = standing.plan
            if not standing.good and plan.id not in seen:
                seen.add(plan.id)
                reason = explain.plan_arrears_reason(
                    plan, standing.paid, standing.due, account.as_of
                )
                notes.append((frozenset(plan.invoice_ids), reason))
    return notes
