"""The result of an evaluation: the day's actions, what was held back and why, and the totals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

# The actions the evaluation adds outside any ladder: a credit hold because the balance exceeds the
# credit limit, the release of a hold whose cause has cleared, and a credit limit review that is
# due. A ladder may not use these ids.
CREDIT_LIMIT_STEP = "credit-limit"
CREDIT_RELEASE_STEP = "credit-release"
CREDIT_REVIEW_STEP = "credit-review"

# The kinds of action that contact the customer (the channels of a contact step): they count
# toward the contact guardrails and have a message. Holds, escalations and reviews do not.
CONTACT_KINDS = frozenset({"email", "phone", "letter", "sms"})

# The kinds of charge that count as interest: statutory interest and its fixed compensation.
INTEREST_KINDS = frozenset({"interest", "compensation"})


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """Which policy produced a result: the git commit (when there is one) and a content digest."""

    digest: str
    commit: str | None = None
    ref: str | None = None
    source: str = "files"  # "git" when read from a commit, "files" from a working tree
    loaded_at: datetime | None = None

    def label(self) -> str:
        """Return a short label such as ``3f2a9c1 (sha256:9be1…)``."""
        short = self.digest.removeprefix("sha256:")[:12]
        if self.commit:
            return f"{self.commit[:12]} (sha256:{short})"
        return f"working tree (sha256:{short})"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why something is on (or off) the list, in plain words plus the facts behind them."""

    text: str
    facts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ActionInvoice:
    """An invoice as it appears in an action."""

    id: str
    issued: date
    due: date
    currency: str
    amount: Decimal
    open: Decimal
    days_overdue: int
    step_date: date


@dataclass(frozen=True, slots=True)
class Charge:
    """A fee, interest or compensation added by a step, already rounded to the minor unit."""

    kind: str  # fee | interest | compensation
    name: str
    invoice_id: str | None
    currency: str
    amount: Decimal
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Action:
    """One thing staff must do today for one customer."""

    id: str
    date: date
    customer_id: str
    customer_name: str
    ladder: str
    step: str
    step_index: int
    # email | phone | letter | sms | credit_hold | credit_release | credit_review | escalate |
    # write_off_review
    kind: str
    channel: str | None
    template: str | None
    tone: str
    language: str
    assign: str | None
    owner: str | None
    invoices: tuple[ActionInvoice, ...]
    totals: Mapping[str, Decimal]
    charges: tuple[Charge, ...] = ()
    reasons: tuple[Reason, ...] = ()
    supersedes: tuple[str, ...] = ()
    escalate_to: str | None = None
    occurrence: int = 0  # 0 for a step's first time; n for the n-th repetition of a repeat step

    @property
    def invoice_ids(self) -> tuple[str, ...]:
        """Return the ids of the action's invoices."""
        return tuple(inv.id for inv in self.invoices)

    def charged(self) -> dict[str, Decimal]:
        """Return fees, interest and compensation summed per currency."""
        out: dict[str, Decimal] = {}
        for charge in self.charges:
            out[charge.currency] = out.get(charge.currency, Decimal(0)) + charge.amount
        return out

    def fees(self) -> dict[str, Decimal]:
        """Return the fees the action charges, per currency, in currency order."""
        return self._charged_of(frozenset({"fee"}))

    def interest(self) -> dict[str, Decimal]:
        """Return the interest and fixed compensation the action charges, per currency."""
        return self._charged_of(INTEREST_KINDS)

    def _charged_of(self, kinds: frozenset[str]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for charge in self.charges:
            if charge.kind in kinds:
                out[charge.currency] = out.get(charge.currency, Decimal(0)) + charge.amount
        return dict(sorted(out.items()))


@dataclass(frozen=True, slots=True)
class Suppression:
    """Something the ladder asked for that is held back today, and why."""

    customer_id: str
    customer_name: str
    # handoff | dispute | pause | promise | payment_plan | min_balance | currency | closed_day |
    # contact_limit
    code: str
    text: str
    step: str | None = None
    invoice_ids: tuple[str, ...] = ()
    until: date | None = None


@dataclass(frozen=True, slots=True)
class Superseded:
    """A lower step that was due but is not sent because a higher one goes out the same day."""

    customer_id: str
    step: str
    invoice_ids: tuple[str, ...]
    by_step: str
    action_id: str


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The day's action list, stamped with the date and the policy version that produced it."""

    as_of: date
    policy_version: PolicyVersion
    actions: tuple[Action, ...]
    suppressions: tuple[Suppression, ...] = ()
    superseded: tuple[Superseded, ...] = ()
    customers_evaluated: int = 0
    invoices_evaluated: int = 0

    def counts_by_kind(self) -> dict[str, int]:
        """Return how many actions there are of each kind."""
        out: dict[str, int] = {}
        for action in self.actions:
            out[action.kind] = out.get(action.kind, 0) + 1
        return dict(sorted(out.items()))

    def totals_by_currency(self) -> dict[str, Decimal]:
        """Return the open amounts chased today, per currency, each invoice counted once."""
        return open_by_currency(self.actions)

    def charges_by_currency(self) -> dict[str, Decimal]:
        """Return fees, interest and compensation charged today, per currency."""
        return charges_by_currency(self.actions)


def open_by_currency(actions: Iterable[Action]) -> dict[str, Decimal]:
    """Return the open amounts of the actions' invoices, per currency, in currency order.

    Each invoice counts once, however many actions it is in: an invoice in a credit hold and in
    a reminder on the same day is owed once (rule "list totals", docs/rules/ladder.md).
    """
    out: dict[str, Decimal] = {}
    seen: set[tuple[str, str]] = set()
    for action in actions:
        customer = action.customer_id
        for invoice in action.invoices:
            key = (customer, invoice.id)
            if key in seen:
                continue
            seen.add(key)
            out[invoice.currency] = out.get(invoice.currency, Decimal(0)) + invoice.open
    return dict(sorted(out.items()))


def charges_by_currency(actions: Iterable[Action]) -> dict[str, Decimal]:
    """Return the fees, interest and compensation the actions charge, per currency.

    Each charge belongs to one action, so the charges of the actions simply add up.
    """
    out: dict[str, Decimal] = {}
    for action in actions:
        for charge in action.charges:
            out[charge.currency] = out.get(charge.currency, Decimal(0)) + charge.amount
    return dict(sorted(out.items()))
