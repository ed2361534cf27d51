"""Credit terms: an early-payment discount shorter than the payment period and below 100 %;
split terms whose shares add up to 100 % and whose parts come in the order they fall due; a
cut-off day only on terms counted from the end of a month (P022-P023, P070-P072).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from engine.check.context import Context
from engine.model.policy import Term
from engine.model.source import Problem
from engine.rules.terms import unrolled_due

CODES: dict[str, str] = {
    "P022": "an early-payment discount period is not shorter than the payment period",
    "P023": "an early-payment discount of 100 % or more",
    "P070": "the instalments of split terms do not add up to 100 %",
    "P071": "the instalments of split terms are not in the order they fall due",
    "P072": "a cut-off day on terms that do not count from the end of a month",
}

# The invoice dates on which the order of instalments is tried: every day of a leap year and
# the year after, so month ends, February and cut-off days are all met.
_SAMPLE_START = date(2028, 1, 1)
_SAMPLE_DAYS = 731


def check_discounts(context: Context) -> Iterator[Problem]:
    """Return problems for discounts not shorter than the payment period or of 100 % or more."""
    for term in context.policy.terms.values():
        days, net = term.discount_days, term.net_days
        if days is not None and net is not None and days >= net and not term.net_months:
            yield Problem.at(
                term.origin.at("discount", "days"),
                "P022",
                f"terms '{term.name}': the discount period ({days} days) must be shorter than "
                f"the payment period (net_days: {net}), or the discount is just a lower price",
            )
        percent = term.discount_percent
        if percent is not None and percent >= 100:
            yield Problem.at(
                term.origin.at("discount", "percent"),
                "P023",
                f"terms '{term.name}': a discount of {percent} % would cancel the whole invoice; "
                'write the percentage taken off, e.g. "2" for 2 %',
            )


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
    for offset in range(_SAMPLE_DAYS):
        day = _SAMPLE_START + timedelta(days=offset)
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
