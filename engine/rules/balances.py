"""Rules "balances" and "aging": what a customer owes on a day, how much is overdue, and how late.

The open invoices are those of the rule "open amounts", after unapplied cash and credits when the
policy applies them (``engine.rules.open_items``), each with its due date and days overdue from
the rule "due date" (``engine.rules.step_dates``): the very amounts and dates the daily list
chases. The customer page of the API and the web, and every report, take them from here.

- **balance**, per currency: the open amounts less the unapplied cash and credits left on the
  account (a credit balance is negative);
- **overdue**, per currency: the open amounts of the invoices past their due date;
- **aging**: the open invoices in the policy's aging buckets (rule "aging",
  ``engine.rules.aging``; by default ``current`` (not yet due), ``1-30``, ``31-60``, ``61-90``
  and ``over-90`` days past due), with their count and open amounts per currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.model.ledger import CustomerLedger, Invoice
from engine.model.money import ZERO
from engine.rules.aging import aging_scheme
from engine.rules.charges_owed import settle_charges
from engine.rules.context import EvaluationContext
from engine.rules.instalments import split_open_items, with_parts
from engine.rules.open_items import (
    open_by_currency,
    open_items,
    unapplied_by_currency,
    with_unapplied_cash,
)
from engine.rules.suppressions import open_disputes


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice with something open on the day: how much, when it fell due, how late it is."""

    invoice: Invoice
    open: Decimal
    due: date
    days_overdue: int  # negative before the due date
    disputed: bool  # a dispute is open on the day
    bucket: int  # the position of its aging bucket in ``Balances.aging``


@dataclass(frozen=True, slots=True)
class AgingBucket:
    """The open invoices of one aging bucket: how many, and how much per currency."""

    name: str
    label: str
    invoices: int
    amounts: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Balances:
    """What a customer owes on a day: the open invoices, the balance, the overdue part, aging."""

    as_of: date
    invoices: tuple[OpenInvoice, ...]  # in ledger order
    balance: Mapping[str, Decimal]
    overdue: Mapping[str, Decimal]
    aging: tuple[AgingBucket, ...]


def account_balances(context: EvaluationContext, ledger: CustomerLedger, as_of: date) -> Balances:
    """Return the customer's open invoices, balance, overdue balance and aging on ``as_of``."""
    ledger = context.ledger_on(ledger, as_of)
    rules = context.effective.shared(ledger.customer, context.rule_currencies(ledger))
    scheme = aging_scheme(context.policy.reports)

    def dates_of(invoice: Invoice) -> tuple[date, int]:
        day = context.dates_of(invoice, rules, as_of)
        return day.dates.due, day.days_overdue

    # Under ``charges_first`` what paid charges leaves the invoice open (rule "charges owed").
    ledger, _owed = settle_charges(context.policy, ledger, as_of)
    before = open_items(ledger.invoices, as_of)
    parents: dict[str, str] = {}
    if context.split_terms:
        before, parents = split_open_items(context, rules.term, before, as_of)
    opens, _ = with_unapplied_cash(
        context.policy, ledger, before, as_of, lambda invoice: dates_of(invoice)[0]
    )
    disputed = open_disputes(ledger.disputes, as_of) if ledger.disputes else {}
    if parents and disputed:
        disputed = with_parts(disputed, parents)
    invoices = []
    for invoice, amount in opens:
        due, days_overdue = dates_of(invoice)
        bucket = scheme.bucket_index(scheme.age(invoice.issued, days_overdue, as_of))
        invoices.append(
            OpenInvoice(invoice, amount, due, days_overdue, invoice.id in disputed, bucket)
        )
    # Cash and credits lower the balance whether or not they were matched to an invoice.
    balance = open_by_currency(before)
    for currency, amount in unapplied_by_currency(ledger.unapplied, as_of).items():
        balance[currency] = balance.get(currency, ZERO) - amount
    overdue: dict[str, Decimal] = {}
    counts = [0] * len(scheme.buckets)
    amounts: list[dict[str, Decimal]] = [{} for _ in scheme.buckets]
    for entry in invoices:
        currency = entry.invoice.currency
        if entry.days_overdue > 0:
            overdue[currency] = overdue.get(currency, ZERO) + entry.open
        counts[entry.bucket] += 1
        amounts[entry.bucket][currency] = amounts[entry.bucket].get(currency, ZERO) + entry.open
    return Balances(
        as_of,
        tuple(invoices),
        dict(sorted(balance.items())),
        dict(sorted(overdue.items())),
        tuple(
            AgingBucket(spec.name, spec.label, counts[i], dict(sorted(amounts[i].items())))
            for i, spec in enumerate(scheme.buckets)
        ),
    )
