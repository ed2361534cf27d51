"""A plan as text for a terminal: the headline, then each day's changes by customer, the fees
and interest by currency and the actions per step."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from engine.model.actions import Suppression
from engine.model.money import ROUNDING_NAME
from engine.model.plan import (
    ActionKey,
    CustomerImpact,
    MoneyChange,
    Plan,
    StepCount,
)
from engine.report.plan_words import (
    action_text,
    amount,
    base_warning,
    customer_names,
    first_reason,
    headline,
    move_note,
    move_notes,
    moved_summary,
    newly_lines,
    signed,
    step_total,
    version_label,
)


def _table(rows: Sequence[Sequence[str]], right: frozenset[int] = frozenset()) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(width) if i in right else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines


def _money_rows(charges: Sequence[MoneyChange]) -> list[list[str]]:
    rows = [["Currency", "Fees base", "Fees head", "Interest base", "Interest head", "Change"]]
    for m in charges:
        c = m.currency
        rows.append(
            [
                c,
                amount(m.base.fees, c),
                amount(m.head.fees, c),
                amount(m.base.interest, c),
                amount(m.head.interest, c),
                signed(m.head.total - m.base.total, c),
            ]
        )
    return rows


def _step_rows(counts: Sequence[StepCount]) -> list[list[str]]:
    rows = [["Ladder", "Step", "Base", "Head", "Change"]]
    for s in counts:
        rows.append([s.ladder, s.step, str(s.base), str(s.head), signed(s.difference)])
    return rows


def _held_text(item: Suppression) -> str:
    step = f"{item.step}: " if item.step else ""
    return f"{step}{item.text}"


def _customer_lines(
    impact: CustomerImpact, notes: Mapping[tuple[ActionKey, str], str]
) -> list[str]:
    lines = [f"  {impact.customer_id} {impact.customer_name}"]
    for sign, label, actions in (("-", "no longer", impact.removed), ("+", "new", impact.added)):
        for action in actions:
            lines.append(f"    {sign} {label:<10} {action_text(action)}")
            if move_note(notes, action):
                lines.append(f"                 {move_note(notes, action)}")
            if first_reason(action):
                word = "was" if sign == "-" else "why"
                lines.append(f"                 {word}: {first_reason(action)}")
    for change in impact.changed:
        lines.append(f"    ~ changed    {action_text(change.head)}")
        for c in change.changes:
            lines.append(f"                 {c.field}: {c.base} → {c.head}")
    for item in impact.held_back:
        lines.append(f"    = held back  {_held_text(item)}")
    for item in impact.released:
        lines.append(f"    = no longer held back  {_held_text(item)}")
    return lines


def render_text(plan: Plan) -> str:
    """Return the plan as plain text for a terminal: summary, money, steps, then every change."""
    lines = [f"Policy plan: {headline(plan)}"]
    lines.append(
        f"Base: {version_label(plan.base_version)}   Head: {version_label(plan.head_version)}"
    )
    if plan.ledger_label:
        lines.append(f"Ledger: {plan.ledger_label}")
    if not plan.base_valid:
        lines += ["", f"Warning: {base_warning(plan)}"]
        lines += [f"  {problem}" for problem in plan.base_problems]
    steps = plan.steps()
    lines += [
        "",
        "Summary",
        f"  Actions: base {step_total(steps, 'base')}, head {step_total(steps, 'head')}: "
        f"{plan.count('added')} new, {plan.count('removed')} no longer due, "
        f"{plan.count('changed')} changed",
        f"  Customers affected: {len(plan.customers_affected())}, of whom "
        f"{len(plan.customers_contacted_differently())} with a different letter or call",
    ]
    if plan.moved():
        lines.append(f"  Moved: {moved_summary(plan)}")
    for label, actions in newly_lines(plan):
        lines.append(f"  {label}: {customer_names(actions) or 'nobody'}")
    charges = plan.charges()
    lines += ["", f"Fees and interest by currency (rounded {ROUNDING_NAME})"]
    lines += _table(_money_rows(charges), frozenset(range(1, 6))) if charges else ["  none"]
    lines += ["", "Actions per step"]
    lines += _table(_step_rows(steps), frozenset({2, 3, 4})) if steps else ["  none"]
    notes = move_notes(plan)
    for day in plan.days:
        if not day.has_changes:
            continue
        lines += ["", f"Changes by customer on {day.date.isoformat()}"]
        for impact in day.customers:
            lines += _customer_lines(impact, notes)
    return "\n".join(lines) + "\n"
