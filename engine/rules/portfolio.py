"""Rule "portfolio aging": the whole ledger's open receivables on a day, per currency.

Each customer's open invoices, amounts, due dates and aging buckets are those of rule "balances"
(``engine.rules.balances``): the very figures of the customer page and the daily list. Here they
are summed per currency (never converted: a report in three currencies has three totals) and,
when asked, kept per customer. The ledger is read one customer at a time, so a million invoices
stream through in the memory of the largest customer plus the totals.

- **total receivables**: the open amounts of the open invoices, after unapplied cash and credits
  as the policy applies them (what the aging buckets add up to);
- **current receivables**: the part that is current under the policy's definition
  (``reports.current``: not yet due by default);
- **overdue**: the part past its due date.
"""

from __future__ import annotations

from bisect import insort
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.model.ledger import CustomerLedger
from engine.model.money import ZERO
from engine.rules.aging import AgingScheme, aging_scheme
from engine.rules.balances import account_balances
from engine.rules.context import EvaluationContext


@dataclass(frozen=True, slots=True)
class AgedAmounts:
    """Open receivables in one currency, by aging bucket (in ``AgingScheme.buckets`` order)."""

    currency: str
    buckets: tuple[Decimal, ...]
    counts: tuple[int, ...]
    total: Decimal
    current: Decimal
    overdue: Decimal
    invoices: int
    customers: int

    @property
    def overdue_share(self) -> Decimal | None:
        """Return the overdue part of the total as a fraction (None when nothing is open)."""
        return self.overdue / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class CustomerAging:
    """One customer's open receivables in one currency, by aging bucket."""

    customer_id: str
    name: str
    amounts: AgedAmounts


@dataclass(frozen=True, slots=True)
class PortfolioAging:
    """The open receivables of the whole ledger on ``as_of``: per currency, and per customer."""

    as_of: date
    scheme: AgingScheme
    currencies: tuple[AgedAmounts, ...]  # by currency code
    customers: tuple[CustomerAging, ...]  # by currency, then largest total first; () unless asked

    def currency(self, code: str) -> AgedAmounts:
        """Return the totals in ``code`` (all zero when nothing is open in it)."""
        for amounts in self.currencies:
            if amounts.currency == code:
                return amounts
        return _Tally(code, len(self.scheme.buckets)).freeze()


class _Tally:
    """A running sum of open invoices in one currency."""

    __slots__ = ("buckets", "counts", "currency", "current", "customers", "invoices", "overdue")

    def __init__(self, currency: str, size: int) -> None:
        self.currency = currency
        self.buckets = [ZERO] * size
        self.counts = [0] * size
        self.current = ZERO
        self.overdue = ZERO
        self.invoices = 0
        self.customers = 0

    def add(self, other: _Tally) -> None:
        for index, amount in enumerate(other.buckets):
            self.buckets[index] += amount
            self.counts[index] += other.counts[index]
        self.current += other.current
        self.overdue += other.overdue
        self.invoices += other.invoices
        self.customers += other.customers

    def freeze(self) -> AgedAmounts:
        return AgedAmounts(
            self.currency,
            tuple(self.buckets),
            tuple(self.counts),
            sum(self.buckets, ZERO),
            self.current,
            self.overdue,
            self.invoices,
            self.customers,
        )


def customer_aging(
    context: EvaluationContext, ledger: CustomerLedger, as_of: date
) -> dict[str, AgedAmounts]:
    """Return one customer's open receivables on ``as_of`` per currency (rule "balances")."""
    scheme = aging_scheme(context.policy.reports)
    tallies = _customer_tallies(context, scheme, ledger, as_of)
    return {currency: tally.freeze() for currency, tally in sorted(tallies.items())}


def _customer_tallies(
    context: EvaluationContext, scheme: AgingScheme, ledger: CustomerLedger, as_of: date
) -> dict[str, _Tally]:
    tallies: dict[str, _Tally] = {}
    if not ledger.invoices:
        return tallies
    for entry in account_balances(context, ledger, as_of).invoices:
        currency = entry.invoice.currency
        tally = tallies.get(currency)
        if tally is None:
            tally = tallies[currency] = _Tally(currency, len(scheme.buckets))
            tally.customers = 1
        tally.buckets[entry.bucket] += entry.open
        tally.counts[entry.bucket] += 1
        tally.invoices += 1
        if entry.days_overdue > 0:
            tally.overdue += entry.open
        if scheme.is_current(entry.days_overdue, entry.bucket):
            tally.current += entry.open
    return tallies


def portfolio_aging(
    context: EvaluationContext,
    ledgers: Iterable[CustomerLedger],
    as_of: date,
    *,
    by_customer: bool = False,
    most_overdue: int = 0,
) -> PortfolioAging:
    """Return the open receivables of every customer in ``ledgers`` on ``as_of``, per currency,
    and per customer when ``by_customer`` (largest first within each currency).

    ``most_overdue`` (instead of ``by_customer``) keeps only the customers with the most overdue
    in each currency, that many at most, most overdue first, ties by customer id: the same ones
    as sorting every customer, held in the memory of that many while the ledger streams past.
    """
    scheme = aging_scheme(context.policy.reports)
    totals: dict[str, _Tally] = {}
    customers: list[CustomerAging] = []
    kept: dict[str, list[CustomerAging]] = {}
    for ledger in ledgers:
        for currency, tally in _customer_tallies(context, scheme, ledger, as_of).items():
            total = totals.get(currency)
            if total is None:
                total = totals[currency] = _Tally(currency, len(scheme.buckets))
            total.add(tally)
            if by_customer:
                name = ledger.customer.name
                customers.append(CustomerAging(ledger.customer.id, name, tally.freeze()))
            elif most_overdue and tally.overdue:
                _keep_most_overdue(
                    kept.setdefault(currency, []),
                    CustomerAging(ledger.customer.id, ledger.customer.name, tally.freeze()),
                    most_overdue,
                )
    for currency in sorted(kept):
        customers.extend(kept[currency])
    customers.sort(key=lambda c: (c.amounts.currency, -c.amounts.total, c.customer_id))
    return PortfolioAging(
        as_of,
        scheme,
        tuple(totals[currency].freeze() for currency in sorted(totals)),
        tuple(customers),
    )


def _most_overdue_first(customer: CustomerAging) -> tuple[Decimal, str]:
    return (-customer.amounts.overdue, customer.customer_id)


def _keep_most_overdue(kept: list[CustomerAging], customer: CustomerAging, count: int) -> None:
    """Put ``customer`` among ``kept`` (most overdue first) and drop any beyond ``count``."""
    if len(kept) == count and _most_overdue_first(customer) >= _most_overdue_first(kept[-1]):
        return
    insort(kept, customer, key=_most_overdue_first)
    del kept[count:]
