"""The impact of a policy change: two action lists for the same ledger, and what differs.

``dunning plan`` evaluates the ledger under the base policy and under the head policy, day by
day, and hands both lists to ``diff_day``. Pure: evaluations (or a policy and a ledger already
read) come in, records (``engine.model.plan``) come out; reading git and the ledger, and
rendering, live elsewhere (``dunning.commands.plan``, ``engine.report.plan_render``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from engine.evaluate import evaluate
from engine.model.actions import INTEREST_KINDS, Action, Evaluation, PolicyVersion, Suppression
from engine.model.ledger import ActionRecord, ActionStatus, CustomerLedger
from engine.model.money import ZERO
from engine.model.plan import (
    ChangedAction,
    ChargeTotals,
    CustomerImpact,
    DayPlan,
    FieldChange,
    MoneyChange,
    Plan,
    StepCount,
    action_key,
    suppression_key,
)
from engine.model.policy import Policy
from engine.model.source import Problem
from engine.rules.output import action_id

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
        ("fees", _money_text(base.fees()), _money_text(head.fees())),
        ("interest", _money_text(base.interest()), _money_text(head.interest())),
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
        fees, interest = action.fees(), action.interest()
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
