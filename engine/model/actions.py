"""The result of an evaluation: the day's actions, what was held back and why, and the totals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from engine.model.records import maker

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
    # Reminder fees and interest charged on it before and still owed (rule "charges owed").
    charges_owed: Decimal = Decimal(0)


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

    def charges_owed_by_currency(self) -> dict[str, Decimal]:
        """Return the fees and interest charged before and still owed on the invoices chased
        today, per currency, each invoice counted once."""
        return charges_owed_by_currency(self.actions)


def _open_invoices(actions: Iterable[Action]) -> Iterable[ActionInvoice]:
    """Yield the actions' invoices, each once however many actions it is in: an invoice in a
    credit hold and in a reminder on the same day is owed once (rule "list totals",
    docs/rules/ladder.md). An invoice is one customer's, so it is met among that customer's
    actions only."""
    seen: set[tuple[str, str]] = set()
    for action in actions:
        customer = action.customer_id
        for invoice in action.invoices:
            key = (customer, invoice.id)
            if key in seen:
                continue
            seen.add(key)
            yield invoice


def open_by_currency(actions: Iterable[Action]) -> dict[str, Decimal]:
    """Return the open amounts of the actions' invoices, per currency, in currency order, each
    invoice counted once however many actions it is in."""
    out: dict[str, Decimal] = {}
    for invoice in _open_invoices(actions):
        out[invoice.currency] = out.get(invoice.currency, Decimal(0)) + invoice.open
    return dict(sorted(out.items()))


def charges_owed_by_currency(actions: Iterable[Action]) -> dict[str, Decimal]:
    """Return the charges owed on the actions' invoices, per currency, each invoice once."""
    out: dict[str, Decimal] = {}
    for invoice in _open_invoices(actions):
        if invoice.charges_owed:
            out[invoice.currency] = out.get(invoice.currency, Decimal(0)) + invoice.charges_owed
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


# Per currency: the sum, and how many invoices (or charges) it adds up.
_Tally = dict[str, tuple[Decimal, int]]


def _tally(pairs: Iterable[tuple[str, Decimal]]) -> _Tally:
    out: _Tally = {}
    for currency, amount in pairs:
        total, count = out.get(currency, (Decimal(0), 0))
        out[currency] = (total + amount, count + 1)
    return out


def _open_tally(actions: Iterable[Action]) -> _Tally:
    return _tally((invoice.currency, invoice.open) for invoice in _open_invoices(actions))


def _charge_tally(actions: Iterable[Action]) -> _Tally:
    return _tally((c.currency, c.amount) for action in actions for c in action.charges)


def _owed_tally(actions: Iterable[Action]) -> _Tally:
    return _tally(
        (invoice.currency, invoice.charges_owed)
        for invoice in _open_invoices(actions)
        if invoice.charges_owed
    )


def _moved(tally: _Tally, out: _Tally, into: _Tally) -> _Tally:
    """Return ``tally`` less ``out`` plus ``into``; a currency with nothing left in it goes."""
    result = dict(tally)
    for sign, part in ((-1, out), (1, into)):
        for currency, (amount, count) in part.items():
            total, n = result.get(currency, (Decimal(0), 0))
            result[currency] = (total + sign * amount, n + sign * count)
    return {currency: pair for currency, pair in result.items() if pair[1]}


@dataclass(frozen=True, slots=True)
class ListTotals:
    """The totals of a list of actions (``open_by_currency``, ``charges_by_currency``,
    ``charges_owed_by_currency``) kept with
    how many invoices and charges make up each sum, so that the actions of some customers can
    be replaced by their new ones without adding up the whole list again.

    Taking out *every* action of a customer takes out each of its invoices once, as the rule
    counts them (an invoice is one customer's); the result is exactly what the two functions give
    for the new list.
    """

    open: _Tally
    charges: _Tally
    owed: _Tally

    @classmethod
    def of(cls, actions: Iterable[Action]) -> ListTotals:
        """Return the totals of ``actions``."""
        listed = tuple(actions)
        return cls(_open_tally(listed), _charge_tally(listed), _owed_tally(listed))

    def replaced(self, removed: Iterable[Action], added: Iterable[Action]) -> ListTotals:
        """Return the totals with ``removed`` (every action of some customers) taken out and
        ``added`` (those customers' actions now) put in."""
        gone, new = tuple(removed), tuple(added)
        return ListTotals(
            _moved(self.open, _open_tally(gone), _open_tally(new)),
            _moved(self.charges, _charge_tally(gone), _charge_tally(new)),
            _moved(self.owed, _owed_tally(gone), _owed_tally(new)),
        )

    def open_by_currency(self) -> dict[str, Decimal]:
        """Return the open amounts per currency, in currency order (``open_by_currency``)."""
        return {currency: self.open[currency][0] for currency in sorted(self.open)}

    def charges_by_currency(self) -> dict[str, Decimal]:
        """Return the charges per currency, in currency order (``charges_by_currency``)."""
        return {currency: self.charges[currency][0] for currency in sorted(self.charges)}

    def charges_owed_by_currency(self) -> dict[str, Decimal]:
        """Return the charges owed per currency, each invoice once
        (``charges_owed_by_currency``)."""
        return {currency: self.owed[currency][0] for currency in sorted(self.owed)}


# Fast constructors of the records an evaluation makes by the hundred thousand
# (engine.model.records): the same arguments and the same records as the classes themselves.
new_action_invoice = maker(ActionInvoice)
new_action = maker(Action)
new_superseded = maker(Superseded)
