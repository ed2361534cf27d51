"""Late-payment interest as the statutes count it, in exact ``Decimal``.

Interest runs from the day after the due date up to and including the day of payment: a payment
(or credit) dated D stops interest on what it pays from D + 1. The reference rate is read on the
days the scheme's ``fixing`` says, the margin is the one in force for the debt (or the day), and
a scheme that compounds adds each full year's interest to the amount interest runs on. The total
is rounded once, half up to the currency's minor unit. The rules, with worked examples from the
statutes, are in docs/rules/dates-and-money.md ("Late-payment interest").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from engine.model.ledger import Settlement
from engine.model.money import ZERO, format_money, round_money
from engine.model.policy import InterestScheme, RatePeriod, ReferenceRate

# daily: the rate in force on each day. half_year: for each half-year, the rate in force on the
# 31 December or 30 June before it. half_year_first_day: for each half-year, the rate in force on
# its first day (1 January, 1 July). half_year_at_start: the half_year rate of the day interest
# starts to run, for the whole debt (UK). at_start: the rate in force on the day interest starts
# to run, for the whole debt.
FIXINGS = ("daily", "half_year", "half_year_first_day", "half_year_at_start", "at_start")
KEPT_FIXINGS = frozenset({"half_year_at_start", "at_start"})
MARGIN_BY = ("invoice_date", "day")
COMPOUNDING = ("none", "yearly")

_ONE_DAY = timedelta(days=1)


class MissingReferenceRateError(ValueError):
    """The reference rate has no published rate for a day interest accrues on."""


def fixing_day(day: date, fixing: str) -> date:
    """Return the day whose rate in force applies to ``day`` under ``fixing``.

    ``half_year`` (and ``half_year_at_start``, for the day interest starts): 31 December before a
    day in January–June, 30 June before a day in July–December. ``half_year_first_day``: 1 January
    or 1 July of the day's half-year. ``daily`` and ``at_start``: the day itself.
    """
    if fixing in ("half_year", "half_year_at_start"):
        return date(day.year, 6, 30) if day.month >= 7 else date(day.year - 1, 12, 31)
    if fixing == "half_year_first_day":
        return date(day.year, 7, 1) if day.month >= 7 else date(day.year, 1, 1)
    if fixing in ("daily", "at_start"):
        return day
    raise ValueError(f"unknown rate fixing {fixing!r}: use one of {', '.join(FIXINGS)}")


def in_force(periods: Sequence[RatePeriod], day: date) -> RatePeriod | None:
    """Return the period of ``periods`` in force on ``day`` (the latest that started by then)."""
    started = [period for period in periods if period.start <= day]
    return max(started, key=lambda period: period.start) if started else None


def reference_rate_on(rate: ReferenceRate, day: date, fixing: str) -> RatePeriod | None:
    """Return the published rate that applies to ``day`` under ``fixing``, or None if none does.

    For the fixings that keep one rate for the whole debt, pass the day interest starts to run.
    """
    return in_force(rate.rates, fixing_day(day, fixing))


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """Days on which the principal and the rate stayed the same, and the interest they earned."""

    start: date
    end: date  # inclusive
    days: int
    principal: Decimal  # what interest runs on: unpaid amount, plus interest compounded into it
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


@dataclass(frozen=True, slots=True)
class Debt:
    """What interest runs on: the invoice's amount, its dates and what was paid, when."""

    amount: Decimal
    due: date
    settlements: Sequence[Settlement] = ()
    issued: date | None = None  # the day the debt arose (picks the margin by ``invoice_date``)


# PLR0917: the rule's own inputs, in the order the ladder evaluation passes them.
def statutory_interest(  # noqa: PLR0917
    scheme: InterestScheme,
    rate: ReferenceRate,
    amount: Decimal,
    settlements: Sequence[Settlement],
    due: date,
    as_of: date,
    currency: str,
    since: date | None = None,
    issued: date | None = None,
) -> InterestResult:
    """Return the interest on what stayed unpaid, from the day after ``due`` up to ``as_of``.

    A settlement dated D lowers what interest runs on from D + 1 (interest runs up to and
    including the day of payment). ``since`` (interest already charged up to that date) leaves
    out the days up to it, and yearly compounding still counts from the day interest started.
    ``issued`` is the day the debt arose, for a margin chosen by ``invoice_date``. Raises
    ``MissingReferenceRateError`` when the reference rate has no rate for a day that accrues.
    """
    debt = Debt(amount, due, settlements, issued)
    first = due + _ONE_DAY
    charged_to = due if since is None else max(due, since)
    if as_of <= charged_to:
        zero = round_money(ZERO, currency)
        return InterestResult(zero, ZERO, (), currency, scheme.day_basis)
    periods = _periods(scheme, rate, debt, first, as_of, charged_to)
    shown = tuple(p for p in periods if p.start > charged_to and p.principal > 0)
    unrounded = sum((p.amount for p in shown), ZERO)
    return InterestResult(
        round_money(unrounded, currency), unrounded, shown, currency, scheme.day_basis
    )


