"""Rule "credit exposure": what each customer owes against its credit limit, on a day.

A customer's **exposure** is its open balance in its credit limit's currency: the open amounts
of rule "portfolio aging" (after unapplied cash and credits as the policy applies them), the very
balance rule "credit hold" compares with the limit (``engine.rules.credit_hold``). **Headroom** is
the limit less the exposure (negative when over); **used** the exposure as a share of the limit;
**over the limit** is rule "credit hold"'s own test (``exceeds_limit``). The limit is the
effective one (the customer's file, else the policy's assignment), docs/rules/reports.md.

Customers without a credit limit are summed per currency as exposure without a limit, so the
report still accounts for every open amount. Beside the exposure: the customers whose credit limit
is **due for review**, by rule "credit limit review" (``engine.rules.credit_review``), less those
whose review the action log records done since it fell due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.model.ledger import CustomerLedger
from engine.model.money import ZERO
from engine.model.policy import CreditLimit
from engine.rules.context import EvaluationContext
from engine.rules.credit_hold import exceeds_limit
from engine.rules.credit_review import ReviewDue, customers_due_for_review, review_done_since
from engine.rules.portfolio import customer_aging


@dataclass(frozen=True, slots=True)
class CustomerExposure:
    """One customer's open balance and overdue part in its limit's currency, against the limit."""

    customer_id: str
    name: str
    limit: CreditLimit
    exposure: Decimal
    overdue: Decimal
    review_due: date | None = None  # the day its credit limit review fell due, if it is due

    @property
    def headroom(self) -> Decimal:
        """Return the limit less the exposure (negative when over the limit)."""
        return self.limit.amount - self.exposure

    @property
    def used(self) -> Decimal | None:
        """Return the exposure as a fraction of the limit (None for a limit of zero)."""
        return self.exposure / self.limit.amount if self.limit.amount else None

    @property
    def over(self) -> bool:
        """Return whether the exposure is above the limit (rule "credit hold")."""
        return exceeds_limit(self.exposure, self.limit)


@dataclass(frozen=True, slots=True)
class CurrencyExposure:
    """The totals of one currency: limits, exposure against them, and exposure without one."""

    currency: str
    customers: int
    limits: Decimal
    exposure: Decimal
    over_limit: int
    without_limit: Decimal
    customers_without_limit: int


@dataclass(frozen=True, slots=True)
class ExposureReport:
    """Every customer with a credit limit (most used first), the totals per currency, and the
    customers due for a credit limit review (by the day it fell due)."""

    as_of: date
    customers: tuple[CustomerExposure, ...]
    currencies: tuple[CurrencyExposure, ...]
    reviews: tuple[ReviewDue, ...] = ()


def credit_exposure(
    context: EvaluationContext, ledgers: Iterable[CustomerLedger], as_of: date
) -> ExposureReport:
    """Return every customer's exposure against its credit limit on ``as_of``, and the reviews
    due that day."""
    rows: list[CustomerExposure] = []
    unlimited: dict[str, tuple[Decimal, int]] = {}
    reviews = {r.customer_id: r for r in customers_due_for_review(context.policy, as_of)}
    for ledger in ledgers:
        customer = ledger.customer
        review = reviews.get(customer.id)
        if review is not None and review_done_since(
            (r for r in ledger.history if r.date <= as_of), review.due
        ):
            del reviews[customer.id]
            review = None
        limit = context.effective.shared(customer, context.rule_currencies(ledger)).credit_limit
        amounts = customer_aging(context, ledger, as_of) if ledger.invoices else {}
        if limit is None:
            for currency, aged in amounts.items():
                total, count = unlimited.get(currency, (ZERO, 0))
                unlimited[currency] = (total + aged.total, count + 1)
            continue
        aged_in = amounts.get(limit.currency)
        rows.append(
            CustomerExposure(
                customer.id,
                customer.name,
                limit,
                aged_in.total if aged_in is not None else ZERO,
                aged_in.overdue if aged_in is not None else ZERO,
                review.due if review is not None else None,
            )
        )
    rows.sort(key=lambda r: (r.limit.currency, -(r.used or ZERO), r.customer_id))
    currencies = sorted({r.limit.currency for r in rows} | set(unlimited))
    totals = []
    for currency in currencies:
        mine = [r for r in rows if r.limit.currency == currency]
        free, free_count = unlimited.get(currency, (ZERO, 0))
        totals.append(
            CurrencyExposure(
                currency,
                len(mine),
                sum((r.limit.amount for r in mine), ZERO),
                sum((r.exposure for r in mine), ZERO),
                sum(1 for r in mine if r.over),
                free,
                free_count,
            )
        )
    due = tuple(sorted(reviews.values(), key=lambda r: (r.due, r.customer_id)))
    return ExposureReport(as_of, tuple(rows), tuple(totals), due)
