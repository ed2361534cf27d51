"""The impact of a policy change, as records: what differs between two action lists of a day.

Built by ``engine.tools.plan`` (which evaluates and compares) and printed by
``engine.report.plan_render``. Actions are matched across the two versions by (customer, step,
occurrence, invoice set): the key the action id is built from. The same key with different
contents is a *change*; a key on one side only is an *addition* or a *removal*. A customer who
gets another step under the head policy thus shows a removal and an addition; ``CustomerImpact``
groups them so the reader sees one story per customer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.model.actions import CONTACT_KINDS, Action, Evaluation, PolicyVersion, Suppression
from engine.model.money import ZERO
from engine.model.source import Problem

ActionKey = tuple[str, str, int, tuple[str, ...]]
SuppressionKey = tuple[str, str, str, tuple[str, ...]]


def action_key(action: Action) -> ActionKey:
    """Return the key matching an action across versions: customer, step, occurrence, invoices."""
    return (action.customer_id, action.step, action.occurrence, tuple(sorted(action.invoice_ids)))


def suppression_key(item: Suppression) -> SuppressionKey:
    """Return the key matching a held-back item across versions: customer, cause, step, invoices."""
    return (item.customer_id, item.code, item.step or "", tuple(sorted(item.invoice_ids)))


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One thing that differs between the base and the head version of an action."""

    field: str
    base: str
    head: str


# Fields of an action that explain it rather than change what the customer receives.
EXPLANATION_FIELDS = frozenset({"reason", "supersedes"})


@dataclass(frozen=True, slots=True)
class ChangedAction:
    """An action both versions produce (same customer, step, occurrence, invoices), differently."""

    base: Action
    head: Action
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True, slots=True)
class MovedAction:
    """An action both versions send, on different days: removed on one day, added on another."""

    base: Action
    head: Action

    @property
    def days(self) -> int:
        """Return how many days later the head policy sends it (negative: earlier)."""
        return (self.head.date - self.base.date).days


@dataclass(frozen=True, slots=True)
class CustomerImpact:
    """Everything that differs for one customer on one day."""

    customer_id: str
    customer_name: str
    removed: tuple[Action, ...] = ()
    added: tuple[Action, ...] = ()
    changed: tuple[ChangedAction, ...] = ()
    held_back: tuple[Suppression, ...] = ()  # held back under head, not under base
    released: tuple[Suppression, ...] = ()  # held back under base, no longer under head

    @property
    def contact_changed(self) -> bool:
        """Return whether the customer receives a different message or call.

        An action that changed only in its explanation (the step now fell due on another day)
        is the same letter to the customer, so it does not count.
        """
        return any(a.kind in CONTACT_KINDS for a in (*self.removed, *self.added)) or any(
            (c.base.kind in CONTACT_KINDS or c.head.kind in CONTACT_KINDS)
            and any(f.field not in EXPLANATION_FIELDS for f in c.changes)
            for c in self.changed
        )


@dataclass(frozen=True, slots=True)
class ChargeTotals:
    """Fees and interest (with compensation) charged in one currency."""

    fees: Decimal = ZERO
    interest: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """Return fees plus interest."""
        return self.fees + self.interest

    def __add__(self, other: ChargeTotals) -> ChargeTotals:
        return ChargeTotals(self.fees + other.fees, self.interest + other.interest)


@dataclass(frozen=True, slots=True)
class MoneyChange:
    """Fees and interest in one currency under the base and the head policy."""

    currency: str
    base: ChargeTotals
    head: ChargeTotals

    @property
    def changed(self) -> bool:
        """Return whether the head charges differ from the base charges."""
        return self.base != self.head


@dataclass(frozen=True, slots=True)
class StepCount:
    """How many actions one ladder step produces under each version."""

    ladder: str
    step: str
    base: int
    head: int

    @property
    def difference(self) -> int:
        """Return head minus base."""
        return self.head - self.base


