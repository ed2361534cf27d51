"""The API's request and response bodies: input models and output models, kept apart.

Output models describe what ``engine.report.render`` produces (the action list is served as the
bytes it renders, not re-serialised); the OpenAPI schema and the schemathesis test hold the two
together.
Money is a decimal string in both directions: a JSON number would pass through a binary float.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from engine.model.ledger_fields import IMPORT_ONLY_FIELDS, RECORDS, value_schema
from engine.model.ledger_fields import MONEY_PATTERN as LEDGER_MONEY_PATTERN

MONEY_PATTERN = LEDGER_MONEY_PATTERN
Money = Annotated[
    str,
    Field(
        pattern=MONEY_PATTERN,
        description="An exact decimal amount, as a string.",
        examples=["1200.00"],
    ),
]
PositiveMoney = Annotated[
    str, Field(pattern=LEDGER_MONEY_PATTERN.replace("^-?", "^"), examples=["450.00"])
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217", examples=["GBP"])]
# Ids are printable and without spaces or slashes; no text holds a NUL (PostgreSQL refuses it).
ID_PATTERN = r"^[^\s/\x00-\x1f\x7f]+$"
TEXT_PATTERN = r"^[^\x00]*$"
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=ID_PATTERN)]


def text(max_length: int, min_length: int = 0) -> Any:
    """Return the constraints of a free-text field of at most ``max_length`` characters."""
    return Field(min_length=min_length, max_length=max_length, pattern=TEXT_PATTERN)


Amounts = dict[str, Money]
Note = Annotated[str, text(2000)]


class Out(BaseModel):
    """Base of output models."""

    model_config = ConfigDict(extra="forbid")


class In(BaseModel):
    """Base of input models: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# -- policy version --------------------------------------------------------------------------


class PolicyVersionOut(Out):
    """The policy version that produced a response."""

    commit: str | None = Field(description="The git commit, or null when served from files.")
    ref: str | None
    digest: str = Field(description="sha256 over the policy files' paths and contents.")
    source: Literal["git", "files"]
    loaded_at: dt.datetime | None


# -- actions ---------------------------------------------------------------------------------


class CustomerRef(Out):
    """A customer as actions name it."""

    id: str
    name: str


class ActionInvoiceOut(Out):
    """An invoice in an action, with what is still open on it."""

    id: str
    issued: dt.date
    due: dt.date
    currency: str
    amount: Money
    open: Money
    days_overdue: int
    step_date: dt.date
    charges_owed: Money = Field(
        description="Reminder fees and interest charged on it before and still owed."
    )


class ChargeOut(Out):
    """A fee, interest or compensation added by the step."""

    kind: str
    name: str
    invoice: str | None
    currency: str
    amount: Money
    detail: str


class ReasonOut(Out):
    """Why the action is on the list, in words, and the facts behind them."""

    text: str
    facts: dict[str, str]


class MessageOut(Out):
    """The message to send, rendered from the step's template."""

    subject: str
    body: str
    tone: str
    language: str
    note: str | None


class ActionOut(Out):
    """One thing staff must do today for one customer."""

    id: str
    date: dt.date
    customer: CustomerRef
    ladder: str
    step: str
    occurrence: int
    kind: str
    what_to_do: str
    channel: str | None
    template: str | None
    tone: str
    language: str
    assign_to: str | None
    owner: str | None
    escalate_to: str | None
    invoices: list[ActionInvoiceOut]
    totals: Amounts
    charges: list[ChargeOut]
    reasons: list[ReasonOut]
    supersedes: list[str]
    message: MessageOut | None = None


class ListTotals(Out):
    """What the actions matching the filters add up to, on all pages."""

    open_by_currency: Amounts = Field(
        description="Open amounts of their invoices, each invoice counted once however many "
        "actions it is in."
    )
    charges_by_currency: Amounts = Field(description="Fees, interest and compensation charged.")
    charges_owed_by_currency: Amounts = Field(
        description="Fees and interest charged before and still owed on their invoices, each "
        "invoice counted once."
    )


class ActionPage(Out):
    """A page of the day's action list."""

    date: dt.date
    policy_version: PolicyVersionOut
    total: int = Field(description="Actions matching the filters, on all pages.")
    totals: ListTotals
    limit: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
    items: list[ActionOut]


class ActionDetail(Out):
    """One action of the day's list."""

    date: dt.date
    policy_version: PolicyVersionOut
    action: ActionOut


# -- outcomes --------------------------------------------------------------------------------


class _OutcomeBase(In):
    note: Note = ""


class StatusOutcomeIn(_OutcomeBase):
    """The action was done, skipped, or tried and failed."""

    outcome: Literal["done", "skipped", "failed"]


