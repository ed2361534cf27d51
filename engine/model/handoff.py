"""A customer's debt handed to a collection agency or a solicitor, and the agency's results.

A hand-off is open from the day it was made until it is recalled; while it is open the customer is
not chased internally (rule "hand-off", ``engine.rules.suppressions``). What the agency collects
comes back as results: payments (which become ledger payments), outcomes in words, and the fee the
agency keeps.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

# Where a debt can be handed: a collection agency, or a solicitor for legal action.
HANDOFF_TARGETS = ("agency", "legal")
TARGET_WORDS = {"agency": "the collection agency", "legal": "the solicitor"}


class Handoff(NamedTuple):
    """A customer's debt handed to an agency or a solicitor on ``opened``; over once recalled."""

    id: str
    customer_id: str
    to: str  # agency | legal
    opened: date
    recalled: date | None = None

    def open_on(self, day: date) -> bool:
        """Return whether the hand-off holds chasing back on ``day``."""
        return self.opened <= day and (self.recalled is None or self.recalled > day)


class AgencyResult(NamedTuple):
    """One line of an agency's report: a payment collected, an outcome, the fee it keeps."""

    case_id: str
    ref: str  # the agency's own line reference: importing it again changes nothing
    day: date
    kind: str  # payment | outcome
    currency: str | None = None
    amount: Decimal | None = None  # collected from the debtor (payment)
    fee: Decimal | None = None  # what the agency keeps of it
    invoice_id: str | None = None
    note: str = ""
