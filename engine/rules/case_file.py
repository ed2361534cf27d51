"""Rule "case totals": what a case file for an agency or a solicitor claims, line by line.

The statement of account of a hand-off lists, per currency:

- each invoice with something open on the day, with its amount, what was paid or credited on it
  and the open amount (rule "open amounts");
- each payment or credit note left on the account, not applied to an invoice, as a negative line;
- the fees and interest the ladder's steps charged (the action log), with the step and the day;
- the statutory interest accrued since it was last charged, up to the day, and the fixed
  compensation of invoices never charged, under the interest scheme of the customer's ladder
  (``engine.rules.interest``, ``engine.rules.fees``), each with how it was computed.

The invoice and account lines add up to the customer's **balance** of rule "balances"
(``engine.rules.balances``), to the cent; the claim adds the charges and the interest to date.
docs/rules/handoff.md states the rule with a worked example.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.model.ledger import ActionStatus, CustomerLedger, Invoice, Payment, Settlement
from engine.model.money import ROUNDING_NAME, ZERO, format_money
from engine.model.policy import InterestScheme, Ladder, StepAction
from engine.rules.balances import account_balances
from engine.rules.charges import interest_charged
from engine.rules.context import EvaluationContext
from engine.rules.fees import compensation
from engine.rules.interest import MissingReferenceRateError, statutory_interest
from engine.rules.open_items import open_items, with_unapplied_cash

# The kinds of line, in the order a statement shows them.
LINE_KINDS = ("invoice", "credit", "fee", "interest", "compensation")


@dataclass(frozen=True, slots=True)
class CaseLine:
    """One line of a case's statement of account; ``amount`` is what it adds to the claim."""

    kind: str  # invoice | credit | fee | interest | compensation
    ref: str  # the invoice, the payment or credit note, or the step that charged
    day: date  # issued, received, charged, or the day interest runs to
    currency: str
    amount: Decimal
    invoices: tuple[str, ...] = ()
    due: date | None = None
    days_overdue: int | None = None
    original: Decimal | None = None  # the invoice's amount
    paid: Decimal | None = None  # paid or credited on the invoice
    disputed: bool = False
    accrued: bool = False  # interest to date, not yet charged by a step
    how: str = ""


@dataclass(frozen=True, slots=True)
class CaseTotals:
    """A case's totals in one currency: the balance, what was charged, the claim."""

    currency: str
    invoices: Decimal  # open on the invoices
    credits: Decimal  # cash and credits on the account (zero or negative)
    balance: Decimal  # the customer's balance (rule "balances"): invoices + credits
    charged: Decimal  # fees and interest the ladder's steps charged
    interest_to_date: Decimal  # interest and compensation accrued since, not yet charged
    claim: Decimal  # balance + charged + interest_to_date


@dataclass(frozen=True, slots=True)
class CaseAmounts:
    """The amounts of a case file on a day: its lines, totals per currency and any notes."""

    customer_id: str
    as_of: date
    lines: tuple[CaseLine, ...]
    totals: tuple[CaseTotals, ...]
    interest_scheme: str | None
    notes: tuple[str, ...] = ()

    def total(self, currency: str) -> CaseTotals | None:
        """Return the totals in ``currency``, or None when the case has none in it."""
        return next((t for t in self.totals if t.currency == currency), None)


def ladder_interest(ladder: Ladder) -> str | None:
    """Return the interest scheme the ladder claims (its last step that charges interest)."""
    schemes = [step.interest for step in ladder.steps if step.interest is not None]
    return schemes[-1] if schemes else None


def case_amounts(context: EvaluationContext, ledger: CustomerLedger, as_of: date) -> CaseAmounts:
    """Return the lines and totals of the customer's case file on ``as_of``."""
    ledger = context.ledger_on(ledger, as_of)
    rules = context.effective.get(ledger.customer, context.rule_currencies(ledger))
    balances = account_balances(context, ledger, as_of)
    disputed = {entry.invoice.id for entry in balances.invoices if entry.disputed}
    lines: list[CaseLine] = []
    before = open_items(ledger.invoices, as_of)
    for invoice, amount in before:
        day = context.dates_of(invoice, rules, as_of)
        lines.append(
            CaseLine(
                "invoice",
                invoice.id,
                invoice.issued,
                invoice.currency,
                amount,
                (invoice.id,),
                day.dates.due,
                day.days_overdue,
                invoice.amount,
                invoice.amount - amount,
                invoice.id in disputed,
            )
        )
    for item in sorted(ledger.unapplied, key=lambda u: (u.date, u.id)):
        if item.date <= as_of:
            word = "payment" if isinstance(item, Payment) else "credit note"
            lines.append(
                CaseLine(
                    "credit",
                    item.id,
                    item.date,
                    item.currency,
                    -item.amount,
                    how=f"{word} received on the account, not applied to an invoice",
                )
            )
    lines += _charged(ledger, as_of)
    scheme_name = ladder_interest(rules.ladder)
    notes: list[str] = []
    if scheme_name is not None and "interest" not in rules.exempt:
        _, allocated = with_unapplied_cash(
            context.policy,
            ledger,
            before,
            as_of,
            lambda invoice: context.dates_of(invoice, rules, as_of).dates.due,
        )
        scheme = context.policy.interest[scheme_name]
        for line in [line for line in lines if line.kind == "invoice"]:
            invoice = next(i for i in ledger.invoices if i.id == line.ref)
            lines += _accrued(
                context,
                scheme,
                invoice,
                line,
                allocated.get(invoice.id, ()),
                ledger,
                as_of,
                notes,
            )
    lines.sort(key=lambda line: (line.currency, LINE_KINDS.index(line.kind), line.day, line.ref))
    return CaseAmounts(
        ledger.customer.id,
        as_of,
        tuple(lines),
        _totals(lines, balances.balance),
        scheme_name,
        tuple(notes),
    )


