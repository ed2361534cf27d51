"""The typed collections policy: terms, ladders, fees, templates and customer overrides.

These records are built by ``engine.load.policy_loader`` from the YAML files (each keeps its
``Origin`` so a check can point at the exact line) and read by the evaluation. They hold no
behaviour beyond small derived properties.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from engine.model.payment import PAYMENT_PLACEHOLDERS, PaymentOptions
from engine.model.source import NOWHERE, Origin

# What a step date counts from: the issue date, the early-payment discount deadline, the due date,
# or the last lower step done or sent for the invoice (docs/rules/ladder.md, "step dates").
ANCHORS = ("invoice", "discount", "due", "previous")
_OFFSET = re.compile(rf"^({'|'.join(ANCHORS)})([+-])(\d{{1,4}})(bd|d)$")
_DURATION = re.compile(r"^(\d{1,4})d$")
_MONTHS = re.compile(r"^(\d{1,2})m$")


@dataclass(frozen=True, slots=True)
class Offset:
    """A step date written as ``ANCHOR+Nd``, ``ANCHOR-Nd`` or ``ANCHOR+Nbd`` (business days)."""

    anchor: str
    days: int
    business: bool = False

    @classmethod
    def parse(cls, text: str) -> Offset | None:
        """Return the offset written in ``text``, or None when it is not an offset."""
        match = _OFFSET.match(text)
        if match is None:
            return None
        anchor, sign, number, unit = match.groups()
        days = int(number) if sign == "+" else -int(number)
        return cls(anchor, days, unit == "bd")

    def __str__(self) -> str:
        sign = "+" if self.days >= 0 else "-"
        return f"{self.anchor}{sign}{abs(self.days)}{'bd' if self.business else 'd'}"


def parse_duration(text: str) -> int | None:
    """Return the number of days in a duration such as ``14d``, or None when it is not one."""
    match = _DURATION.match(text)
    return int(match.group(1)) if match else None


def parse_months(text: str) -> int | None:
    """Return the number of months in a calendar repeat such as ``1m``, or None."""
    match = _MONTHS.match(text)
    return int(match.group(1)) if match else None


class StepAction(StrEnum):
    """What a ladder step does."""

    CONTACT = "contact"
    CREDIT_HOLD = "credit_hold"
    ESCALATE = "escalate"
    WRITE_OFF_REVIEW = "write_off_review"



@dataclass(frozen=True, slots=True)
class Term:
    """Credit terms: when an invoice falls due and whether it earns an early-payment discount.

    The due date (docs/rules/terms.md) counts from the invoice date, or from the delivery date
    with ``basis: delivery``; ``from_end_of_month`` starts from the last day of that month (of
    the next month past ``cutoff_day``); then ``net_months`` months and ``net_days`` days are
    added, and ``then_end_of_month`` moves on to the end of that month plus ``then_days``.
    Split terms have ``instalments`` instead: each part of the invoice falls due on its own.
    """

    name: str
    net_days: int | None = None
    from_end_of_month: bool = False
    day_of_next_month: int | None = None
    description: str = ""
    origin: Origin = NOWHERE
    net_months: int | None = None
    then_end_of_month: bool = False
    then_days: int = 0
    cutoff_day: int | None = None
    basis: str = "invoice"  # invoice | delivery
    instalments: tuple[TermInstalment, ...] = ()
    # Early-payment discounts, best first: each tier ends after the one before (rule "discounts").
    discounts: tuple[DiscountTier, ...] = ()


@dataclass(frozen=True, slots=True)
class DiscountTier:
    """One early-payment discount of credit terms: ``percent`` of the base, or a fixed amount
    per currency (``amounts``), for payment on or before the tier's last day.

    The last day counts as a due date does (docs/rules/discounts.md): ``days`` after the terms'
    start date, or after the end of its month with ``from_end_of_month`` ("2/10 EOM"), or the
    ``day_of_next_month`` ("2 % 10th prox"); the terms' ``cutoff_day`` applies to both.
    """

    days: int | None = None
    percent: Decimal | None = None
    amounts: tuple[tuple[str, Decimal], ...] = ()  # (currency, amount), a fixed-amount discount
    from_end_of_month: bool = False
    day_of_next_month: int | None = None
    origin: Origin = NOWHERE


# partial_payments: none (only a payment of the whole discounted amount earns the discount) |
# proportional (a part payment in the period is credited at payment / (1 - rate)).
DISCOUNT_PARTIAL = ("none", "proportional")
# base: gross (the invoice amount, tax included) | net (less the invoice's stated tax).
DISCOUNT_BASE = ("gross", "net")


@dataclass(frozen=True, slots=True)
class DiscountSettings:
    """How early-payment discounts are taken (``discounts:`` in policy.yaml)."""

    partial_payments: str = "none"
    base: str = "gross"
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class TermInstalment:
    """One part of split terms: its share of the invoice and the terms that date it."""

    percent: Decimal
    due: Term  # a term without discount or instalments of its own


@dataclass(frozen=True, slots=True)
class StepCondition:
    """When a step applies (every condition given must hold): the customer has at least
    ``min_open_invoices`` open invoices, an overdue total in the invoice's currency above
    ``overdue_above`` (a currency not named always passes), and is in one of ``segments``."""

    min_open_invoices: int | None = None
    overdue_above: Mapping[str, Decimal] = field(default_factory=dict)
    segments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """One rung of a dunning ladder."""

    id: str
    at: Offset
    action: StepAction = StepAction.CONTACT
    channel: str | None = None
    template: str | None = None
    fee: str | None = None
    interest: str | None = None
    min_balance: Mapping[str, Decimal] = field(default_factory=dict)
    repeat_days: int | None = None
    assign: str | None = None
    to: str | None = None
    description: str = ""
    origin: Origin = NOWHERE
    # A calendar repeat (`repeat: 1m`): repetition n falls due n months after the step's date.
    repeat_months: int | None = None
    max_repeats: int | None = None  # repetitions after the first time (None: until paid)
    when: StepCondition | None = None  # docs/rules/ladder.md, "step conditions"
    # The tone of this step's message, over the customer's (docs/rules/ladder.md, "tone per step").
    tone: str | None = None
    # The currencies of the invoices the step is for (empty: all); docs/rules/ladder.md,
    # "currencies".
    currencies: frozenset[str] = frozenset()
    # Not sent more than this many days after its date (None: no limit); "expiry".
    expires_days: int | None = None
    # Whether the step may be sent on or after the invoice's due date: "send", "skip", or None
    # (the default: a step dated before the due date is not, any other is); "expiry".
    after_due: str | None = None

    @property
    def kind(self) -> str:
        """Return what staff see as the action kind: the channel of a contact, else the action."""
        if self.action is StepAction.CONTACT:
            return self.channel or "email"
        return self.action.value

    @property
    def is_contact(self) -> bool:
        """Return whether this step contacts the customer (counts against contact guardrails)."""
        return self.action is StepAction.CONTACT


@dataclass(frozen=True, slots=True)
class Variant:
    """One arm of an experiment: its share of customers (percent) and what it changes."""

    name: str
    share: int
    tone: str | None = None
    template: str | None = None
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class Experiment:
    """A ladder's experiment: one step sent in several variants, customers split by a hash."""

    id: str
    step: str
    variants: tuple[Variant, ...]
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class Ladder:
    """An ordered dunning ladder."""

    name: str
    steps: tuple[Step, ...]
    description: str = ""
    origin: Origin = NOWHERE
    # After a missed day or a late import: send the highest step reached (highest_step), or the
    # next one after the last sent (one_level_per_run). docs/rules/ladder.md, "catch-up".
    catch_up: str = "highest_step"
    experiment: Experiment | None = None
    # The currencies of the invoices the ladder chases (empty: all), and whether one action
    # holds the invoices of one currency only (docs/rules/ladder.md, "currencies").
    currencies: frozenset[str] = frozenset()
    split_by_currency: bool = False

    def step(self, step_id: str) -> Step | None:
        """Return the step called ``step_id``, or None."""
        for step in self.steps:
            if step.id == step_id:
                return step
        return None


