"""Rule "fees and interest": what a step charges, per currency and per invoice, capped.

A step with a ``fee`` charges it once per currency of its action, on the overdue amount in that
currency; a step with ``interest`` charges statutory interest on each overdue invoice since it was
last charged, and the fixed compensation once per invoice. A repetition of a repeat step charges
nothing new; a customer exempt from fees or interest is charged none, and the action says so.
The total per currency is capped by ``guardrails.max_fee_share`` of the overdue amount:
compensation is trimmed first, then interest, then fees. The amounts themselves are
``engine.rules.fees``' and ``engine.rules.interest``'s; the rules, with worked examples, are in
docs/rules/dates-and-money.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING

from engine.model.actions import Charge, Reason
from engine.model.ledger import ActionRecord, ActionStatus
from engine.model.money import ROUNDING_NAME, ZERO, format_money, minor_units
from engine.model.policy import Step
from engine.rules import explain
from engine.rules.fees import compensation, fee_amount
from engine.rules.interest import MissingReferenceRateError, statutory_interest

if TYPE_CHECKING:
    from engine.rules.account import Account
    from engine.rules.history import PendingItem

# The order in which the fee-share guardrail trims charges.
_TRIM_ORDER = {"compensation": 0, "interest": 1, "fee": 2}


def step_charges(
    account: Account, step: Step, occurrence: int, items: Sequence[PendingItem]
) -> tuple[list[Charge], list[Reason]]:
    """Return a step's fees, interest and compensation, capped, and the reasons that go with
    them (an exemption, a missing rate, a trimmed charge)."""
    charges: list[Charge] = []
    reasons: list[Reason] = []
    if occurrence or (step.fee is None and step.interest is None):
        return charges, reasons  # a repetition charges nothing new
    rules = account.context.policy
    policy = account.policy
    overdue: dict[str, Decimal] = {}
    for it in items:
        if it.day.days_overdue > 0:
            currency = it.invoice.currency
            overdue[currency] = overdue.get(currency, ZERO) + it.open
    if step.fee is not None:
        if "fees" in policy.exempt:
            reasons.append(explain.exempt_reason("fees", policy, step))
        else:
            fee = rules.fees[step.fee]
            for currency in sorted({it.invoice.currency for it in items}):
                base = overdue.get(currency, ZERO)
                amount = fee_amount(fee, base, currency)
                if amount is None or amount <= 0:
                    continue
                detail = (
                    f"fee '{fee.name}' on the overdue {format_money(base, currency)}; "
                    f"rounded {ROUNDING_NAME}"
                )
                charges.append(Charge("fee", fee.name, None, currency, amount, detail))
    if step.interest is not None:
        if "interest" in policy.exempt:
            reasons.append(explain.exempt_reason("interest", policy, step))
        else:
            charges.extend(interest_charges(account, step.interest, items, reasons))
    share = rules.guardrails.max_fee_share
    if share is not None and charges:
        charges = cap_charges(charges, share, overdue, reasons)
    return charges, reasons


def interest_charged(history: Iterable[ActionRecord]) -> dict[str, date]:
    """Return, per invoice, the last date interest (and compensation) was charged on it."""
    out: dict[str, date] = {}
    for record in history:
        interest = record.interest
        if record.status == ActionStatus.DONE and interest is not None and interest > 0:
            for invoice_id in record.invoice_ids:
                if invoice_id not in out or out[invoice_id] < record.date:
                    out[invoice_id] = record.date
    return out


def interest_charges(
    account: Account, scheme_name: str, items: Sequence[PendingItem], reasons: list[Reason]
) -> list[Charge]:
    """Return the interest on each overdue invoice since it was last charged, and the fixed
    compensation of those never charged; a missing rate adds a reason to ``reasons``."""
    rules = account.context.policy
    scheme = rules.interest[scheme_name]
    rate = rules.reference_rates[scheme.reference]
    history = account.ledger.history
    charged = interest_charged(history) if history else {}
    out: list[Charge] = []
    for it in items:
        invoice = it.invoice
        if it.day.days_overdue <= 0:
            continue
        currency = invoice.currency
        since = charged.get(invoice.id)
        settlements = (*invoice.settlements, *account.allocated.get(invoice.id, ()))
        try:
            result = statutory_interest(
                scheme,
                rate,
                invoice.amount,
                settlements,
                it.day.dates.due,
                account.as_of,
                currency,
                since,
                invoice.issued,
            )
        except MissingReferenceRateError as error:
            # The fixed compensation does not depend on the rate: it is still charged.
            reasons.append(explain.interest_error_reason(invoice, str(error)))
        else:
            if result.amount > 0:
                detail = f"{result.explain()}; rounded {ROUNDING_NAME}"
                amount = result.amount
                out.append(Charge("interest", scheme.name, invoice.id, currency, amount, detail))
        if since is None and invoice.id not in account.charge_only:
            # Compensation is for the debt itself: never on an invoice owed only for charges.
            fixed = compensation(scheme, it.open, currency)
            if fixed is not None and fixed > 0:
                detail = (
                    f"fixed compensation for a debt of {format_money(it.open, currency)}, "
                    f"once per invoice"
                )
                out.append(Charge("compensation", scheme.name, invoice.id, currency, fixed, detail))
    return out


def cap_charges(
    charges: list[Charge], share: Decimal, overdue: Mapping[str, Decimal], reasons: list[Reason]
) -> list[Charge]:
    """Return the charges trimmed so each currency's total stays within the fee-share guardrail.

    Compensation is trimmed first, then interest, then fees (each from the last invoice back);
    each trimmed currency adds a reason to ``reasons``.
    """
    out = list(charges)
    for currency in sorted({c.currency for c in charges}):
        total = sum((c.amount for c in out if c.currency == currency), ZERO)
        base = overdue.get(currency, ZERO)
        quantum = Decimal(1).scaleb(-minor_units(currency))
        cap = (share * base).quantize(quantum, rounding=ROUND_DOWN)
        if total <= cap:
            continue
        excess = total - cap
        positions = sorted(
            (i for i, c in enumerate(out) if c.currency == currency),
            key=lambda i: (_TRIM_ORDER.get(out[i].kind, 3), -i),
        )
        for i in positions:
            if excess <= 0:
                break
            charge = out[i]
            cut = min(charge.amount, excess)
            excess -= cut
            trimmed = charge.amount - cut
            note = (
                f"; trimmed from {format_money(charge.amount, currency)} to "
                f"{format_money(trimmed, currency)} by guardrails.max_fee_share"
            )
            out[i] = Charge(
                charge.kind, charge.name, charge.invoice_id, currency, trimmed, charge.detail + note
            )
        reasons.append(explain.fee_cap_reason(currency, total, cap, share, base))
    return [c for c in out if c.amount > 0]
