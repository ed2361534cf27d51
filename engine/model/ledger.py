"""The ledger as the engine sees it: customers, invoices, cash, disputes, promises, plans, history.

Ledger rows are ``NamedTuple`` records rather than dataclasses: a daily run builds hundreds of
thousands of them and a tuple costs a third of a frozen dataclass to create (see
docs/decisions/002-ledger-rows-as-named-tuples.md). They are immutable all the same.

The ledger is handed to the evaluation one customer at a time (``CustomerLedger``): evaluating a
customer needs only that customer's data, so the work streams and splits across processes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from engine.model.handoff import Handoff


class Customer(NamedTuple):
    """A customer's master data as the accounting system holds it."""

    id: str
    name: str = ""
    country: str | None = None
    segment: str | None = None
    email: str = ""
    language: str | None = None


class Settlement(NamedTuple):
    """Something that changed what is owed on an invoice, on a date.

    ``kind`` is one of ``SETTLEMENT_KINDS``: a payment, a credit note, unapplied cash the rules
    applied, a write-off, an early-payment discount a payment earned (all positive: they reduce
    what is owed; a discount is negative when its payment is given back), or a refund,
    chargeback or reversal that gives back part of a payment or credit note (negative: it
    reopens what was settled), or the cancellation of the invoice (the whole invoice amount:
    from its date nothing is owed and nothing is chased). ``to_charges`` (negative) is the part
    of a payment that paid reminder fees and interest under ``charge_allocation:
    charges_first`` rather than the invoice (rule "charges owed"). ``ref`` is the id of the
    record.
    """

    date: date
    amount: Decimal
    kind: str = "payment"
    ref: str = ""


# What a settlement can be (docs/rules/ledger-records.md).
SETTLEMENT_KINDS = (
    "payment", "credit_note", "unapplied_cash", "write_off",
    "refund", "chargeback", "reversal", "credit_note_reversal", "discount", "to_charges",
    "cancellation",
)  # fmt: skip
# Cash the customer paid, less what was given back: what keeps a promise or a payment plan.
CASH_KINDS = frozenset({"payment", "unapplied_cash", "refund", "chargeback", "reversal"})
# What gives back a payment (refund, chargeback, reversal) or cancels a credit note.
REVERSAL_KINDS = ("refund", "chargeback", "reversal")


class Invoice(NamedTuple):
    """An invoice and what has been applied to it so far."""

    id: str
    customer_id: str
    issued: date
    amount: Decimal
    currency: str
    terms: str | None = None
    due: date | None = None
    settlements: tuple[Settlement, ...] = ()
    # The delivery (goods-receipt) date, for terms counted from it (``basis: delivery``).
    delivered: date | None = None
    # The tax (VAT) included in ``amount``, when the ledger states it: the base of a discount
    # taken net of tax (``discounts: {base: net}``, docs/rules/discounts.md).
    tax: Decimal | None = None

    @property
    def settled(self) -> Decimal:
        """Return the total paid or credited against this invoice."""
        return sum((s.amount for s in self.settlements), Decimal(0))


# The number a part of an invoice on split terms goes by: ``INV-1001_2of3`` (rule "instalments"),
# itself a valid invoice number, so the action log and every import take it as one.
_PART = re.compile(r"^(.+)_([1-9][0-9]*)of([1-9][0-9]*)$")


def part_number(invoice_id: str, part: int, parts: int) -> str:
    """Return the number part ``part`` of ``parts`` of an invoice goes by: ``INV-1001_2of3``."""
    return f"{invoice_id}_{part}of{parts}"


def invoice_of_part(number: str) -> str | None:
    """Return the invoice a part number (``INV-1001_2of3``) belongs to, or None for another
    number."""
    match = _PART.match(number)
    return match.group(1) if match else None


class Payment(NamedTuple):
    """Cash received: applied to an invoice, or unapplied (``invoice_id`` is None)."""

    id: str
    customer_id: str
    date: date
    amount: Decimal
    currency: str
    invoice_id: str | None = None


class CreditNote(NamedTuple):
    """A credit note: applied to an invoice, or left on the account (``invoice_id`` is None)."""

    id: str
    customer_id: str
    date: date
    amount: Decimal
    currency: str
    invoice_id: str | None = None


class Dispute(NamedTuple):
    """A customer's dispute of an invoice; open until ``resolved``."""

    id: str
    invoice_id: str
    opened: date
    resolved: date | None = None
    reason: str = ""

    def open_on(self, day: date) -> bool:
        """Return whether the dispute is open on ``day``."""
        return self.opened <= day and (self.resolved is None or self.resolved > day)


class Promise(NamedTuple):
    """A promise to pay ``amount`` by ``pay_by``, made on ``made``."""

    id: str
    customer_id: str
    made: date
    pay_by: date
    amount: Decimal
    currency: str
    invoice_ids: tuple[str, ...] = ()


class Instalment(NamedTuple):
    """One instalment of a payment plan."""

    due: date
    amount: Decimal


class PaymentPlan(NamedTuple):
    """An agreed payment plan covering some invoices."""

    id: str
    customer_id: str
    agreed: date
    currency: str
    invoice_ids: tuple[str, ...]
    instalments: tuple[Instalment, ...]


class ActionStatus(StrEnum):
    """What happened to an action staff were given.

    ``sent`` records a delivery (the mail server accepted the email, the letter is in the print
    folder): the customer was contacted, but the step is not worked until it is ``done``, which
    the sender records too unless the step names a person (docs/decisions/011).
    """

    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"
    SUPERSEDED = "superseded"
    SENT = "sent"


class ActionRecord(NamedTuple):
    """An entry of the action log: an action that was worked (or superseded) on a date."""

    action_id: str
    customer_id: str
    step: str
    invoice_ids: tuple[str, ...]
    date: date
    status: ActionStatus = ActionStatus.DONE
    fee: Decimal | None = None
    interest: Decimal | None = None
    currency: str | None = None


def has_charges(history: Iterable[ActionRecord]) -> bool:
    """Return whether any worked action of ``history`` charged a fee or interest: what a waiver
    can take off (rule "charges owed")."""
    done = ActionStatus.DONE
    return any(record.status == done and (record.fee or record.interest) for record in history)


class ChargeWaiver(NamedTuple):
    """A waiver of the fees and interest an action charged, from ``date``, with who and why."""

    id: str
    customer_id: str
    action_id: str
    date: date
    reason: str
    who: str = ""


class CustomerLedger(NamedTuple):
    """Everything the evaluation needs about one customer."""

    customer: Customer
    invoices: tuple[Invoice, ...] = ()
    unapplied: tuple[Payment | CreditNote, ...] = ()
    disputes: tuple[Dispute, ...] = ()
    promises: tuple[Promise, ...] = ()
    plans: tuple[PaymentPlan, ...] = ()
    history: tuple[ActionRecord, ...] = ()
    handoffs: tuple[Handoff, ...] = ()  # to an agency or a solicitor (engine.model.handoff)
    waivers: tuple[ChargeWaiver, ...] = ()  # charges waived (rule "charges owed")


@dataclass(frozen=True, slots=True)
class LedgerSnapshot:
    """A whole ledger held in memory (files, tests); stores stream ``CustomerLedger`` instead."""

    customers: tuple[CustomerLedger, ...]

    def __iter__(self) -> Iterator[CustomerLedger]:
        return iter(self.customers)

    def only(self, customer_ids: Iterable[str]) -> LedgerSnapshot:
        """Return the snapshot restricted to ``customer_ids``."""
        wanted = set(customer_ids)
        return LedgerSnapshot(tuple(c for c in self.customers if c.customer.id in wanted))