@dataclass(frozen=True, slots=True)
class Fee:
    """A charge added by a step: fixed per currency, or a percentage of the overdue amount."""

    name: str
    fixed: Mapping[str, Decimal] = field(default_factory=dict)
    percent: Decimal | None = None
    minimum: Mapping[str, Decimal] = field(default_factory=dict)
    maximum: Mapping[str, Decimal] = field(default_factory=dict)
    description: str = ""
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class RatePeriod:
    """A rate (or a margin) in force from a date."""

    start: date
    percent: Decimal
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class CompensationBand:
    """A fixed compensation sum for debts below ``below`` (exclusive: "less than") or up to
    ``up_to`` (inclusive: "not exceeding"); a band with neither covers any size."""

    amount: Decimal
    below: Decimal | None = None
    up_to: Decimal | None = None

    @property
    def bound(self) -> Decimal | None:
        """Return the band's upper bound, exclusive or inclusive (None: open)."""
        return self.below if self.below is not None else self.up_to


@dataclass(frozen=True, slots=True)
class InterestScheme:
    """Statutory (or contractual) late-payment interest: reference rate plus a margin.

    ``margin_percent`` is the margin before the first of ``margin_changes``; ``margin_by`` says
    whether the margin of the day the debt arose (``invoice_date``) or of each day (``day``)
    applies. ``compound: yearly`` adds each full year's interest to what interest runs on.
    """

    name: str
    reference: str
    margin_percent: Decimal
    day_basis: int = 365
    fixing: str = "half_year"
    margin_changes: tuple[RatePeriod, ...] = ()
    margin_by: str = "invoice_date"
    compound: str = "none"
    compensation_currency: str | None = None
    compensation: tuple[CompensationBand, ...] = ()
    description: str = ""
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class ReferenceRate:
    """A published reference rate (e.g. Bank of England Bank Rate) and its history."""

    name: str
    rates: tuple[RatePeriod, ...]
    description: str = ""
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class TemplateVariant:
    """A message in one tone and language."""

    tone: str
    language: str
    subject: str
    body: str
    origin: Origin = NOWHERE


