"""One customer on one day: what the rules of the evaluation work out in turn and share.

``engine.evaluate.evaluate_customer`` creates an ``Account``, calls the rules in the order of the
evaluation (docs/rules/ladder.md) and stores what each finds here for the rules after it: the open
balances, the steps the customer may not reach, the invoices that reached a step, whether the
account is on credit hold. A rule reads the fields it needs and returns what it finds; only
``evaluate_customer`` writes them.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from engine.model.ledger import CustomerLedger, Dispute, Invoice, Settlement
from engine.model.money import ZERO
from engine.model.policy import Step
from engine.rules.context import EvaluationContext, LadderFacts
from engine.rules.effective import EffectivePolicy

if TYPE_CHECKING:
    from engine.rules.charges_owed import ChargesOwed
    from engine.rules.history import Hold
    from engine.rules.ladder import Reached

_NO_CURRENCIES: frozenset[str] = frozenset()


class Account:
    """One customer's evaluation on one day: the state its rules share."""

    __slots__ = (
        "allocated",
        "as_of",
        "charge_only",
        "charges",
        "context",
        "disputes",
        "hold",
        "ineligible",
        "ladder",
        "ledger",
        "open_total",
        "overdue_total",
        "parents",
        "policy",
        "reached",
        "rules",
        "steps",
    )

    def __init__(self, context: EvaluationContext, ledger: CustomerLedger, as_of: date) -> None:
        self.context = context
        self.ledger = ledger
        self.as_of = as_of
        # The inner loops need only the layers the customer shares with others like it; its
        # own name and contacts (``policy``) are looked up once it has something to show.
        self.rules: EffectivePolicy = context.effective.shared(
            ledger.customer, context.rule_currencies(ledger)
        )
        self.policy: EffectivePolicy = self.rules
        self.ladder: LadderFacts = context.ladder_facts(self.rules.ladder)
        self.steps: tuple[Step, ...] = self.rules.ladder.steps
        # What unapplied cash and credits paid on each invoice (rule "unapplied cash").
        self.allocated: dict[str, list[Settlement]] = {}
        # Per currency: the open balance, and the overdue one when the policy has a minimum.
        self.open_total: dict[str, Decimal] = {}
        self.overdue_total: dict[str, Decimal] = {}
        # Per currency: the indices of the steps the customer may not reach (skipped, minimums).
        self.ineligible: dict[str, frozenset[int]] = {}
        # The open invoices that reached an eligible step (rule "step reached").
        self.reached: list[Reached] = []
        # The latest credit hold in force, from the action log (rule "credit hold").
        self.hold: Hold | None = None
        # The open disputes, by invoice (rule "suppressions").
        self.disputes: dict[str, Dispute] = {}
        # The open invoices owed only for their charges: their amount is paid (rule "charges owed").
        self.charge_only: frozenset[str] = frozenset()
        # The customer's charges owed (None: no worked action charged anything).
        self.charges: ChargesOwed | None = None
        # Parts of invoices on split terms: part number -> invoice number (rule "instalments").
        self.parents: dict[str, str] = {}

    def owed_on(self, invoice_id: str, open_amount: Decimal) -> tuple[Decimal, Decimal]:
        """Return what is open of an open item's own amount, and the charges owed on it (an
        invoice owed only for its charges is open by nothing of its own)."""
        if self.charges is None:
            return open_amount, ZERO
        if invoice_id in self.charge_only:
            return ZERO, open_amount
        return open_amount, self.charges.on_invoice(invoice_id)

    def due_date(self, invoice: Invoice) -> date:
        """Return the invoice's due date under the customer's terms (rule "due date")."""
        return self.context.dates_of(invoice, self.rules, self.as_of).dates.due