class PromiseOutcomeIn(_OutcomeBase):
    """The customer promised to pay ``amount`` by ``pay_by``."""

    outcome: Literal["promise"]
    pay_by: dt.date
    amount: PositiveMoney
    currency: Currency | None = Field(
        default=None, description="Default: the action's currency, when it has only one."
    )


class DisputeOutcomeIn(_OutcomeBase):
    """The customer disputes one of the action's invoices."""

    outcome: Literal["dispute"]
    invoice: Identifier
    reason: Annotated[str, text(2000, min_length=1)]


OutcomeIn = Annotated[
    StatusOutcomeIn | PromiseOutcomeIn | DisputeOutcomeIn, Field(discriminator="outcome")
]


class PromiseRecordedOut(Out):
    """The promise to pay now in force for the action's invoices."""

    id: str
    created: bool = Field(description="False when the same promise was already in force.")
    replaces: list[str] = Field(description="The promises it replaced (kept in the history).")


class OutcomeOut(Out):
    """What was recorded for an action."""

    action_id: str
    customer: str
    step: str
    invoices: list[str]
    date: dt.date
    outcome: str
    status: str
    created: bool = Field(description="False when the same outcome was already recorded.")
    promise: PromiseRecordedOut | None = None
    policy_version: PolicyVersionOut


class WaiverIn(In):
    """A waiver of the fees and interest an action charged."""

    reason: Annotated[Note, Field(min_length=1)]


class WaiverOut(Out):
    """The waiver in force for an action's charges."""

    id: str
    action_id: str
    customer: str
    date: dt.date
    reason: str
    who: str
    created: bool = Field(description="False when the action's charges were already waived.")


# -- customers -------------------------------------------------------------------------------


class CustomerOut(Out):
    """A customer's master data, from the ledger (and the customer file's name)."""

    id: str
    name: str
    country: str | None
    segment: str | None
    language: str | None


class OpenInvoiceOut(Out):
    """An invoice with something still open on the day."""

    id: str
    issued: dt.date
    due: dt.date
    currency: str
    amount: Money
    open: Money
    days_overdue: int
    disputed: bool


class AgingBucketOut(Out):
    """Open amounts by how long they have been overdue (the policy's aging buckets)."""

    bucket: str
    label: str
    invoices: int
    amounts: Amounts


class ContactOut(Out):
    """Someone to contact at the customer."""

    name: str
    email: str
    phone: str
    role: str


class CreditLimitOut(Out):
    """The customer's credit limit."""

    amount: Money
    currency: str


class PauseOut(Out):
    """A dunning pause from the customer file (``until`` null: until further notice)."""

    until: dt.date | None
    reason: str


class EffectivePolicyOut(Out):
    """The policy in force for the customer, and which layer set each value."""

    ladder: str
    terms: str
    tone: str
    language: str
    skip: list[str]
    delay: dict[str, int]
    exempt: list[str]
    credit_limit: CreditLimitOut | None
    pause: PauseOut | None
    owner: str | None
    contacts: list[ContactOut]
    decided_by: dict[str, str] = Field(
        description="For each value: 'policy defaults', an assignment rule, the customer file, "
        "or 'ledger'."
    )


class SuppressionOut(Out):
    """Something held back today, and why."""

    customer: CustomerRef
    code: str
    reason: str
    step: str | None
    invoices: list[str]
    until: dt.date | None


class HistoryEntryOut(Out):
    """An action that was worked (or superseded)."""

    action_id: str
    step: str
    invoices: list[str]
    date: dt.date
    status: str


class PromiseOut(Out):
    """A promise to pay; one replaced by a later promise names it."""

    id: str
    made: dt.date
    pay_by: dt.date
    amount: Money
    currency: str
    invoices: list[str]
    superseded_by: str | None = Field(
        default=None, description="The later promise that replaced this one, if any."
    )
    superseded_on: dt.date | None = None


class DisputeOut(Out):
    """A dispute of an invoice."""

    id: str
    invoice: str
    opened: dt.date
    resolved: dt.date | None
    reason: str


class ChargeOwedOut(Out):
    """A reminder fee or interest an action charged, with what was paid and waived of it."""

    action_id: str
    step: str
    kind: Literal["fee", "interest"]
    date: dt.date = Field(description="The day the step that charged it was done.")
    invoice: str | None = Field(description="The invoice it belongs to.")
    invoices: list[str] = Field(description="Every invoice of the action.")
    currency: str
    amount: Money
    paid: Money
    waived: Money
    owed: Money
    waiver: str | None = Field(description="The waiver that took it off, if any.")


