"""Rule "CEI": the collection effectiveness index of a period (docs/rules/reports.md).

As the Credit Research Foundation defines it:

    CEI = (beginning receivables + credit sales / N - ending total receivables)
          / (beginning receivables + credit sales / N - ending current receivables) x 100

with N the number of months in the period (``reports.cei.credit_sales: monthly_average``, the
default). With ``full`` the period's whole credit sales are used (N = 1), as most one-year
calculations do. A period of whole calendar months has that many months; any other period counts
its days divided by 30.4375, the average month of the Gregorian calendar (365.25 / 12).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CEI_MONTHLY_AVERAGE = "monthly_average"
CEI_FULL = "full"
PERCENT = Decimal("0.01")
AVERAGE_MONTH_DAYS = Decimal("30.4375")


def months_in(first: date, last: date) -> Decimal:
    """Return the number of months from ``first`` to ``last`` inclusive (N of the CEI)."""
    month_end = calendar.monthrange(last.year, last.month)[1]
    if first.day == 1 and last.day == month_end:
        return Decimal((last.year - first.year) * 12 + last.month - first.month + 1)
    return Decimal((last - first).days + 1) / AVERAGE_MONTH_DAYS


def collection_effectiveness(
    beginning: Decimal,
    credit_sales: Decimal,
    ending_total: Decimal,
    ending_current: Decimal,
    months: Decimal = Decimal(1),
) -> Decimal | None:
    """Return the CEI in percent, two decimals, or None when nothing was collectable.

    ``months`` is N: the credit sales are divided by it (pass 1 for the "full" variant).
    """
    sales = credit_sales / months
    collectable = beginning + sales - ending_current
    if collectable <= 0:
        return None
    collected = beginning + sales - ending_total
    return (collected / collectable * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class CurrencyCei:
    """The CEI of one currency and the amounts it is computed from."""

    currency: str
    beginning: Decimal
    credit_sales: Decimal
    ending_total: Decimal
    ending_current: Decimal
    cei: Decimal | None


@dataclass(frozen=True, slots=True)
class CeiReport:
    """The collection effectiveness index of ``first``..``last``."""

    first: date
    last: date
    months: Decimal
    definition: str
    currencies: tuple[CurrencyCei, ...]