# The customer's personal link to the payment portal. It is made with a key from the sender's
# settings, so the messages get it from their caller; a paragraph quoting it is left out of a
# message that has no link (engine.report.messages).
PORTAL_PLACEHOLDER = "portal_link"
# The placeholders a template may use (docs/rules/ladder.md, "messages"): the messages fill them
# in, the checks refuse any other.
PLACEHOLDERS = (
    "customer_name", "customer_id", "invoice_numbers", "invoice_table", "total_overdue",
    "oldest_due_date", "days_overdue", "fee_amount", "interest_amount", "total_due",
    "company_name", "step_name", "discount_deadline", "discount_amount",
    *PAYMENT_PLACEHOLDERS, PORTAL_PLACEHOLDER,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Template:
    """A message template with variants by tone and language."""

    name: str
    variants: tuple[TemplateVariant, ...]
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class AssignmentRule:
    """A rule giving customers that match ``when`` a ladder, terms or tone."""

    when: Mapping[str, tuple[str, ...]]
    ladder: str | None = None
    terms: str | None = None
    tone: str | None = None
    index: int = 0
    origin: Origin = NOWHERE

    def describe(self) -> str:
        """Return the rule as people read it: ``assignment rule 1 (segment: strategic)``."""
        conditions = ", ".join(f"{key}: {'/'.join(values)}" for key, values in self.when.items())
        return f"assignment rule {self.index + 1} ({conditions})"


@dataclass(frozen=True, slots=True)
class Guardrails:
    """Limits that hold whatever a ladder says."""

    max_contacts_per_7_days: int | None = None
    contact_days: str = "business"
    max_fee_share: Decimal | None = None
    max_emails_per_minute: int | None = None


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """The policy's business calendar: public holidays of a country plus closed days."""

    country: str | None = None
    subdivision: str | None = None
    closed: frozenset[date] = frozenset()


# A pause written ``until: further_notice`` has no end date (docs/rules/ladder.md, "pause").
UNTIL_FURTHER_NOTICE = "further_notice"


@dataclass(frozen=True, slots=True)
class Pause:
    """A customer's dunning pause: until a date, or until further notice (``until`` None)."""

    until: date | None
    reason: str

    def in_force(self, on: date) -> bool:
        """Return whether the pause holds chasing back on ``on`` (its last day included)."""
        return self.until is None or self.until >= on


@dataclass(frozen=True, slots=True)
class CreditReview:
    """How often a customer's credit limit is reviewed, and when it last was."""

    every_months: int
    last: date


@dataclass(frozen=True, slots=True)
class Contact:
    """A person to contact at a customer."""

    name: str = ""
    email: str = ""
    phone: str = ""
    role: str = ""


class CreditLimit(NamedTuple):
    """The most a customer may owe in one currency before the account goes on credit hold."""

    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class CustomerPolicy:
    """A customer file: the overrides one customer has over the defaults."""

    id: str
    name: str = ""
    country: str | None = None
    segment: str | None = None
    ladder: str | None = None
    terms: str | None = None
    credit_limit: CreditLimit | None = None
    tone: str | None = None
    language: str | None = None
    owner: str | None = None
    contacts: tuple[Contact, ...] = ()
    pause: Pause | None = None
    skip: frozenset[str] = frozenset()
    delay: Mapping[str, int] = field(default_factory=dict)
    exempt: frozenset[str] = frozenset()
    notes: str = ""
    origin: Origin = NOWHERE
    credit_review: CreditReview | None = None  # docs/rules/ladder.md, "credit limit review"


@dataclass(frozen=True, slots=True)
class Defaults:
    """What applies to a customer that no rule or file says otherwise about."""

    terms: str
    ladder: str
    tone: str = "standard"


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """How the reports define their figures (``reports:`` in policy.yaml, docs/rules/reports.md).

    The defaults are the Credit Research Foundation's: aged on the due date, "current" meaning
    not yet due, countback over calendar months of their actual length, CEI on the period's
    average monthly credit sales.
    """

    aging_buckets: tuple[int, ...] = (30, 60, 90)  # the last day of each bucket but the last
    aging_by: str = "due_date"  # due_date | invoice_date
    current: str = "not_yet_due"  # not_yet_due | first_bucket
    dso_period_days: int = 90
    countback_months: str = "actual"  # actual | thirty_days
    cei_credit_sales: str = "monthly_average"  # monthly_average | full
    # The management summary the daily job emails (``reports.summary``): to whom (nobody: not
    # sent), for a week or a month, on which weekday.
    summary_to: tuple[str, ...] = ()
    summary_period: str = "week"  # week | month
    summary_weekday: str = "monday"


@dataclass(frozen=True, slots=True)
class WriteOffRules:
    """Who approves a write-off, and how much a collector may write off alone, per currency."""

    approval_above: Mapping[str, Decimal] = field(default_factory=dict)
    approvers: str | None = None  # a role of ``Policy.roles``; None: admins approve
    account: str = ""  # the bad-debts account code of the accounting system's journal
    origin: Origin = NOWHERE


@dataclass(frozen=True, slots=True)
class Policy:
    """The whole collections policy as committed."""

    name: str
    timezone: str
    base_currency: str
    defaults: Defaults
    calendar: CalendarSpec = CalendarSpec()
    language: str = "en"
    due_date_roll: str = "next_business_day"
    unapplied_cash: str = "oldest_first"
    # How a payment is shared between an invoice and its charges (rule "charges owed").
    charge_allocation: str = "principal_first"
    assignment: tuple[AssignmentRule, ...] = ()
    min_balance: Mapping[str, Decimal] = field(default_factory=dict)
    # Whether invoices in a currency ``min_balance`` does not name are chased: "chased" or
    # "not_chased"; None when the policy does not say (not chased, and validate warns).
    other_currencies: str | None = None
    guardrails: Guardrails = Guardrails()
    terms: Mapping[str, Term] = field(default_factory=dict)
    ladders: Mapping[str, Ladder] = field(default_factory=dict)
    fees: Mapping[str, Fee] = field(default_factory=dict)
    interest: Mapping[str, InterestScheme] = field(default_factory=dict)
    reference_rates: Mapping[str, ReferenceRate] = field(default_factory=dict)
    templates: Mapping[str, Template] = field(default_factory=dict)
    customers: Mapping[str, CustomerPolicy] = field(default_factory=dict)
    payment: PaymentOptions | None = None  # policies/payment.yaml, when there is one
    reports: ReportSettings = ReportSettings()
    # Named roles (a manager an escalation goes to, write-off approvers) and who holds them.
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Where the service writes to a person of staff (an account owner told of a customer's
    # dispute from the payment portal): person -> email address.
    staff_emails: Mapping[str, str] = field(default_factory=dict)
    write_off: WriteOffRules = WriteOffRules()
    discounts: DiscountSettings = DiscountSettings()  # docs/rules/discounts.md
    # Whether a customer's pause also releases a credit hold placed before it (rule "pause").
    pause_releases_credit_hold: bool = False
    digest: str = ""
    origin: Origin = NOWHERE
