"""A policy made ready for evaluation: its calendar, its ladders' facts and the shared caches.

Build one ``EvaluationContext`` per policy and hand it to ``engine.evaluate.evaluate_customer``
for every customer (and day): effective policies and step dates are then worked out once and
shared by every customer and invoice that have the same ones.
"""

from __future__ import annotations

from datetime import date

from engine.model.actions import CREDIT_LIMIT_STEP, CREDIT_RELEASE_STEP
from engine.model.ledger import CustomerLedger, Invoice
from engine.model.policy import Ladder, Policy, StepAction
from engine.rules.as_of import ledger_as_of
from engine.rules.calendar import BusinessCalendar
from engine.rules.currencies import step_currency_limits
from engine.rules.discounts import DiscountTaken, discounts_taken, with_earned_discounts
from engine.rules.effective import EffectivePolicies, EffectivePolicy
from engine.rules.step_dates import DayDates, StepDates

_NO_CURRENCIES: frozenset[str] = frozenset()


class LadderFacts:
    """What the evaluation asks of a ladder again and again, worked out once."""

    __slots__ = (
        "condition_steps",
        "contact_ids",
        "currency_steps",
        "has_previous",
        "hold_steps",
        "min_balance_steps",
        "one_level",
        "positions",
        "repeat_steps",
    )

    def __init__(self, ladder: Ladder, contact_ids_anywhere: frozenset[str]) -> None:
        self.positions = {step.id: i for i, step in enumerate(ladder.steps)}
        self.min_balance_steps = tuple(
            (i, step.min_balance) for i, step in enumerate(ladder.steps) if step.min_balance
        )
        # The steps for some currencies only (rule "currencies"): (index, currencies).
        self.currency_steps = step_currency_limits(ladder)
        self.hold_steps = frozenset(
            i for i, step in enumerate(ladder.steps) if step.action is StepAction.CREDIT_HOLD
        )
        # The steps with conditions (rule "step conditions"): (index, conditions).
        self.condition_steps = tuple(
            (i, step.when) for i, step in enumerate(ladder.steps) if step.when is not None
        )
        # The steps that repeat (rule "repeat"), by index.
        self.repeat_steps = frozenset(
            i for i, step in enumerate(ladder.steps) if step.repeat_days or step.repeat_months
        )
        # Whether catch-up sends one level per run rather than the highest step (rule "catch-up").
        self.one_level = ladder.catch_up == "one_level_per_run"
        # Whether a step is dated from the last step sent (rule "previous step").
        self.has_previous = any(step.at.anchor == "previous" for step in ladder.steps)
        own = frozenset(step.id for step in ladder.steps if step.is_contact)
        # A step id the ladder does not have (the customer moved ladders) counts as a contact when
        # another ladder has it as one.
        self.contact_ids = own | (contact_ids_anywhere - self.positions.keys())


