"""Credit terms: early-payment discounts that end before the due date, below 100 %, each tier
ending after the one before and taking off less (P022-P023, P081-P082);
split terms whose shares add up to 100 % and whose parts come in the order they fall due; a
cut-off day only on terms counted from the end of a month (P070-P072).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from engine.check.context import Context
from engine.model.policy import DiscountTier, Term
from engine.model.source import Problem
from engine.rules.terms import discount_deadlines, unrolled_due

CODES: dict[str, str] = {
    "P022": "an early-payment discount period is not shorter than the payment period",
    "P023": "an early-payment discount of 100 % or more",
    "P070": "the instalments of split terms do not add up to 100 %",
    "P071": "the instalments of split terms are not in the order they fall due",
    "P072": "a cut-off day on terms that do not count from the end of a month",
    "P081": "the discounts of terms are not in the order they end",
    "P082": "a later discount of terms does not take off less than the one before",
}

# The invoice dates on which the order of instalments is tried: every day of a leap year and
# the year after, so month ends, February and cut-off days are all met.
_SAMPLE_START = date(2028, 1, 1)
_SAMPLE_DAYS = 731


def check_discounts(context: Context) -> Iterator[Problem]:
    """Return problems for discounts that do not end before the invoice falls due, of 100 % or
    more, or whose tiers do not end one after another, each taking off less."""
    for term in context.policy.terms.values():
        for index, tier in enumerate(term.discounts):
            yield from _discount_period(term, index, tier)
            percent = tier.percent
            if percent is not None and percent >= 100:
                yield Problem.at(
                    tier.origin.at("percent"),
                    "P023",
                    f"terms '{term.name}': a discount of {percent} % would cancel the whole "
                    'invoice; write the percentage taken off, e.g. "2" for 2 %',
                )
            if index:
                yield from _tier_order(term, index)


def _discount_period(term: Term, index: int, tier: DiscountTier) -> Iterator[Problem]:
    """Return a problem when the tier's period does not end before the invoice falls due."""
    days, net = tier.days, term.net_days
    counted_in_days = not (
        tier.from_end_of_month
        or term.from_end_of_month
        or term.then_end_of_month
        or term.net_months
        or term.day_of_next_month is not None
    )
    if days is not None and net is not None and counted_in_days:
        if days >= net:
            yield Problem.at(
                tier.origin.at("days"),
                "P022",
                f"terms '{term.name}': the discount period ({days} days) must be shorter than "
                f"the payment period (net_days: {net}), or the discount is just a lower price",
            )
        return
    for day in _sample_days():
        deadline = discount_deadlines(term, day)[index]
        due = unrolled_due(term, day)
        if deadline >= due:
            field = "day_of_next_month" if tier.day_of_next_month is not None else "days"
            yield Problem.at(
                tier.origin.at(field),
                "P022",
                f"terms '{term.name}': an invoice dated {day.isoformat()} could take the "
                f"discount up to {deadline.isoformat()}, not before it falls due on "
                f"{due.isoformat()}: the discount period must end before the due date, or the "
                "discount is just a lower price",
            )
            return


def _tier_order(term: Term, index: int) -> Iterator[Problem]:
    """Return problems when a tier does not end after the one before it, or takes off as much."""
    tier, before = term.discounts[index], term.discounts[index - 1]
    for day in _sample_days():
        deadlines = discount_deadlines(term, day)
        if deadlines[index] <= deadlines[index - 1]:
            yield Problem.at(
                tier.origin.source,
                "P081",
                f"terms '{term.name}': discount {index + 1} ends on {deadlines[index].isoformat()}"
                f" for an invoice dated {day.isoformat()}, not after discount {index} "
                f"({deadlines[index - 1].isoformat()}): list the discounts in the order they end",
            )
            break
    larger: str | None = None
    field: tuple[str, ...] = ("percent",)
    if tier.percent is not None and before.percent is not None:
        if tier.percent >= before.percent:
            larger = (
                f"{tier.percent.normalize():f} % is not less than {before.percent.normalize():f} %"
            )
    else:
        earlier = dict(before.amounts)
        for currency, amount in tier.amounts:
            if currency in earlier and amount >= earlier[currency]:
                larger = f"{currency} {amount} is not less than {currency} {earlier[currency]}"
                field = ("amount", currency)
                break
    if larger is not None:
        yield Problem.at(
            tier.origin.at(*field),
            "P082",
            f"terms '{term.name}': discount {index + 1} ({larger} of discount {index}): a later "
            "discount must take off less, or paying later would earn more",
        )


def _sample_days() -> Iterator[date]:
    """Return the invoice dates on which dated rules of terms are tried."""
    for offset in range(_SAMPLE_DAYS):
        yield _SAMPLE_START + timedelta(days=offset)


def check_instalments(context: Context) -> Iterator[Problem]:
    """Return problems for split terms whose shares do not add up to 100 % or whose parts are
    not listed in the order they fall due."""
    for term in context.policy.terms.values():
        parts = term.instalments
        if not parts:
            continue
        total = sum((part.percent for part in parts), Decimal(0))
        if total != 100:
            shares = " + ".join(f"{part.percent.normalize():f}" for part in parts)
            yield Problem.at(
                term.origin.at("instalments"),
                "P070",
                f"terms '{term.name}': the instalments add up to {total.normalize():f} % "
                f"({shares}), not 100 %: every part of the invoice must fall due once",
            )
        for index in range(1, len(parts)):
            earlier = _falls_due_earlier(parts[index].due, parts[index - 1].due)
            if earlier is not None:
                yield Problem.at(
                    term.origin.at("instalments", index),
                    "P071",
                    f"terms '{term.name}': instalment {index + 1} falls due before instalment "
                    f"{index} for an invoice dated {earlier.isoformat()}: list the instalments "
                    "in the order they fall due, so payments pay the earliest first",
                )


def _falls_due_earlier(later: Term, earlier: Term) -> date | None:
    """Return an invoice date on which ``later`` falls due before ``earlier``, or None."""
    for day in _sample_days():
        if unrolled_due(later, day) < unrolled_due(earlier, day):
            return day
    return None


def check_cutoff_days(context: Context) -> Iterator[Problem]:
    """Return problems for a cut-off day on terms that do not count from the end of a month."""
    for term in context.policy.terms.values():
        located: list[tuple[tuple[str | int, ...], Term]] = [((), term)]
        located += [(("instalments", i), part.due) for i, part in enumerate(term.instalments)]
        for path, rule in located:
            if rule.cutoff_day is None or rule.from_end_of_month or rule.day_of_next_month:
                continue
            yield Problem.at(
                term.origin.at(*path, "cutoff_day"),
                "P072",
                f"terms '{term.name}': cutoff_day {rule.cutoff_day} only applies to terms "
                "counted from the end of the month: add `from: end_of_month` or use "
                "`day_of_next_month`, or remove cutoff_day",
            )
