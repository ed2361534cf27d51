"""Rule "portal answers": what a customer may answer on the payment portal, and what it becomes.

- **"I will pay on …"** is a promise to pay: on a day from today to ``promise_max_days`` ahead
  (``portal:`` of the payment file), an amount more than zero, in whole minor units of the
  currency, at most what is due in it and at least ``promise_min_amount`` of it (or all of it
  when less is due). It is recorded as a promise to pay, and the rule "promise kept or broken"
  does the rest.
- **"I have paid"** (on a day, an amount, a reference) holds the chasing of the account in that
  currency back while the money travels: it is recorded as a promise to pay that amount, made
  on the day paid, by ``paid_hold_days`` after the answer. A payment that arrives keeps it; when
  none does, the promise is broken, chasing resumes and the action says why. The day paid is at
  most a year back and never in the future.
- **"There is a problem with this invoice"** opens a dispute on one open invoice: the rule
  "suppressions" stops chasing it.

Amounts and dates are read by the ledger's own field rules (``engine.model.ledger_fields``), so
the portal takes what the ledger takes. A problem is a ``(field, code, values)`` the portal puts
into the customer's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from engine.model.ledger_fields import RECORDS, Invalid, check_amount, read_amount, read_date
from engine.model.money import ZERO
from engine.model.payment import PortalRules
from engine.rules.statement import Statement

# How far back a customer may say they paid.
PAID_LOOKBACK_DAYS = 366


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """Why an answer cannot be taken: the form field it is about, a stable code, the values to
    quote."""

    about: str
    code: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PromiseTerms:
    """A promise to pay as it goes into the ledger."""

    made: date
    pay_by: date
    amount: Decimal
    currency: str


def promise_from_answer(
    rules: PortalRules,
    statement: Statement,
    *,
    currency: str,
    amount: str,
    pay_on: str,
    today: date,
) -> PromiseTerms | AnswerProblem:
    """Return the promise an "I will pay on …" answer makes, or the first problem with it."""
    due = statement.due.get(currency)
    if due is None:
        return AnswerProblem("currency", "nothing_due", {"currency": currency})
    value = _amount(amount, currency)
    if isinstance(value, AnswerProblem):
        return value
    day = _day("pay_on", pay_on)
    if isinstance(day, AnswerProblem):
        return day
    last = today + timedelta(days=rules.promise_max_days)
    if not today <= day <= last:
        return AnswerProblem(
            "pay_on", "promise_date", {"first": today.isoformat(), "last": last.isoformat()}
        )
    if value > due:
        return AnswerProblem("amount", "more_than_due", {"due": str(due), "currency": currency})
    least = min(rules.promise_min_amount.get(currency, ZERO), due)
    if value < least:
        return AnswerProblem("amount", "below_minimum", {"least": str(least), "currency": currency})
    return PromiseTerms(today, day, value, currency)


def paid_hold(
    rules: PortalRules,
    statement: Statement,
    *,
    currency: str,
    amount: str,
    paid_on: str,
    today: date,
) -> PromiseTerms | AnswerProblem:
    """Return the hold an "I have paid" answer places (as a promise), or the first problem."""
    if currency not in statement.due:
        return AnswerProblem("currency", "nothing_due", {"currency": currency})
    value = _amount(amount, currency)
    if isinstance(value, AnswerProblem):
        return value
    day = _day("paid_on", paid_on)
    if isinstance(day, AnswerProblem):
        return day
    first = today - timedelta(days=PAID_LOOKBACK_DAYS)
    if not first <= day <= today:
        return AnswerProblem(
            "paid_on", "paid_date", {"first": first.isoformat(), "last": today.isoformat()}
        )
    return PromiseTerms(day, today + timedelta(days=rules.paid_hold_days), value, currency)


def disputable(statement: Statement, invoice_id: str) -> AnswerProblem | None:
    """Return why ``invoice_id`` cannot be disputed on the portal (not open, or already), or
    None."""
    for entry in statement.invoices:
        if entry.invoice.id == invoice_id:
            return AnswerProblem("invoice", "already_disputed") if entry.disputed else None
    return AnswerProblem("invoice", "not_open")


def _amount(text: str, currency: str) -> Decimal | AnswerProblem:
    value = read_amount(text.strip() if text else "")
    if isinstance(value, Invalid):
        return AnswerProblem("amount", "not_an_amount", {"rule": value.rule})
    wrong = check_amount(value, currency, RECORDS["promises"]["amount"])
    if wrong is not None:
        return AnswerProblem("amount", "not_an_amount", {"rule": wrong.rule})
    return value


def _day(name: str, text: str) -> date | AnswerProblem:
    value = read_date(text.strip() if text else "")
    if isinstance(value, Invalid):
        return AnswerProblem(name, "not_a_date", {"rule": value.rule})
    return value