def _charged(ledger: CustomerLedger, as_of: date) -> list[CaseLine]:
    """Return the fees and interest the ladder's steps charged on or before ``as_of``."""
    out = []
    for record in ledger.history:
        if record.status != ActionStatus.DONE or record.currency is None or record.date > as_of:
            continue
        for kind, value in (("fee", record.fee), ("interest", record.interest)):
            if value is not None and value > 0:
                out.append(
                    CaseLine(
                        kind,
                        record.step,
                        record.date,
                        record.currency,
                        value,
                        record.invoice_ids,
                        how=f"charged by step '{record.step}' on {record.date.isoformat()}",
                    )
                )
    return out


def _accrued(  # noqa: PLR0917 - the invoice's facts, worked out by the caller once
    context: EvaluationContext,
    scheme: InterestScheme,
    invoice: Invoice,
    line: CaseLine,
    allocated: Sequence[Settlement],
    ledger: CustomerLedger,
    as_of: date,
    notes: list[str],
) -> list[CaseLine]:
    """Return the interest accrued on one invoice since it was last charged, and its fixed
    compensation when none was ever charged."""
    if line.due is None or line.days_overdue is None or line.days_overdue <= 0:
        return []
    currency = invoice.currency
    since = interest_charged(ledger.history).get(invoice.id)
    out: list[CaseLine] = []
    rate = context.policy.reference_rates[scheme.reference]
    try:
        result = statutory_interest(
            scheme,
            rate,
            invoice.amount,
            (*invoice.settlements, *allocated),
            line.due,
            as_of,
            currency,
            since,
            invoice.issued,
        )
    except MissingReferenceRateError as error:
        notes.append(f"No interest to date on {invoice.id}: {error}")
    else:
        if result.amount > 0:
            out.append(
                CaseLine(
                    "interest",
                    scheme.name,
                    as_of,
                    currency,
                    result.amount,
                    (invoice.id,),
                    accrued=True,
                    how=f"{result.explain()}; rounded {ROUNDING_NAME}",
                )
            )
    if since is None:
        fixed = compensation(scheme, line.amount, currency)
        if fixed is not None and fixed > 0:
            out.append(
                CaseLine(
                    "compensation",
                    scheme.name,
                    as_of,
                    currency,
                    fixed,
                    (invoice.id,),
                    accrued=True,
                    how=(
                        f"fixed compensation for a debt of {format_money(line.amount, currency)},"
                        " once per invoice"
                    ),
                )
            )
    return out


def _totals(lines: Iterable[CaseLine], balance: Mapping[str, Decimal]) -> tuple[CaseTotals, ...]:
    """Return the totals per currency; the balance is the rule "balances"' own figure."""
    sums: dict[str, dict[str, Decimal]] = {}
    for line in lines:
        column = "charged" if line.kind in {"fee", "interest", "compensation"} else line.kind
        if line.accrued:
            column = "accrued"
        per = sums.setdefault(line.currency, {})
        per[column] = per.get(column, ZERO) + line.amount
    out = []
    for currency in sorted(set(sums) | set(balance)):
        per = sums.get(currency, {})
        owed = balance.get(currency, ZERO)
        charged, accrued = per.get("charged", ZERO), per.get("accrued", ZERO)
        out.append(
            CaseTotals(
                currency,
                per.get("invoice", ZERO),
                per.get("credit", ZERO),
                owed,
                charged,
                accrued,
                owed + charged + accrued,
            )
        )
    return tuple(out)


def letter_before_action(ladder: Ladder) -> str | None:
    """Return the id of the ladder's letter before action: its last letter step before the first
    escalation (or its last letter step when it never escalates), or None when it sends none."""
    letter: str | None = None
    for step in ladder.steps:
        if step.action is StepAction.ESCALATE:
            break
        if step.is_contact and step.channel == "letter":
            letter = step.id
    return letter