def _periods(  # noqa: PLR0917 - the parts of the calculation, in the order it reads them
    scheme: InterestScheme,
    rate: ReferenceRate,
    debt: Debt,
    first: date,
    last: date,
    charged_to: date,
) -> list[InterestPeriod]:
    """Return the runs of days from ``first`` to ``last`` with one principal and one rate each;
    a run never straddles ``charged_to`` (so what was charged already can be left out)."""
    paid = [s for s in debt.settlements if s.date < last]
    changes = {s.date + _ONE_DAY for s in paid if first < s.date + _ONE_DAY <= last}
    changes |= _rate_changes(scheme, rate, first, last)
    anniversaries = _anniversaries(first, last) if scheme.compound == "yearly" else []
    changes |= set(anniversaries)
    if first < charged_to + _ONE_DAY <= last:
        changes.add(charged_to + _ONE_DAY)
    starts = [first, *sorted(changes)]
    ends = [start - _ONE_DAY for start in starts[1:]] + [last]
    divisor = 100 * scheme.day_basis
    capitalised = ZERO  # interest of full years added to what interest runs on
    year_interest = ZERO
    periods: list[InterestPeriod] = []
    for start, end in zip(starts, ends, strict=True):
        if anniversaries and start == anniversaries[0]:
            anniversaries.pop(0)
            capitalised += year_interest
            year_interest = ZERO
        repaid = sum((s.amount for s in paid if s.date < start), ZERO)
        principal = debt.amount + capitalised - repaid
        percent = _rate_percent(scheme, rate, debt, first, start)
        days = (end - start).days + 1
        exact = principal * percent * days / divisor if principal > 0 else ZERO
        year_interest += exact
        previous = periods[-1] if periods else None
        if (
            previous is not None
            and previous.principal == principal
            and previous.rate_percent == percent
            and start != charged_to + _ONE_DAY
        ):
            periods[-1] = InterestPeriod(
                previous.start, end, previous.days + days, principal, percent,
                previous.amount + exact,
            )  # fmt: skip
        else:
            periods.append(InterestPeriod(start, end, days, principal, percent, exact))
    return periods


def _anniversaries(first: date, last: date) -> list[date]:
    """Return the days on which a full year of interest has run since ``first``, up to ``last``
    (the same day and month, a year on; 29 February's is 1 March in a common year)."""
    out: list[date] = []
    years = 1
    while True:
        try:
            day = first.replace(year=first.year + years)
        except ValueError:  # 29 February, in a common year
            day = date(first.year + years, 3, 1)
        if day > last:
            return out
        out.append(day)
        years += 1


def _rate_changes(
    scheme: InterestScheme, rate: ReferenceRate, first: date, last: date
) -> set[date]:
    """Return the days after ``first`` up to ``last`` on which the rate may change."""
    out: set[date] = set()
    if scheme.margin_by == "day":
        out |= {m.start for m in scheme.margin_changes if first < m.start <= last}
    if scheme.fixing in KEPT_FIXINGS:
        return out
    if scheme.fixing == "daily":
        return out | {period.start for period in rate.rates if first < period.start <= last}
    return out | {
        day
        for year in range(first.year, last.year + 1)
        for day in (date(year, 1, 1), date(year, 7, 1))
        if first < day <= last
    }


def margin_on(scheme: InterestScheme, day: date) -> Decimal:
    """Return the scheme's margin in force on ``day`` (``margin_percent`` before any change)."""
    change = in_force(scheme.margin_changes, day)
    return scheme.margin_percent if change is None else change.percent


def _rate_percent(
    scheme: InterestScheme, rate: ReferenceRate, debt: Debt, first: date, day: date
) -> Decimal:
    fixed_on = first if scheme.fixing in KEPT_FIXINGS else day
    period = reference_rate_on(rate, fixed_on, scheme.fixing)
    if period is None:
        earliest = min((p.start for p in rate.rates), default=None)
        known = f"its first rate is from {earliest.isoformat()}" if earliest else "it has no rates"
        raise MissingReferenceRateError(
            f"reference rate '{rate.name}' has no rate for interest on {day.isoformat()} "
            f"({scheme.fixing} fixing: the rate in force on "
            f"{fixing_day(fixed_on, scheme.fixing).isoformat()}); {known}: add the rates in "
            "force since then"
        )
    margin_day = day if scheme.margin_by == "day" else (debt.issued or debt.due)
    return period.percent + margin_on(scheme, margin_day)
