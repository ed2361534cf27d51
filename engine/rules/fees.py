"""Fees, statutory late-payment interest and fixed compensation, in exact ``Decimal``.

Amounts are rounded once, half up to the currency's minor unit, where they are charged; the rules,
with worked examples, are in docs/rules/dates-and-money.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from engine.model.ledger import Settlement
from engine.model.money import ZERO, format_money, round_money
from engine.model.policy import Fee, InterestScheme, RatePeriod, ReferenceRate

FIXINGS = ("daily", "half_year", "half_year_at_due")

_ONE_DAY = timedelta(days=1)


class MissingReferenceRateError(ValueError):
    """The reference rate has no published rate for a day interest accrues on."""


def fee_amount(fee: Fee, overdue: Decimal, currency: str) -> Decimal | None:
    """Return the fee on ``overdue`` in ``currency``, or None when the fee has no amount in it.

    A fixed fee is its amount for the currency. A percentage fee is that share of the overdue
    amount, raised to the fee's minimum and lowered to its maximum for the currency (when set);
    nothing overdue gives no fee (0). Rounded half up to the minor unit.
    """
    if fee.fixed:
        fixed = fee.fixed.get(currency)
        return None if fixed is None else round_money(fixed, currency)
    if fee.percent is None:
        return None
    if overdue <= 0:
        return round_money(ZERO, currency)
    amount = overdue * fee.percent / 100
    minimum, maximum = fee.minimum.get(currency), fee.maximum.get(currency)
    if minimum is not None:
        amount = max(amount, minimum)
    if maximum is not None:
        amount = min(amount, maximum)
    return round_money(amount, currency)


def reference_rate_on(rate: ReferenceRate, day: date, fixing: str) -> RatePeriod | None:
    """Return the published rate that applies to ``day`` under ``fixing``, or None if none does.

    ``daily``: the rate in force on the day itself. ``half_year``: the rate in force on 31 December
    before a day in January–June, or on 30 June before a day in July–December.
    ``half_year_at_due`` fixes the same way, but callers pass the due date: the rate of the
    half-year in which the debt fell due then stays for the life of the debt (UK Late Payment Act).
    """
    if fixing in ("half_year", "half_year_at_due"):
        day = date(day.year, 6, 30) if day.month >= 7 else date(day.year - 1, 12, 31)
    elif fixing != "daily":
        raise ValueError(f"unknown rate fixing {fixing!r}: use one of {', '.join(FIXINGS)}")
    in_force = [period for period in rate.rates if period.start <= day]
    return max(in_force, key=lambda period: period.start) if in_force else None


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """Days on which the principal and the rate stayed the same, and the interest they earned."""

    start: date
    end: date  # inclusive
    days: int
    principal: Decimal
    rate_percent: Decimal  # a year: reference rate plus margin
    amount: Decimal  # unrounded


@dataclass(frozen=True, slots=True)
class InterestResult:
    """Interest on one invoice: the charge, the exact figure behind it and the periods it sums."""

    amount: Decimal  # rounded half up to the minor unit, once, on the exact total
    unrounded: Decimal
    periods: tuple[InterestPeriod, ...]
    currency: str
    day_basis: int = 365

    def explain(self) -> str:
        """Return the calculation in words, one clause a period, then the total when several."""
        if not self.periods:
            return f"no interest accrued: {format_money(self.amount, self.currency)}"
        clauses = [
            f"{period.rate_percent.normalize():f} % a year on "
            f"{format_money(period.principal, self.currency)} for "
            f"{period.days} day{'' if period.days == 1 else 's'} "
            f"({period.start.isoformat()} to {period.end.isoformat()}, {self.day_basis}-day year): "
            f"{format_money(period.amount, self.currency)}"
            for period in self.periods
        ]
        if len(clauses) == 1:
            return clauses[0]
        total = f"total {format_money(self.amount, self.currency)}"
        shown = sum((round_money(period.amount, self.currency) for period in self.periods), ZERO)
        if shown != self.amount:
            total += " (the exact sum, rounded once)"
        return "; ".join([*clauses, total])


# PLR0917: the eight inputs are the rule's own and the ladder evaluation passes them in this order.
def statutory_interest(  # noqa: PLR0917
    scheme: InterestScheme,
    rate: ReferenceRate,
    amount: Decimal,
    settlements: Sequence[Settlement],
    due: date,
    as_of: date,
    currency: str,
    since: date | None = None,
) -> InterestResult:
    """Return simple daily interest on what stayed unpaid from the day after ``due`` to ``as_of``.

    The principal on a day is ``amount`` less the settlements dated on or before it; the rate is
    the scheme's reference rate (per its fixing) plus its margin. A new period starts whenever
    either changes. ``since`` (interest already charged up to that date) starts accrual after it.
    Raises ``MissingReferenceRateError`` when the reference rate has no rate for a day that accrues.
    """
    last_charged = due if since is None else max(due, since)
    if as_of <= last_charged:
        zero = round_money(ZERO, currency)
        return InterestResult(zero, ZERO, (), currency, scheme.day_basis)
    first = last_charged + _ONE_DAY

    paid = tuple(settlements)
    changes = {s.date for s in paid if first < s.date <= as_of}
    changes |= _rate_changes(rate, scheme.fixing, first, as_of)
    starts = [first, *sorted(changes)]
    ends = [start - _ONE_DAY for start in starts[1:]] + [as_of]

    # Runs of days with the same principal and rate; runs with nothing owed earn nothing.
    runs: list[tuple[date, date, Decimal, Decimal]] = []
    for start, end in zip(starts, ends, strict=True):
        principal = amount - sum((s.amount for s in paid if s.date <= start), ZERO)
        percent = _rate_percent(scheme, rate, due if scheme.fixing == "half_year_at_due" else start)
        if runs and runs[-1][2] == principal and runs[-1][3] == percent:
            runs[-1] = (runs[-1][0], end, principal, percent)
        else:
            runs.append((start, end, principal, percent))

    divisor = 100 * scheme.day_basis
    periods: list[InterestPeriod] = []
    total = ZERO
    for start, end, principal, percent in runs:
        if principal <= 0:
            continue
        days = (end - start).days + 1
        exact = principal * percent * days  # exact; divided once, below
        total += exact
        periods.append(InterestPeriod(start, end, days, principal, percent, exact / divisor))
    unrounded = total / divisor
    return InterestResult(
        round_money(unrounded, currency), unrounded, tuple(periods), currency, scheme.day_basis
    )


def _rate_changes(rate: ReferenceRate, fixing: str, first: date, last: date) -> set[date]:
    """Return the days after ``first`` up to ``last`` on which the applicable rate may change."""
    if fixing == "half_year_at_due":
        return set()
    if fixing == "half_year":
        return {
            day
            for year in range(first.year, last.year + 1)
            for day in (date(year, 1, 1), date(year, 7, 1))
            if first < day <= last
        }
    return {period.start for period in rate.rates if first < period.start <= last}


def _rate_percent(scheme: InterestScheme, rate: ReferenceRate, day: date) -> Decimal:
    period = reference_rate_on(rate, day, scheme.fixing)
    if period is None:
        earliest = min((p.start for p in rate.rates), default=None)
        known = f"its first rate is from {earliest.isoformat()}" if earliest else "it has no rates"
        raise MissingReferenceRateError(
            f"reference rate '{rate.name}' has no rate for interest on {day.isoformat()} "
            f"({scheme.fixing} fixing); {known}: add the rates in force since then"
        )
    return period.percent + scheme.margin_percent


def compensation(scheme: InterestScheme, principal: Decimal, currency: str) -> Decimal | None:
    """Return the fixed compensation for a debt of ``principal``, or None when none applies.

    The first band whose ``below`` is above the principal (or that has no ``below``) gives the
    sum. None when the scheme has no compensation or it is set in another currency.
    """
    if not scheme.compensation or scheme.compensation_currency != currency:
        return None
    for band in scheme.compensation:
        if band.below is None or principal < band.below:
            return round_money(band.amount, currency)
    return None