class CustomerDetail(Out):
    """A customer's state on a day: what is open, what applies, what is held back, what happened."""

    date: dt.date
    policy_version: PolicyVersionOut
    customer: CustomerOut
    balance: Amounts
    overdue: Amounts
    charges_owed: Amounts = Field(description="Fees and interest charged and still owed.")
    total_owed: Amounts = Field(description="The balance plus the charges owed.")
    charges: list[ChargeOwedOut]
    aging: list[AgingBucketOut]
    open_invoices: list[OpenInvoiceOut]
    effective_policy: EffectivePolicyOut
    actions: list[ActionOut]
    suppressions: list[SuppressionOut]
    history: list[HistoryEntryOut]
    promises: list[PromiseOut]
    disputes: list[DisputeOut]


# -- policy ----------------------------------------------------------------------------------


class ProblemOut(Out):
    """A problem found in a policy file."""

    file: str
    line: int
    column: int
    code: str
    message: str
    path: str


class ReloadAttemptOut(Out):
    """The last load or reload of the policy."""

    at: dt.datetime
    trigger: Literal["startup", "request", "ref-moved"]
    ok: bool
    message: str
    commit: str | None
    digest: str | None
    problems: list[ProblemOut]


class StepOut(Out):
    """A ladder step."""

    id: str
    at: str
    kind: str
    channel: str | None
    template: str | None
    tone: str | None = None  # the step's own tone, over the customer's
    fee: str | None
    interest: str | None
    repeat_days: int | None
    repeat_months: int | None
    max_repeats: int | None
    when: StepConditionOut | None
    assign: str | None
    to: str | None
    min_balance: Amounts
    currencies: list[str] = Field(description="The step is for these currencies only (empty: all).")
    expires_days: int | None = Field(description="Not sent more than this many days late.")
    after_due: Literal["send", "skip"] | None = Field(
        description="Whether the step may go out on or after the due date (None: only a step "
        "dated on or after it)."
    )
    description: str


class StepConditionOut(Out):
    """When a step applies: every condition given must hold."""

    min_open_invoices: int | None
    overdue_above: Amounts
    segment: list[str]


class LadderOut(Out):
    """A dunning ladder."""

    name: str
    description: str
    catch_up: Literal["highest_step", "one_level_per_run"]
    currencies: list[str] = Field(
        description="The ladder chases these currencies only (empty: all)."
    )
    split_by_currency: bool
    steps: list[StepOut]


class TermOut(Out):
    """Credit terms."""

    name: str
    description: str
    net_days: int | None
    from_end_of_month: bool
    day_of_next_month: int | None
    discount_percent: str | None
    discount_days: int | None


class PolicyOut(Out):
    """The policy in force, where it comes from, and the state of the last reload."""

    mode: Literal["git", "files"]
    ref: str | None
    note: str | None
    degraded: bool = Field(description="True when the last reload was refused.")
    policy_version: PolicyVersionOut | None
    name: str | None
    timezone: str | None
    base_currency: str | None
    defaults: dict[str, str]
    min_balance: Amounts
    other_currencies: Literal["chased", "not_chased"] | None = Field(
        description="Whether invoices in a currency min_balance does not name are chased (None: "
        "the policy does not say, and they are not)."
    )
    ladders: list[LadderOut]
    terms: list[TermOut]
    customers_with_files: int
    last_reload: ReloadAttemptOut | None


# -- ledger imports --------------------------------------------------------------------------

MAX_IMPORT_ROWS = 50_000


def _rule(section: str, name: str) -> WithJsonSchema:
    """Return the OpenAPI schema of a ledger field in an import row.

    Row fields are text, checked when the rows are imported by the ledger's own rules
    (``engine.model.ledger_fields``, as CSV imports and ledger files are), so a bad value gets
    the same code and words wherever it comes from; the schema shows the rule's pattern and
    length.
    """
    rules = {**RECORDS[section], **IMPORT_ONLY_FIELDS}
    return WithJsonSchema(value_schema(rules[name]))


LedgerId = Annotated[str, _rule("invoices", "id")]
CountryCode = Annotated[str, _rule("customers", "country")]
LanguageCode = Annotated[str, _rule("customers", "language")]
CustomerName = Annotated[str, _rule("customers", "name")]
Email = Annotated[str, _rule("customers", "email")]
InvoiceNumber = Annotated[str, _rule("invoices", "number")]
LedgerCurrency = Annotated[str, _rule("invoices", "currency")]
LedgerDate = Annotated[str, _rule("invoices", "issued")]
LedgerAmount = Annotated[str, _rule("invoices", "amount")]
TaxIncluded = Annotated[str, _rule("invoices", "tax")]
DisputeReason = Annotated[str, _rule("disputes", "reason")]
WriteOffReason = Annotated[str, _rule("write_offs", "reason")]
Person = Annotated[str, _rule("write_offs", "by")]
ReversalKind = Annotated[str, _rule("reversals", "kind")]


