"""The impact of a policy change: two action lists for the same ledger, and what differs.

``dunning plan`` evaluates the ledger under the base policy and under the head policy, day by
day, and hands both lists to ``diff_day``. Pure: evaluations (or a policy and a ledger already
read) come in, records come out; reading git and the ledger, and rendering, live elsewhere
(``dunning.commands.plan``, ``engine.report.plan_render``).

Actions are matched across the two versions by (customer, step, occurrence, invoice set): the key
the action id is built from. The same key with different contents is a *change*; a key on one side
only is an *addition* or a *removal*. A customer who gets another step under the head policy thus
shows a removal and an addition; ``CustomerImpact`` groups them so the reader sees one story per
customer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.evaluate import action_id, evaluate
from engine.model.actions import Action, Evaluation, PolicyVersion, Suppression
from engine.model.ledger import ActionRecord, ActionStatus, CustomerLedger
from engine.model.money import ZERO
from engine.model.policy import Policy
from engine.model.source import Problem

# What a customer experiences as a message or a call; the other kinds are internal actions.
CONTACT_KINDS = frozenset({"email", "letter", "sms", "phone"})
INTEREST_KINDS = frozenset({"interest", "compensation"})

ActionKey = tuple[str, str, int, tuple[str, ...]]
SuppressionKey = tuple[str, str, str, tuple[str, ...]]


def action_key(action: Action) -> ActionKey:
    """Return the key matching an action across versions: customer, step, occurrence, invoices."""
    return (action.customer_id, action.step, action.occurrence, tuple(sorted(action.invoice_ids)))


def suppression_key(item: Suppression) -> SuppressionKey:
    """Return the key matching a held-back item across versions: customer, cause, step, invoices."""
    return (item.customer_id, item.code, item.step or "", tuple(sorted(item.invoice_ids)))


def fees_of(action: Action) -> dict[str, Decimal]:
    """Return the fees an action charges, per currency."""
    return _charges_of(action, frozenset({"fee"}))


def interest_of(action: Action) -> dict[str, Decimal]:
    """Return the interest and fixed compensation an action charges, per currency."""
    return _charges_of(action, INTEREST_KINDS)


def _charges_of(action: Action, kinds: frozenset[str]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for charge in action.charges:
        if charge.kind in kinds:
            out[charge.currency] = out.get(charge.currency, ZERO) + charge.amount
    return dict(sorted(out.items()))


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


# -- comparing two lists ---------------------------------------------------------------------


def _money_text(amounts: Mapping[str, Decimal]) -> str:
    return ", ".join(f"{c} {v}" for c, v in sorted(amounts.items())) or "-"


def _text(value: object) -> str:
    return "-" if value is None or value == "" else str(value)


def compare_actions(base: Action, head: Action) -> tuple[FieldChange, ...]:
    """Return what differs between two versions of the same action, in reading order."""
    changes: list[FieldChange] = []
    pairs: list[tuple[str, object, object]] = [
        ("ladder", base.ladder, head.ladder),
        ("kind", base.kind, head.kind),
        ("channel", base.channel, head.channel),
        ("template", base.template, head.template),
        ("tone", base.tone, head.tone),
        ("language", base.language, head.language),
        ("assigned to", base.assign, head.assign),
        ("owner", base.owner, head.owner),
        ("escalated to", base.escalate_to, head.escalate_to),
        ("open amount", _money_text(base.totals), _money_text(head.totals)),
        ("fees", _money_text(fees_of(base)), _money_text(fees_of(head))),
        ("interest", _money_text(interest_of(base)), _money_text(interest_of(head))),
        ("supersedes", ", ".join(base.supersedes), ", ".join(head.supersedes)),
    ]
    for name, old, new in pairs:
        if old != new:
            changes.append(FieldChange(name, _text(old), _text(new)))
    base_reasons = [r.text for r in base.reasons]
    head_reasons = [r.text for r in head.reasons]
    if base_reasons != head_reasons:
        gone = [t for t in base_reasons if t not in head_reasons]
        new_reasons = [t for t in head_reasons if t not in base_reasons]
        changes.append(FieldChange("reason", _text(" ".join(gone)), _text(" ".join(new_reasons))))
    return tuple(changes)


def _charge_totals(actions: Iterable[Action]) -> dict[str, ChargeTotals]:
    out: dict[str, ChargeTotals] = {}
    for action in actions:
        for charge in action.charges:
            current = out.get(charge.currency, ChargeTotals())
            if charge.kind in INTEREST_KINDS:
                out[charge.currency] = current + ChargeTotals(interest=charge.amount)
            else:
                out[charge.currency] = current + ChargeTotals(fees=charge.amount)
    return out


def _step_counts(base: Evaluation, head: Evaluation) -> tuple[StepCount, ...]:
    counts: dict[tuple[str, str], list[int]] = {}
    rank: dict[tuple[str, str], int] = {}
    for side, evaluation in enumerate((base, head)):
        for action in evaluation.actions:
            key = (action.ladder, action.step)
            counts.setdefault(key, [0, 0])[side] += 1
            rank[key] = action.step_index
    keys = sorted(counts, key=lambda k: (k[0], rank[k], k[1]))
    return tuple(StepCount(k[0], k[1], counts[k][0], counts[k][1]) for k in keys)


def _newly(base: Evaluation, head: Evaluation, kind: str) -> tuple[Action, ...]:
    before = {a.customer_id for a in base.actions if a.kind == kind}
    seen: set[str] = set()
    out: list[Action] = []
    for action in head.actions:
        if action.kind == kind and action.customer_id not in before | seen:
            seen.add(action.customer_id)
            out.append(action)
    return tuple(out)


def diff_day(base: Evaluation, head: Evaluation) -> DayPlan:
    """Return the difference between the base and the head action lists of the same day."""
    base_by_key = {action_key(a): a for a in base.actions}
    head_by_key = {action_key(a): a for a in head.actions}
    added = tuple(a for k, a in head_by_key.items() if k not in base_by_key)
    removed = tuple(a for k, a in base_by_key.items() if k not in head_by_key)
    changed_list: list[ChangedAction] = []
    for key, old in base_by_key.items():
        new = head_by_key.get(key)
        if new is not None:
            changes = compare_actions(old, new)
            if changes:
                changed_list.append(ChangedAction(old, new, changes))
    changed = tuple(changed_list)

    base_held = {suppression_key(s): s for s in base.suppressions}
    head_held = {suppression_key(s): s for s in head.suppressions}
    held_back = tuple(s for k, s in head_held.items() if k not in base_held)
    released = tuple(s for k, s in base_held.items() if k not in head_held)

    base_money, head_money = _charge_totals(base.actions), _charge_totals(head.actions)
    charges = tuple(
        MoneyChange(c, base_money.get(c, ChargeTotals()), head_money.get(c, ChargeTotals()))
        for c in sorted(base_money.keys() | head_money.keys())
    )
    return DayPlan(
        date=head.as_of,
        base=base,
        head=head,
        added=added,
        removed=removed,
        changed=changed,
        held_back=held_back,
        released=released,
        customers=_by_customer(added, removed, changed, held_back, released),
        newly_on_hold=_newly(base, head, "credit_hold"),
        newly_escalated=_newly(base, head, "escalate"),
        newly_write_off_review=_newly(base, head, "write_off_review"),
        charges=charges,
        steps=_step_counts(base, head),
    )


def _by_customer(
    added: Sequence[Action],
    removed: Sequence[Action],
    changed: Sequence[ChangedAction],
    held_back: Sequence[Suppression],
    released: Sequence[Suppression],
) -> tuple[CustomerImpact, ...]:
    names: dict[str, str] = {}
    for action in (*removed, *added, *(c.head for c in changed)):
        names.setdefault(action.customer_id, action.customer_name)
    for item in (*held_back, *released):
        names.setdefault(item.customer_id, item.customer_name)

    def of(customer: str) -> CustomerImpact:
        return CustomerImpact(
            customer,
            names[customer],
            removed=tuple(a for a in removed if a.customer_id == customer),
            added=tuple(a for a in added if a.customer_id == customer),
            changed=tuple(c for c in changed if c.head.customer_id == customer),
            held_back=tuple(s for s in held_back if s.customer_id == customer),
            released=tuple(s for s in released if s.customer_id == customer),
        )

    return tuple(of(customer) for customer in sorted(names))


# -- several days ----------------------------------------------------------------------------


def worked(ledger: Sequence[CustomerLedger], evaluation: Evaluation) -> list[CustomerLedger]:
    """Return the ledger with the day's list worked in full: actions done, lower steps superseded.

    This is what lets a plan over several days show an action once, on the day it is due, rather
    than again every following day: the history the next day sees has it done.
    """
    records: dict[str, list[ActionRecord]] = {}
    for action in evaluation.actions:
        fees, interest = fees_of(action), interest_of(action)
        currencies = set(fees) | set(interest)
        currency = next(iter(currencies)) if len(currencies) == 1 else None
        records.setdefault(action.customer_id, []).append(
            ActionRecord(
                action.id,
                action.customer_id,
                action.step,
                action.invoice_ids,
                evaluation.as_of,
                ActionStatus.DONE,
                fee=sum(fees.values(), ZERO) if fees else None,
                interest=sum(interest.values(), ZERO) if interest else None,
                currency=currency,
            )
        )
    for item in evaluation.superseded:
        records.setdefault(item.customer_id, []).append(
            ActionRecord(
                action_id(item.customer_id, item.step, 0, item.invoice_ids),
                item.customer_id,
                item.step,
                item.invoice_ids,
                evaluation.as_of,
                ActionStatus.SUPERSEDED,
            )
        )
    if not records:
        return list(ledger)
    return [
        c._replace(history=(*c.history, *records[c.customer.id])) if c.customer.id in records else c
        for c in ledger
    ]


def simulate(
    policy: Policy,
    ledger: Sequence[CustomerLedger],
    days: Sequence[date],
    version: PolicyVersion,
) -> tuple[Evaluation, ...]:
    """Return the action list of each day, as if staff worked each list in full and nobody paid.

    ``days`` must be in ascending order. The first day is evaluated on the ledger as it is.
    """
    current = list(ledger)
    out: list[Evaluation] = []
    for index, day in enumerate(days):
        if index and day <= days[index - 1]:
            raise ValueError("the days of a plan must be in ascending order")
        evaluation = evaluate(policy, current, day, version)
        out.append(evaluation)
        if index + 1 < len(days):
            current = worked(current, evaluation)
    return tuple(out)


def empty_evaluations(days: Sequence[date], version: PolicyVersion) -> tuple[Evaluation, ...]:
    """Return an empty action list for each day (the stand-in for a base policy that is invalid)."""
    return tuple(Evaluation(as_of=day, policy_version=version, actions=()) for day in days)


def make_plan(
    base: Sequence[Evaluation],
    head: Sequence[Evaluation],
    ledger_label: str = "",
    base_problems: Sequence[Problem] = (),
) -> Plan:
    """Return the plan comparing two series of daily lists of the same days."""
    if [e.as_of for e in base] != [e.as_of for e in head]:
        raise ValueError("the base and head lists must cover the same days")
    if not head:
        raise ValueError("a plan needs at least one day")
    return Plan(
        base_version=base[0].policy_version,
        head_version=head[0].policy_version,
        days=tuple(diff_day(b, h) for b, h in zip(base, head, strict=True)),
        ledger_label=ledger_label,
        base_problems=tuple(base_problems),
    )