@dataclass(frozen=True, slots=True)
class DayPlan:
    """The difference between the base and the head action lists of one day."""

    date: date
    base: Evaluation
    head: Evaluation
    added: tuple[Action, ...]
    removed: tuple[Action, ...]
    changed: tuple[ChangedAction, ...]
    held_back: tuple[Suppression, ...]
    released: tuple[Suppression, ...]
    customers: tuple[CustomerImpact, ...]
    newly_on_hold: tuple[Action, ...]
    newly_escalated: tuple[Action, ...]
    newly_write_off_review: tuple[Action, ...]
    charges: tuple[MoneyChange, ...]
    steps: tuple[StepCount, ...]

    @property
    def has_changes(self) -> bool:
        """Return whether anything on the day's list differs."""
        return bool(self.added or self.removed or self.changed or self.held_back or self.released)


@dataclass(frozen=True, slots=True)
class Plan:
    """The impact of the head policy against the base policy over one or more days."""

    base_version: PolicyVersion
    head_version: PolicyVersion
    days: tuple[DayPlan, ...]
    ledger_label: str = ""
    # The base policy did not load: it is taken as producing no actions (see docs/plan.md).
    base_problems: tuple[Problem, ...] = ()

    @property
    def dates(self) -> tuple[date, ...]:
        """Return the days compared."""
        return tuple(day.date for day in self.days)

    @property
    def base_valid(self) -> bool:
        """Return whether the base policy loaded without problems."""
        return not self.base_problems

    @property
    def has_changes(self) -> bool:
        """Return whether any day's list differs."""
        return any(day.has_changes for day in self.days)

    def count(self, what: str) -> int:
        """Return how many actions were ``added``, ``removed`` or ``changed`` over all days."""
        return sum(len(getattr(day, what)) for day in self.days)

    def customers_affected(self) -> tuple[str, ...]:
        """Return the ids of the customers with any difference, sorted."""
        return tuple(sorted({c.customer_id for day in self.days for c in day.customers}))

    def customers_contacted_differently(self) -> tuple[str, ...]:
        """Return the ids of the customers who get a different message or call, sorted."""
        return tuple(
            sorted({c.customer_id for day in self.days for c in day.customers if c.contact_changed})
        )

    def moved(self) -> tuple[MovedAction, ...]:
        """Return the actions the head policy sends on another day than the base policy.

        Over several days a shorter ladder step shows as an addition on the new day and a
        removal on the old one; pairing them by action key tells the reader it merely moved.
        """
        removed: dict[ActionKey, Action] = {}
        added: dict[ActionKey, Action] = {}
        for day in self.days:
            for action in day.removed:
                removed.setdefault(action_key(action), action)
            for action in day.added:
                added.setdefault(action_key(action), action)
        keys = sorted(removed.keys() & added.keys())
        return tuple(MovedAction(removed[k], added[k]) for k in keys)

    def newly(self, kind: str) -> tuple[Action, ...]:
        """Return the first head action of ``kind`` for each customer who has none under base.

        Over several days a customer held on day 1 under head and on day 3 under base is not
        "newly" held: the period as a whole decides, so a shifted date does not read as new.
        """
        base = {a.customer_id for day in self.days for a in day.base.actions if a.kind == kind}
        first: dict[str, Action] = {}
        for day in self.days:
            for action in day.head.actions:
                if action.kind == kind and action.customer_id not in base:
                    first.setdefault(action.customer_id, action)
        return tuple(first[c] for c in sorted(first))

    def charges(self) -> tuple[MoneyChange, ...]:
        """Return fees and interest per currency summed over all days."""
        base: dict[str, ChargeTotals] = {}
        head: dict[str, ChargeTotals] = {}
        for day in self.days:
            for money in day.charges:
                base[money.currency] = base.get(money.currency, ChargeTotals()) + money.base
                head[money.currency] = head.get(money.currency, ChargeTotals()) + money.head
        return tuple(
            MoneyChange(c, base.get(c, ChargeTotals()), head.get(c, ChargeTotals()))
            for c in sorted(base.keys() | head.keys())
        )

    def steps(self) -> tuple[StepCount, ...]:
        """Return the actions per ladder step summed over all days."""
        base: dict[tuple[str, str], int] = {}
        head: dict[tuple[str, str], int] = {}
        order: dict[tuple[str, str], int] = {}
        for day in self.days:
            for index, count in enumerate(day.steps):
                key = (count.ladder, count.step)
                order.setdefault(key, index)
                base[key] = base.get(key, 0) + count.base
                head[key] = head.get(key, 0) + count.head
        keys = sorted(order, key=lambda k: (k[0], order[k]))
        return tuple(StepCount(k[0], k[1], base[k], head[k]) for k in keys)
