"""Rule "what works": how soon invoices get paid after each ladder step, tone, channel, template.

A step **fired** when its action was worked (``done``) or delivered (``sent``) on a day; it
**reached** each of its invoices that still had something open at the end of that day. For every
(step fired, invoice reached):

- the invoice is **paid** on the day its payments and credit notes first add up to its amount;
- it counts as paid **within N days** (N = 7, 14, 30) when that day is at most N days after the
  step fired. Only invoices whose N-day window has ended by the report date are **observed** for
  N, so a step fired yesterday does not drag the shares down;
- **days to payment**: from the step to the payment day, the median over the paid invoices;
- **collected**: the cash applied to the invoice in the 30 days after the step, per currency.

And per step fired (each reminder, call or letter that reached an invoice, counted once):

- **answered**: the customer answered on the payment portal from the link of that very message
  (paid, promise, dispute or a request) in the 30 days after it fired;
- **answered or paid**: answered, or a payment reached one of its invoices in those 30 days.
  This is "how many reminders led to a portal answer or a payment".

Each figure is grouped by the step's attributes (ladder step, tone, channel, template, and the
experiment variant when the ladder has one) **and by the policy version in force on the day it
fired**, so "before and after this pull request" is one table (docs/rules/reports.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from statistics import median
from typing import NamedTuple

from engine.model.ledger import Settlement
from engine.model.money import ZERO

WINDOWS = (7, 14, 30)
COLLECTION_DAYS = 30
DIMENSIONS = ("step", "tone", "channel", "template", "variant")


class StepFired(NamedTuple):
    """An action of the log that was worked or delivered: its step, day and invoices."""

    action_id: str
    customer_id: str
    step: str
    day: date
    invoice_ids: tuple[str, ...]


class InvoicePaid(NamedTuple):
    """An invoice, and the payments and credit notes applied to it (dated)."""

    invoice_id: str
    currency: str
    amount: Decimal
    settlements: tuple[Settlement, ...]


@dataclass(frozen=True, slots=True)
class StepFacts:
    """What a fired step was, under the policy in force that day: the version and attributes."""

    version: str
    values: Mapping[str, str]  # dimension -> value (step, tone, channel, template, variant)


@dataclass(frozen=True, slots=True)
class Effect:
    """The figures of one value of one dimension under one policy version."""

    dimension: str
    value: str
    version: str
    reached: int
    observed: tuple[int, ...]  # per window of ``WINDOWS``
    paid: tuple[int, ...]  # per window: paid within it, among the observed
    median_days: Decimal | None
    collected: Mapping[str, Decimal]
    fired: int = 0  # steps fired that reached an invoice
    answered: int = 0  # of them: answered on the portal from their link within 30 days
    answered_or_paid: int = 0  # of them: answered, or a payment came within 30 days

    def share(self, index: int) -> Decimal | None:
        """Return the share paid within ``WINDOWS[index]`` days, None when none is observed."""
        observed = self.observed[index]
        return Decimal(self.paid[index]) / observed if observed else None


@dataclass(slots=True)
class _Tally:
    reached: int = 0
    observed: list[int] = field(default_factory=lambda: [0] * len(WINDOWS))
    paid: list[int] = field(default_factory=lambda: [0] * len(WINDOWS))
    days: list[int] = field(default_factory=list)
    collected: dict[str, Decimal] = field(default_factory=dict)
    fired: int = 0
    answered: int = 0
    answered_or_paid: int = 0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one invoice after one step fired."""

    paid_after: int | None  # days from the step to payment, None: not paid by the report date
    observed: tuple[bool, ...]  # per window: has it ended by the report date
    collected: Decimal
    currency: str