class EvaluationContext:
    """A policy made ready for evaluation: its calendar and the caches shared across customers.

    Build one per policy and pass it to ``evaluate_customer`` for every customer (and day).
    """

    __slots__ = (
        "_ladders",
        "calendar",
        "contact_ids",
        "currency_rules",
        "dates",
        "delivery_terms",
        "discount_terms",
        "effective",
        "hold_ids",
        "hold_or_release",
        "policy",
        "reviewed",
        "split_terms",
    )

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.calendar = BusinessCalendar(policy.calendar)
        self.effective = EffectivePolicies(policy)
        self.dates = StepDates(self.calendar, policy.due_date_roll)
        self.currency_rules = any("currency" in rule.when for rule in policy.assignment)
        # Whether an invoice's delivery date can matter, and whether invoices can split: policies
        # without such terms never look (rules "terms", "instalments").
        self.delivery_terms = any(t.basis == "delivery" for t in policy.terms.values())
        self.split_terms = any(t.instalments for t in policy.terms.values())
        self.discount_terms = any(t.discounts for t in policy.terms.values())
        # The customers whose credit limit is reviewed regularly (rule "credit limit review").
        self.reviewed = frozenset(c.id for c in policy.customers.values() if c.credit_review)
        steps = [step for ladder in policy.ladders.values() for step in ladder.steps]
        self.contact_ids = frozenset(step.id for step in steps if step.is_contact)
        self.hold_ids = frozenset(
            step.id for step in steps if step.action is StepAction.CREDIT_HOLD
        ) | {CREDIT_LIMIT_STEP}
        self.hold_or_release = self.hold_ids | {CREDIT_RELEASE_STEP}
        self._ladders: dict[str, LadderFacts] = {}

    def ladder_facts(self, ladder: Ladder) -> LadderFacts:
        """Return the worked-out facts of ``ladder``."""
        facts = self._ladders.get(ladder.name)
        if facts is None:
            facts = LadderFacts(ladder, self.contact_ids)
            self._ladders[ladder.name] = facts
        return facts

    def rule_currencies(self, ledger: CustomerLedger) -> frozenset[str]:
        """Return the currencies a customer's assignment rules are matched on (rule "effective
        policy"): those it is invoiced in, when a rule names a currency at all."""
        if not self.currency_rules:
            return _NO_CURRENCIES
        return frozenset(invoice.currency for invoice in ledger.invoices)

    def ledger_on(self, ledger: CustomerLedger, as_of: date) -> CustomerLedger:
        """Return the customer's ledger as it stood at the end of ``as_of`` (rule "as of a date"),
        with the early-payment discounts its payments earned written off (rule "discounts
        taken"): what every open amount starts from."""
        ledger = ledger_as_of(ledger, as_of)
        if not self.discount_terms or not ledger.invoices:
            return ledger
        term = self.effective.shared(ledger.customer, self.rule_currencies(ledger)).term
        return with_earned_discounts(self.policy, ledger, term)

    def discounts_taken(self, ledger: CustomerLedger, as_of: date) -> list[DiscountTaken]:
        """Return the early-payment discounts the customer's payments earned up to ``as_of``
        (rule "discounts taken"), in date order: what the timeline shows."""
        ledger = ledger_as_of(ledger, as_of)
        if not self.discount_terms or not ledger.invoices:
            return []
        term = self.effective.shared(ledger.customer, self.rule_currencies(ledger)).term
        return discounts_taken(self.policy, ledger, term)

    def day_dates(
        self, key: tuple[object, ...], invoice: Invoice, rules: EffectivePolicy
    ) -> DayDates:
        """Return the invoice's dates for the current day, computing them on a cache miss.

        ``key`` is ``date_key(invoice, rules, delay_key(rules))``; the evaluation's inner loop
        builds it (or skips it) itself.
        """
        term = self.policy.terms.get(invoice.terms) if invoice.terms else None
        return self.dates.compute(
            key,
            rules.ladder,
            term or rules.term,
            invoice.issued,
            invoice.due,
            rules.delay,
            invoice.delivered,
        )

    def dates_of(self, invoice: Invoice, rules: EffectivePolicy, as_of: date) -> DayDates:
        """Return an invoice's dates seen from ``as_of``, under the customer's ``rules``."""
        self.dates.set_day(as_of)
        key = date_key(invoice, rules, delay_key(rules))
        return self.dates.by_key.get(key) or self.day_dates(key, invoice, rules)


def delay_key(rules: EffectivePolicy) -> tuple[tuple[str, int], ...]:
    """Return the customer's step delays as a key: the same delays, the same step dates."""
    return tuple(sorted(rules.delay.items())) if rules.delay else ()


def date_key(
    invoice: Invoice, rules: EffectivePolicy, delays: tuple[tuple[str, int], ...]
) -> tuple[object, ...]:
    """Return what an invoice's step dates depend on: ladder, terms, issue and due date, delays,
    and the delivery date when it has one."""
    key = (rules.ladder.name, invoice.terms or rules.term.name, invoice.issued, invoice.due, delays)
    return key if invoice.delivered is None else (*key, invoice.delivered)
