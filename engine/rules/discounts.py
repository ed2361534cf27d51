"""Rule "discounts taken": an early-payment discount is written off when a payment earns it.

A payment received on or before the last day of a discount tier that, with what was paid before,
covers the invoice less that tier's discount settles the invoice: the difference is a discount
(a ``Settlement`` of kind ``discount``, dated the day of the payment), not an open amount. With
``discounts: {partial_payments: proportional}`` a part payment in the period is credited at
payment / (1 - rate). The rules, with worked examples and sources, are in
docs/rules/discounts.md.

Every open amount (the daily list, balances, aging, the customer page, the portal, case files,
reports) starts from the ledger ``with_earned_discounts`` returns (through
``EvaluationContext.ledger_on``), so a customer who paid
correctly within the discount is never chased.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from engine.model.ledger import CASH_KINDS, CustomerLedger, Invoice, Settlement
from engine.model.money import ZERO, round_money
from engine.model.policy import DiscountSettings, DiscountTier, Policy, Term
from engine.rules.terms import discount_deadlines, terms_start, tier_discount

# What a credit note on the invoice is (and its reversal): it lowers the discount's base.
_CREDIT_KINDS = {"credit_note": 1, "credit_note_reversal": -1}


class DiscountTaken(NamedTuple):
    """A discount written off on an invoice: when, how much, and the payment that earned it."""

    invoice: Invoice
    settlement: Settlement  # kind ``discount``; ``ref`` is the payment that earned it
    tier: DiscountTier


def with_earned_discounts(policy: Policy, ledger: CustomerLedger, default: Term) -> CustomerLedger:
    """Return the customer's ledger with the discounts its payments earned written off on their
    invoices (rule "discounts taken"); the ledger itself when none was earned.

    ``default`` is the customer's terms, for invoices that name none (or terms the policy does
    not define). Pass the ledger as of the day (``ledger_as_of``): a payment dated later earns
    nothing yet.
    """
    changed: dict[int, Invoice] = {}
    for index, invoice in enumerate(ledger.invoices):
        taken = _earned(policy, invoice, default)
        if taken:
            settlements = sorted(
                (*invoice.settlements, *(t.settlement for t in taken)),
                key=lambda s: (s.date, s.kind == "discount"),
            )
            changed[index] = invoice._replace(settlements=tuple(settlements))
    if not changed:
        return ledger
    invoices = tuple(changed.get(i, invoice) for i, invoice in enumerate(ledger.invoices))
    return ledger._replace(invoices=invoices)


def discounts_taken(policy: Policy, ledger: CustomerLedger, default: Term) -> list[DiscountTaken]:
    """Return every discount the customer's payments earned, in date order (for the timeline)."""
    if not any(term.discounts for term in policy.terms.values()):
        return []
    taken = [t for invoice in ledger.invoices for t in _earned(policy, invoice, default)]
    return sorted(taken, key=lambda t: (t.settlement.date, t.invoice.id))


def _earned(policy: Policy, invoice: Invoice, default: Term) -> list[DiscountTaken]:
    settlements = invoice.settlements
    if not settlements:
        return []
    term = (policy.terms.get(invoice.terms) if invoice.terms else None) or default
    if not term.discounts or term.instalments:
        return []
    if sum((s.amount for s in settlements), ZERO) >= invoice.amount:
        return []  # paid in full: nothing is left that a discount could settle
    if any(s.kind == "discount" for s in settlements):
        return []  # written off already (a ledger handed on by ``ledger_on``)
    start = terms_start(term, invoice.issued, invoice.delivered)
    deadlines = discount_deadlines(term, start)
    return list(_discounts(invoice, term, deadlines, policy.discounts))


def _discounts(
    invoice: Invoice, term: Term, deadlines: tuple[date, ...], settings: DiscountSettings
) -> Iterator[DiscountTaken]:
    """Yield the discounts earned, walking the invoice's settlements in date order.

    ``open`` is what is still owed; ``granted`` the discounts written off so far. Cash handed
    back (a refund, chargeback or reversal) takes the discounts granted before it with it: the
    payment that earned them is no longer there.
    """
    currency = invoice.currency
    amount = invoice.amount
    base = _base(invoice, settings)
    credited = ZERO  # credit notes on the invoice: they lower the discount's base
    open_amount = amount
    granted = ZERO
    for settlement in sorted(invoice.settlements, key=lambda s: s.date):
        open_amount -= settlement.amount
        credited += _CREDIT_KINDS.get(settlement.kind, 0) * settlement.amount
        if settlement.kind not in CASH_KINDS:
            continue
        if settlement.amount < 0 and granted:
            open_amount += granted
            yield _taken(invoice, settlement, -granted, term.discounts[0])
            granted = ZERO
        index = next((i for i, last in enumerate(deadlines) if settlement.date <= last), None)
        if index is None or open_amount <= 0:
            continue
        tier = term.discounts[index]
        # The base, less what credit notes took off the invoice, in proportion (gross: exactly).
        tier_base = base * (amount - credited) / amount if credited else base
        left = tier_discount(tier, max(tier_base, ZERO), currency) - granted
        if open_amount <= left:
            discount = open_amount  # what was paid covers the discounted amount: settled
        elif _earns_part(settings, tier) and settlement.amount > 0 and tier.percent:
            # Credited at payment / (1 - rate): the share of the discount the payment earns.
            rate = tier.percent / 100
            share = round_money(settlement.amount * rate / (1 - rate), currency)
            discount = min(share, open_amount)
        else:
            continue
        if discount <= 0:
            continue
        open_amount -= discount
        granted += discount
        yield _taken(invoice, settlement, discount, tier)


def _earns_part(settings: DiscountSettings, tier: DiscountTier) -> bool:
    """Return whether a part payment within ``tier``'s period earns its share of the discount:
    with ``partial_payments: proportional``, on a percentage discount."""
    return settings.partial_payments == "proportional" and tier.percent is not None


def _base(invoice: Invoice, settings: DiscountSettings) -> Decimal:
    """Return what a percentage discount is taken on: the invoice amount (``gross``) or the
    amount less the tax the ledger states for the invoice (``net``; gross when it states none)."""
    if settings.base == "net" and invoice.tax is not None:
        return invoice.amount - invoice.tax
    return invoice.amount


def _taken(
    invoice: Invoice, payment: Settlement, amount: Decimal, tier: DiscountTier
) -> DiscountTaken:
    return DiscountTaken(invoice, Settlement(payment.date, amount, "discount", payment.ref), tier)