class CustomerRowIn(In):
    """A customer as the accounting system knows it."""

    id: LedgerId
    name: CustomerName = ""
    country: CountryCode | None = None
    segment: LedgerId | None = None
    email: Email = ""
    language: LanguageCode | None = None


class InvoiceRowIn(In):
    """An invoice; ``due`` and ``terms`` override the customer's terms."""

    id: LedgerId
    customer: LedgerId
    number: InvoiceNumber | None = None
    issued: LedgerDate
    due: LedgerDate | None = None
    terms: LedgerId | None = None
    amount: LedgerAmount
    currency: LedgerCurrency
    tax: TaxIncluded | None = Field(
        None,
        description="The tax (VAT) included in the amount: the base of an early-payment"
        " discount taken net of tax (`discounts: {base: net}`). At most the amount.",
    )


class CashRowIn(In):
    """A payment or credit note, applied to ``invoice`` or left on the account."""

    id: LedgerId
    customer: LedgerId
    date: LedgerDate
    amount: LedgerAmount
    currency: LedgerCurrency
    invoice: LedgerId | None = None


class DisputeRowIn(In):
    """A dispute of an invoice, open until ``resolved``."""

    id: LedgerId
    invoice: LedgerId
    opened: LedgerDate
    resolved: LedgerDate | None = None
    reason: DisputeReason = ""


class WriteOffRowIn(In):
    """A write-off of part or all of an invoice, with who wrote it off and why."""

    id: LedgerId
    customer: LedgerId
    invoice: LedgerId
    date: LedgerDate
    amount: LedgerAmount
    currency: LedgerCurrency
    reason: WriteOffReason
    by: Person
    approved_by: Person | None = None


class ReversalRowIn(In):
    """A refund, chargeback or reversal of a payment (or the reversal of a credit note)."""

    id: LedgerId
    customer: LedgerId
    kind: ReversalKind
    date: LedgerDate
    amount: LedgerAmount
    currency: LedgerCurrency
    payment: LedgerId | None = None
    credit_note: LedgerId | None = None
    reason: WriteOffReason = ""


class CancellationRowIn(In):
    """The cancellation of an invoice (voided in the accounting system), with who and why."""

    id: LedgerId
    customer: LedgerId
    invoice: LedgerId
    date: LedgerDate
    reason: Annotated[str, _rule("cancellations", "reason")]
    cancelled_by: Annotated[str, _rule("cancellations", "cancelled_by")]


class CustomersIn(In):
    """Customers to insert or update, all or none."""

    rows: Annotated[list[CustomerRowIn], Field(max_length=MAX_IMPORT_ROWS)]


class InvoicesIn(In):
    """Invoices to insert or update, all or none."""

    rows: Annotated[list[InvoiceRowIn], Field(max_length=MAX_IMPORT_ROWS)]


class CashIn(In):
    """Payments or credit notes to insert or update, all or none."""

    rows: Annotated[list[CashRowIn], Field(max_length=MAX_IMPORT_ROWS)]


class DisputesIn(In):
    """Disputes to insert or update, all or none."""

    rows: Annotated[list[DisputeRowIn], Field(max_length=MAX_IMPORT_ROWS)]


class WriteOffsIn(In):
    """Write-offs to insert, all or none."""

    rows: Annotated[list[WriteOffRowIn], Field(max_length=MAX_IMPORT_ROWS)]


class ReversalsIn(In):
    """Refunds, chargebacks and reversals to insert, all or none."""

    rows: Annotated[list[ReversalRowIn], Field(max_length=MAX_IMPORT_ROWS)]


class CancellationsIn(In):
    """Cancellations to insert, all or none."""

    rows: Annotated[list[CancellationRowIn], Field(max_length=MAX_IMPORT_ROWS)]


class ImportOut(Out):
    """What a ledger import changed (importing the same rows again changes nothing)."""

    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    policy_version: PolicyVersionOut | None


# -- health ----------------------------------------------------------------------------------


class HealthOut(Out):
    """The process is up."""

    status: Literal["ok"]


class ReadyOut(Out):
    """Whether the service can answer: a valid policy and a reachable database."""

    status: Literal["ready", "degraded", "unavailable"]
    policy_version: PolicyVersionOut | None
    database: Literal["ok", "unreachable"]
    reasons: list[str]


# -- problems --------------------------------------------------------------------------------


class FieldProblem(Out):
    """One invalid value of a request."""

    field: str = Field(description="Where: `query.limit`, `body.rows[3].amount`.")
    pointer: str | None = Field(default=None, description="JSON Pointer into the request body.")
    detail: str
    code: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldProblem] | None = None
