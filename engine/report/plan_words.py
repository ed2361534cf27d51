"""The words every format of a plan shares: the headline, amounts, actions and changes in
words, the notes on moved actions and the warning about an invalid base policy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from engine.model.actions import Action, PolicyVersion
from engine.model.money import round_money
from engine.model.plan import (
    ActionKey,
    ChangedAction,
    Plan,
    StepCount,
    action_key,
)
from engine.report.render import kind_label, money_map


def plural(count: int, noun: str, many: str | None = None) -> str:
    """Return ``1 customer`` or ``3 customers``."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def when(plan: Plan) -> str:
    """Return the days compared in words: ``on 2026-11-24`` or ``over the 7 days from … to …``."""
    dates = plan.dates
    if len(dates) == 1:
        return f"on {dates[0].isoformat()}"
    return f"over the {len(dates)} days from {dates[0].isoformat()} to {dates[-1].isoformat()}"


def headline(plan: Plan) -> str:
    """Return the one sentence a finance lead reads first."""
    if not plan.has_changes:
        actions = sum(len(day.head.actions) for day in plan.days)
        return (
            f"No change: the action list {when(plan)} is the same under both policies "
            f"({plural(actions, 'action')})."
        )
    contacted = len(plan.customers_contacted_differently())
    affected = len(plan.customers_affected())
    if contacted:
        verb = "gets" if contacted == 1 else "get"
        text = f"{plural(contacted, 'customer')} {verb} a different letter or call {when(plan)}"
        others = affected - contacted
        if others:
            # Holds, escalations, or the same letter with another explanation.
            text += f"; {plural(others, 'more customer')} with other changes"
        return text + "."
    verb = "is" if affected == 1 else "are"
    return f"{plural(affected, 'customer')} {verb} treated differently {when(plan)}."


def version_label(version: PolicyVersion) -> str:
    """Return a version as people name it: ``origin/main (3f2a9c1d0e4b)`` or ``working tree``."""
    if version.commit:
        ref = version.ref or "commit"
        return f"{ref} ({version.commit[:12]})"
    return version.ref or "working tree"


def signed(value: Decimal | int, currency: str | None = None) -> str:
    """Return a difference with its sign: ``+15.00``, ``-3``, ``0.00``."""
    if currency is not None and isinstance(value, Decimal):
        value = round_money(value, currency)
        text = f"{abs(value):,}"
    else:
        text = str(abs(value))
    if value > 0:
        return "+" + text
    if value < 0:
        return "-" + text
    return text


def amount(value: Decimal, currency: str) -> str:
    """Return an amount without its currency, rounded to the minor unit: ``1,200.00``."""
    return f"{round_money(value, currency):,}"


def first_reason(action: Action) -> str:
    """Return the first reason of an action (why the step fell due), or an empty string."""
    return action.reasons[0].text if action.reasons else ""


def charges_text(action: Action) -> str:
    """Return an action's fees and interest in words, or ``-``."""
    parts = []
    fees, interest = action.fees(), action.interest()
    if fees:
        parts.append(f"fees {money_map(fees)}")
    if interest:
        parts.append(f"interest {money_map(interest)}")
    return "; ".join(parts) or "-"


def action_text(action: Action) -> str:
    """Return an action in one line: ``call: Phone call, INV-1 (GBP 1,200.00 open), fees …``."""
    head = f"{action.step}"
    if action.occurrence:
        head += f" (repeat {action.occurrence})"
    text = f"{head}: {kind_label(action)}"
    if action.template:
        text += f" '{action.template}'"
    text += f", {', '.join(action.invoice_ids) or 'no invoices'} ({money_map(action.totals)} open)"
    charges = charges_text(action)
    if charges != "-":
        text += f", {charges}"
    return text


def change_text(change: ChangedAction) -> str:
    """Return what changed in an action: ``fees GBP 15.00 → GBP 25.00; template a → b``."""
    return "; ".join(f"{c.field}: {c.base} → {c.head}" for c in change.changes)


def days_text(n: int) -> str:
    """Return ``1 day`` or ``n days`` for a shift of ``n`` days either way."""
    return plural(abs(n), "day")


def move_notes(plan: Plan) -> dict[tuple[ActionKey, str], str]:
    """Return, per (action key, ISO date), the note that the action moved to another day.

    The addition on the new day says when the base policy sends it; the removal on the old day
    says when the head policy sends it instead.
    """
    notes: dict[tuple[ActionKey, str], str] = {}
    for move in plan.moved():
        key = action_key(move.head)
        shift = f"{days_text(move.days)} {'earlier' if move.days < 0 else 'later'}"
        notes[(key, move.head.date.isoformat())] = (
            f"moved {shift}: the base policy sends it on {move.base.date.isoformat()}"
        )
        notes[(key, move.base.date.isoformat())] = (
            f"moved {shift}: the head policy sends it on {move.head.date.isoformat()}"
        )
    return notes


def move_note(notes: Mapping[tuple[ActionKey, str], str], action: Action) -> str:
    """Return the note that ``action`` moved to another day, or nothing."""
    return notes.get((action_key(action), action.date.isoformat()), "")


def moved_summary(plan: Plan) -> str:
    """Return how many actions moved to another day, and how many earlier or later."""
    moved = plan.moved()
    earlier = sum(1 for m in moved if m.days < 0)
    return (
        f"{plural(len(moved), 'action')} moved to another day ({earlier} earlier, "
        f"{len(moved) - earlier} later)"
    )


def step_total(counts: Iterable[StepCount], side: str) -> int:
    """Return the actions of every step under one ``side`` (``base`` or ``head``)."""
    return sum(getattr(c, side) for c in counts)


def newly_lines(plan: Plan) -> list[tuple[str, tuple[Action, ...]]]:
    """Return the customers newly on hold, escalated or sent to review, each with its title."""
    return [
        ("Newly on credit hold", plan.newly("credit_hold")),
        ("Newly escalated", plan.newly("escalate")),
        ("Newly sent to write-off review", plan.newly("write_off_review")),
    ]


def customer_names(actions: Sequence[Action]) -> str:
    """Return the customers of ``actions`` with their day (and the agency, for an escalation)."""
    return ", ".join(
        f"{a.customer_id} {a.customer_name}"
        + (
            f" ({a.date.isoformat()})"
            if a.escalate_to is None
            else f" to {a.escalate_to} ({a.date.isoformat()})"
        )
        for a in actions
    )


def base_warning(plan: Plan) -> str:
    """Return the warning that an invalid base policy is taken as producing no actions."""
    return (
        f"The base policy ({version_label(plan.base_version)}) is invalid "
        f"({plural(len(plan.base_problems), 'problem')}), so it is taken as producing no actions: "
        f"every action of the head policy shows as added."
    )