def invoice_outcome(fired: date, invoice: InvoicePaid, as_of: date) -> Outcome | None:
    """Return what became of ``invoice`` after a step fired on ``fired``, seen on ``as_of``;
    None when nothing was open on it at the end of ``fired`` (the step did not reach it)."""
    settled = ZERO
    paid_on: date | None = None
    for settlement in sorted(invoice.settlements, key=lambda s: s.date):
        if settlement.date > as_of:
            break
        settled += settlement.amount
        if settled >= invoice.amount:
            paid_on = settlement.date
            break
    if paid_on is not None and paid_on <= fired:
        return None
    until = min(fired + timedelta(days=COLLECTION_DAYS), as_of)
    collected = sum(
        (
            s.amount
            for s in invoice.settlements
            if s.kind == "payment" and fired < s.date <= until
        ),
        ZERO,
    )
    return Outcome(
        None if paid_on is None else (paid_on - fired).days,
        tuple(fired + timedelta(days=window) <= as_of for window in WINDOWS),
        collected,
        invoice.currency,
    )


def answered_in_time(fired: date, answers: Iterable[date], as_of: date) -> bool:
    """Return whether one of ``answers`` (the days the customer answered on the portal from a
    message's link) came in the 30 days after the message fired on ``fired``, by ``as_of``."""
    until = min(fired + timedelta(days=COLLECTION_DAYS), as_of)
    return any(fired <= day <= until for day in answers)


def what_works(
    firings: Iterable[tuple[StepFired, StepFacts]],
    invoices: Mapping[str, InvoicePaid],
    as_of: date,
    answers: Mapping[str, Iterable[date]] | None = None,
) -> tuple[Effect, ...]:
    """Return the figures of every dimension value under every policy version, in dimension
    order, then value, then version in the order they first fired (``firings`` come by day).

    ``answers``: per action id, the days the customer answered on the payment portal from the
    link of that action's message.
    """
    tallies: dict[tuple[str, str, str], _Tally] = {}
    answered_days = answers or {}
    for fired, facts in firings:
        outcomes = [
            outcome
            for invoice_id in fired.invoice_ids
            if (invoice := invoices.get(invoice_id)) is not None
            and (outcome := invoice_outcome(fired.day, invoice, as_of)) is not None
        ]
        if not outcomes:
            continue
        answered = answered_in_time(fired.day, answered_days.get(fired.action_id, ()), as_of)
        paid = any(outcome.collected > 0 for outcome in outcomes)
        for dimension, value in facts.values.items():
            tally = tallies.setdefault((dimension, value, facts.version), _Tally())
            tally.fired += 1
            tally.answered += answered
            tally.answered_or_paid += answered or paid
            for outcome in outcomes:
                _count(tally, outcome)
    order = {name: index for index, name in enumerate(DIMENSIONS)}
    return tuple(
        Effect(
            dimension,
            value,
            version,
            tally.reached,
            tuple(tally.observed),
            tuple(tally.paid),
            Decimal(str(median(tally.days))) if tally.days else None,
            dict(sorted(tally.collected.items())),
            tally.fired,
            tally.answered,
            tally.answered_or_paid,
        )
        for (dimension, value, version), tally in sorted(
            tallies.items(), key=lambda item: (order.get(item[0][0], 99), item[0][1])
        )
    )


def _count(tally: _Tally, outcome: Outcome) -> None:
    tally.reached += 1
    for index, window in enumerate(WINDOWS):
        if outcome.observed[index]:
            tally.observed[index] += 1
            if outcome.paid_after is not None and outcome.paid_after <= window:
                tally.paid[index] += 1
    if outcome.paid_after is not None:
        tally.days.append(outcome.paid_after)
    if outcome.collected:
        currency = outcome.currency
        tally.collected[currency] = tally.collected.get(currency, ZERO) + outcome.collected


@dataclass(frozen=True, slots=True)
class VersionInForce:
    """A policy version and the first day it was in force."""

    version: str  # the short commit id, or "current" (steps older than the history)
    since: date | None
    subject: str


@dataclass(frozen=True, slots=True)
class WhatWorksReport:
    """The figures of ``first``..``last`` (steps fired then), seen on ``as_of``."""

    first: date
    last: date
    as_of: date
    versions: tuple[VersionInForce, ...]  # the versions the figures name, oldest first
    effects: tuple[Effect, ...]
