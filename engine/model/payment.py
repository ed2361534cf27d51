"""How customers pay and who reminders come from: the records of ``policies/payment.yaml``, with
what customers may answer on the payment portal.

Built by ``engine.load.payment_file`` from a schema-valid file and read by the messages
(``engine.rules.payment``) and by the delivery of reminders. They hold no behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from engine.model.source import NOWHERE, Origin

# The placeholders of a payment-link URL template and of a payment reference.
LINK_PLACEHOLDERS = ("invoice", "amount", "currency", "customer")
REFERENCE_PLACEHOLDERS = ("customer", "invoice")
# The placeholders a message template gets from the payment file.
PAYMENT_PLACEHOLDERS = ("payment_options", "payment_link", "payment_reference")
# ISO 11649: "RF", two check digits, then at most 21 letters and digits.
RF_BODY_MAX = 21


@dataclass(frozen=True, slots=True)
class Company:
    """The letterhead and sender of reminders: name, postal address, logo, email addresses."""

    name: str
    address: tuple[str, ...] = ()
    logo: str | None = None  # a path in the policy repository (PNG, JPEG or SVG)
    email: str | None = None  # the From address of reminder emails
    reply_to: str | None = None  # where customers' replies go
    phone: str | None = None
    website: str | None = None
    registration: str | None = None  # company number, VAT number: the small print of a letter
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class BankAccount:
    """Where to send a bank transfer in one currency: IBAN and BIC, or sort code and account."""

    currency: str
    account_name: str
    bank: str | None = None
    iban: str | None = None  # as written; shown grouped by four
    bic: str | None = None
    sort_code: str | None = None  # UK: six digits, shown as 20-32-06
    account_number: str | None = None
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class PaymentLink:
    """A hosted payment page for one currency, as a URL template with placeholders."""

    currency: str
    url: str
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class ReferenceScheme:
    """How the payment reference a customer quotes is built.

    ``scheme`` ``rf`` makes an ISO 11649 creditor reference (``RF`` + check digits + the letters
    and digits of ``text`` filled in); ``text`` uses the filled-in text as it is.
    """

    scheme: str = "rf"
    text: str = "{customer}{invoice}"
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class PortalRules:
    """What customers may answer on the payment portal (``portal:`` of the payment file).

    ``paid_hold_days``: how long an "I have paid" holds the chasing of its invoices back, from
    the day paid. ``promise_max_days``: how far ahead a promise may go. ``promise_min_amount``:
    the smallest amount a customer may promise, per currency (none: any amount).
    """

    paid_hold_days: int = 5
    promise_max_days: int = 30
    promise_min_amount: Mapping[str, Decimal] = field(default_factory=dict)
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class PaymentOptions:
    """The whole payment file: sender, letterhead, reference, bank accounts, links, statements."""

    company: Company
    reference: ReferenceScheme = ReferenceScheme()
    bank_accounts: Mapping[str, BankAccount] = field(default_factory=dict)
    links: Mapping[str, PaymentLink] = field(default_factory=dict)
    attach_statement: tuple[str, ...] = ()  # step ids whose emails carry a statement PDF
    portal: PortalRules = PortalRules()
    origin: Origin = NOWHERE

    def currencies(self) -> frozenset[str]:
        """Return the currencies a customer can pay in by transfer or by link."""
        return frozenset(self.bank_accounts) | frozenset(self.links)
