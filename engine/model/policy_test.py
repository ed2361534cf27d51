"""A policy test as records: what it expects, and what running it found.

``engine.tools.policy_tests`` reads them from ``policies/tests/*.yaml`` and runs them;
``engine.tools.policy_test_report`` prints their outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from engine.model.actions import Action, Suppression
from engine.model.ledger import LedgerSnapshot
from engine.model.source import Source

# Settings of the action a test may pin down: which ladder, message, voice and people.
SETTING_FIELDS = ("ladder", "template", "tone", "language", "owner", "assign")


@dataclass(frozen=True, slots=True)
class Expectation:
    """An action (or, with ``suppressed``, a held-back customer) a test expects or forbids."""

    customer: str
    source: Source
    step: str | None = None
    kind: str | None = None
    invoices: frozenset[str] | None = None
    fee: Decimal | None = None
    interest: Decimal | None = None
    total: Decimal | None = None
    currency: str | None = None
    suppressed: bool = False
    reason: str | None = None
    settings: Mapping[str, str] = field(default_factory=dict)  # ladder, template, tone, ...

    def describe(self) -> str:
        """Return the expectation in words: ``second-reminder (email) for ORCH-0009``."""
        if self.suppressed:
            step = f" (step {self.step})" if self.step else ""
            return f"{self.customer} held back{step}"
        what = self.step or "an action"
        if self.kind:
            what += f" ({self.kind})"
        return f"{what} for {self.customer}"


@dataclass(frozen=True, slots=True)
class PolicyTest:
    """One policy test file: its ledger, its dates and what it expects."""

    name: str
    file: str
    source: Source
    dates: tuple[date, ...]
    ledger: LedgerSnapshot
    expect: tuple[Expectation, ...] = ()
    absent: tuple[Expectation, ...] = ()
    description: str = ""


@dataclass(frozen=True, slots=True)
class Failure:
    """An expectation that did not hold on one date, with what the list held for that customer."""

    expectation: Expectation
    day: date
    absent: bool  # True: the expectation is in `absent` and something matched it
    actions: tuple[Action, ...]  # the customer's actions on the day
    suppressions: tuple[Suppression, ...]  # the customer's held-back items on the day
    matched: tuple[Action | Suppression, ...] = ()  # for `absent`: what must not be there


@dataclass(frozen=True, slots=True)
class PolicyTestResult:
    """The outcome of one policy test."""

    test: PolicyTest
    failures: tuple[Failure, ...]
    checks: int  # expectations times dates

    @property
    def passed(self) -> bool:
        """Return whether every expectation held on every date."""
        return not self.failures
