"""What the payment portal shows one customer on a day, built from the ledger and the engine.

The open invoices, days overdue and balance are the rule "balances" (the amounts the daily list
chases), the charges owed are the rule "charges owed" (``engine.rules.charges_owed``: charged,
not yet paid or waived), and the amount due per currency is the rule "statement of account"; the
payment reference and links are the rule "payment options". Nothing here adds up money: it
reads, and lays out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine

from api.policy_state import ServedPolicy
from api.portal_words import Speaker
from engine.model.ledger import CustomerLedger
from engine.model.payment import BankAccount, Company, PaymentOptions, PortalRules
from engine.rules.balances import account_balances
from engine.rules.charges_owed import OwedCharge, charges_owed
from engine.rules.context import EvaluationContext
from engine.rules.payment import (
    format_reference,
    format_sort_code,
    group_iban,
    link_for,
    reference_for,
)
from engine.rules.statement import Statement, statement_of
from store.reader import load_snapshot


@dataclass(frozen=True, slots=True)
class PayOption:
    """How to pay what is due in one currency."""

    currency: str
    amount: Decimal
    link: str  # '' without a payment link in that currency
    account: BankAccount | None
    reference: str  # as printed (RF in groups of four)
    reference_compact: str  # without spaces, for the copy button

    @property
    def iban(self) -> str:
        """Return the account's IBAN in groups of four ('' without one)."""
        return group_iban(self.account.iban) if self.account and self.account.iban else ""

    @property
    def sort_code(self) -> str:
        """Return the account's sort code as ``20-32-06`` ('' without one)."""
        code = self.account.sort_code if self.account else None
        return format_sort_code(code) if code else ""


@dataclass(frozen=True, slots=True)
class PortalAccount:
    """Everything the portal page and its PDFs show one customer."""

    customer_id: str
    customer_name: str
    language: str
    country: str | None
    day: date
    statement: Statement
    charges: tuple[OwedCharge, ...]  # still owed
    options: tuple[PayOption, ...]
    company: Company
    rules: PortalRules
    currencies: tuple[str, ...]  # of the open invoices, for the answer forms
    owner: str | None = None  # the account owner (told of a dispute)

    def speaker(self) -> Speaker:
        """Return the customer's words and ways of writing money and dates."""
        return Speaker(self.language, self.country)

    @property
    def open_invoice_ids(self) -> tuple[str, ...]:
        """Return the ids of the open invoices, in ledger order."""
        return tuple(entry.invoice.id for entry in self.statement.invoices)


class NotInLedgerError(LookupError):
    """The customer of a valid link is no longer in the ledger."""


def portal_account(
    engine: Engine, served: ServedPolicy, customer_id: str, day: date
) -> PortalAccount:
    """Return what the portal shows ``customer_id`` on ``day`` (only that customer is read)."""
    snapshot = load_snapshot(engine, [customer_id], as_of=day)
    if not snapshot.customers:
        raise NotInLedgerError(customer_id)
    return account_of(served, snapshot.customers[0], day)


def account_of(served: ServedPolicy, ledger: CustomerLedger, day: date) -> PortalAccount:
    """Return the portal's view of ``ledger`` on ``day``."""
    policy = served.policy
    context = EvaluationContext(policy)
    rules = context.effective.get(ledger.customer, context.rule_currencies(ledger))
    charges = charges_owed(policy, ledger, day)
    statement = statement_of(account_balances(context, ledger, day), charges)
    payment = policy.payment or PaymentOptions(Company(policy.name))
    first_invoice = _first_invoice_by_currency(statement)
    options = tuple(
        _option(payment, ledger.customer.id, first_invoice.get(currency, ""), amount, currency)
        for currency, amount in statement.due.items()
    )
    currencies = tuple(sorted({entry.invoice.currency for entry in statement.invoices}))
    return PortalAccount(
        customer_id=ledger.customer.id,
        customer_name=rules.customer_name or ledger.customer.name or ledger.customer.id,
        language=rules.language,
        country=ledger.customer.country,
        day=day,
        statement=statement,
        charges=statement.charges,
        options=options,
        company=payment.company,
        rules=payment.portal,
        currencies=currencies or tuple(statement.due),
        owner=rules.owner,
    )


def _first_invoice_by_currency(statement: Statement) -> Mapping[str, str]:
    first: dict[str, str] = {}
    for entry in sorted(statement.invoices, key=lambda e: (e.due, e.invoice.id)):
        first.setdefault(entry.invoice.currency, entry.invoice.id)
    return first


def _option(
    payment: PaymentOptions, customer_id: str, invoice_id: str, amount: Decimal, currency: str
) -> PayOption:
    reference = reference_for(payment, customer_id, invoice_id)
    return PayOption(
        currency=currency,
        amount=amount,
        link=link_for(payment, customer_id, invoice_id, amount, currency),
        account=payment.bank_accounts.get(currency),
        reference=format_reference(reference),
        reference_compact=reference,
    )
