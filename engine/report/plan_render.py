"""A plan as text for a terminal, Markdown for a pull-request comment, and JSON for machines.

The words are for the finance lead who changed the policy: "2 customers get a different letter or
call on 2026-11-24", "newly on credit hold", "fees GBP 15.00 → 30.00". The Markdown puts that
headline first and the details in ``<details>`` blocks with capped lists, so a pull request with a
large impact still gets a comment that fits on a screen (and under GitHub's size limit).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from engine.model.actions import Action, PolicyVersion, Suppression
from engine.model.money import ROUNDING_NAME, round_money
from engine.model.plan import (
    ActionKey,
    ChangedAction,
    CustomerImpact,
    DayPlan,
    MoneyChange,
    Plan,
    StepCount,
    action_key,
)
from engine.report.render import kind_label, money_map

# Markdown lists stop after this many rows and say how many more there are.
MARKDOWN_CUSTOMER_CAP = 25
MARKDOWN_PROBLEM_CAP = 10
PLAN_JSON_VERSION = 1


# -- words shared by the formats ---------------------------------------------------------------


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


def _days(n: int) -> str:
    return plural(abs(n), "day")


def move_notes(plan: Plan) -> dict[tuple[ActionKey, str], str]:
    """Return, per (action key, ISO date), the note that the action moved to another day.

    The addition on the new day says when the base policy sends it; the removal on the old day
    says when the head policy sends it instead.
    """
    notes: dict[tuple[ActionKey, str], str] = {}
    for move in plan.moved():
        key = action_key(move.head)
        shift = f"{_days(move.days)} {'earlier' if move.days < 0 else 'later'}"
        notes[(key, move.head.date.isoformat())] = (
            f"moved {shift}: the base policy sends it on {move.base.date.isoformat()}"
        )
        notes[(key, move.base.date.isoformat())] = (
            f"moved {shift}: the head policy sends it on {move.head.date.isoformat()}"
        )
    return notes


def _note(notes: Mapping[tuple[ActionKey, str], str], action: Action) -> str:
    return notes.get((action_key(action), action.date.isoformat()), "")


def _moved_summary(plan: Plan) -> str:
    moved = plan.moved()
    earlier = sum(1 for m in moved if m.days < 0)
    return (
        f"{plural(len(moved), 'action')} moved to another day ({earlier} earlier, "
        f"{len(moved) - earlier} later)"
    )


def _step_total(counts: Iterable[StepCount], side: str) -> int:
    return sum(getattr(c, side) for c in counts)


def _newly_lines(plan: Plan) -> list[tuple[str, tuple[Action, ...]]]:
    return [
        ("Newly on credit hold", plan.newly("credit_hold")),
        ("Newly escalated", plan.newly("escalate")),
        ("Newly sent to write-off review", plan.newly("write_off_review")),
    ]


def _customer_names(actions: Sequence[Action]) -> str:
    return ", ".join(
        f"{a.customer_id} {a.customer_name}"
        + (
            f" ({a.date.isoformat()})"
            if a.escalate_to is None
            else f" to {a.escalate_to} ({a.date.isoformat()})"
        )
        for a in actions
    )


def _base_warning(plan: Plan) -> str:
    return (
        f"The base policy ({version_label(plan.base_version)}) is invalid "
        f"({plural(len(plan.base_problems), 'problem')}), so it is taken as producing no actions: "
        f"every action of the head policy shows as added."
    )


# -- text --------------------------------------------------------------------------------------


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
            if _note(notes, action):
                lines.append(f"                 {_note(notes, action)}")
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
        lines += ["", f"Warning: {_base_warning(plan)}"]
        lines += [f"  {problem}" for problem in plan.base_problems]
    steps = plan.steps()
    lines += [
        "",
        "Summary",
        f"  Actions: base {_step_total(steps, 'base')}, head {_step_total(steps, 'head')}: "
        f"{plan.count('added')} new, {plan.count('removed')} no longer due, "
        f"{plan.count('changed')} changed",
        f"  Customers affected: {len(plan.customers_affected())}, of whom "
        f"{len(plan.customers_contacted_differently())} with a different letter or call",
    ]
    if plan.moved():
        lines.append(f"  Moved: {_moved_summary(plan)}")
    for label, actions in _newly_lines(plan):
        lines.append(f"  {label}: {_customer_names(actions) or 'nobody'}")
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


# -- markdown ----------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(_md(c) for c in cells) + " |"


def _md_summary_table(plan: Plan) -> list[str]:
    steps = plan.steps()
    base_total, head_total = _step_total(steps, "base"), _step_total(steps, "head")
    rows = [
        "| | Base | Head | Change |",
        "|---|---:|---:|---:|",
        _row(["Actions", str(base_total), str(head_total), signed(head_total - base_total)]),
    ]
    for m in plan.charges():
        c = m.currency
        rows.append(
            _row(
                [
                    f"Fees {c}",
                    amount(m.base.fees, c),
                    amount(m.head.fees, c),
                    signed(m.head.fees - m.base.fees, c),
                ]
            )
        )
        rows.append(
            _row(
                [
                    f"Interest {c}",
                    amount(m.base.interest, c),
                    amount(m.head.interest, c),
                    signed(m.head.interest - m.base.interest, c),
                ]
            )
        )
    return rows


def _capped(lines: list[str], total: int, cap: int, noun: str) -> list[str]:
    if total > cap:
        lines += ["", f"_and {plural(total - cap, 'more ' + noun)}_"]
    return lines


def _why(action: Action, notes: Mapping[tuple[ActionKey, str], str]) -> str:
    note = _note(notes, action)
    return f"{note[0].upper()}{note[1:]}. {first_reason(action)}" if note else first_reason(action)


def _md_customer_rows(
    impact: CustomerImpact, notes: Mapping[tuple[ActionKey, str], str]
) -> list[str]:
    cells: list[list[str]] = []
    for action in impact.removed:
        cells.append(["no longer", *_md_action(action), _why(action, notes)])
    for action in impact.added:
        cells.append(["new", *_md_action(action), _why(action, notes)])
    for change in impact.changed:
        cells.append(["changed", *_md_action(change.head), change_text(change)])
    for item in impact.held_back:
        cells.append(
            ["held back", item.step or "", "-", ", ".join(item.invoice_ids), "-", item.text]
        )
    for item in impact.released:
        cells.append(
            [
                "no longer held back",
                item.step or "",
                "-",
                ", ".join(item.invoice_ids),
                "-",
                item.text,
            ]
        )
    who = f"**{impact.customer_id}** {impact.customer_name}"
    return [_row([who if i == 0 else "", *row]) for i, row in enumerate(cells)]


def _md_action(action: Action) -> list[str]:
    return [action.step, kind_label(action), ", ".join(action.invoice_ids), charges_text(action)]


def _md_day(day: DayPlan, notes: Mapping[tuple[ActionKey, str], str]) -> list[str]:
    shown = day.customers[:MARKDOWN_CUSTOMER_CAP]
    summary = (
        f"Changes on {day.date.isoformat()}: {plural(len(day.customers), 'customer')} "
        f"({len(day.added)} new, {len(day.removed)} no longer due, {len(day.changed)} changed)"
    )
    lines = [
        "<details>",
        f"<summary>{summary}</summary>",
        "",
        "| Customer | Change | Step | What | Invoices | Fees and interest | Why |",
        "|---|---|---|---|---|---|---|",
    ]
    for impact in shown:
        lines += _md_customer_rows(impact, notes)
    _capped(lines, len(day.customers), MARKDOWN_CUSTOMER_CAP, "customer")
    return [*lines, "", "</details>", ""]


def render_markdown(plan: Plan) -> str:
    """Return the plan as Markdown for a pull-request comment: headline, summary, then details."""
    lines = [f"### Policy plan: {headline(plan)}", ""]
    if not plan.base_valid:
        lines += [f"> **Warning:** {_md(_base_warning(plan))}", ""]
    lines += _md_summary_table(plan)
    lines.append("")
    for label, actions in _newly_lines(plan):
        if actions:
            lines.append(f"- **{label}:** {_md(_customer_names(actions))}")
    contacted = plan.customers_contacted_differently()
    if contacted:
        lines.append(f"- **Different letter or call:** {_md(', '.join(contacted))}")
    if plan.moved():
        lines.append(f"- **Moved:** {_moved_summary(plan)}")
    lines += [
        "",
        f"Base `{version_label(plan.base_version)}` · head `{version_label(plan.head_version)}`"
        + (f" · ledger `{plan.ledger_label}`" if plan.ledger_label else "")
        + f" · amounts rounded {ROUNDING_NAME}",
        "",
    ]
    if not plan.base_valid:
        problems = [f"- `{_md(str(p))}`" for p in plan.base_problems[:MARKDOWN_PROBLEM_CAP]]
        lines += ["<details>", "<summary>Problems of the base policy</summary>", "", *problems]
        _capped(lines, len(plan.base_problems), MARKDOWN_PROBLEM_CAP, "problem")
        lines += ["", "</details>", ""]
    notes = move_notes(plan)
    for day in plan.days:
        if day.has_changes:
            lines += _md_day(day, notes)
    steps = plan.steps()
    if steps:
        lines += [
            "<details>",
            "<summary>Actions per step</summary>",
            "",
            "| Ladder | Step | Base | Head | Change |",
            "|---|---|---:|---:|---:|",
        ]
        lines += [
            _row([s.ladder, s.step, str(s.base), str(s.head), signed(s.difference)]) for s in steps
        ]
        lines += ["", "</details>", ""]
    return "\n".join(lines)


# -- json --------------------------------------------------------------------------------------


def _money_dict(amounts: Mapping[str, Decimal]) -> dict[str, str]:
    return {c: format(round_money(v, c), "f") for c, v in sorted(amounts.items())}


def _plain(value: Decimal, currency: str) -> str:
    return format(round_money(value, currency), "f")


def action_json(action: Action) -> dict[str, Any]:
    """Return the parts of an action a plan compares, as JSON-ready data (money as strings)."""
    return {
        "id": action.id,
        "customer": {"id": action.customer_id, "name": action.customer_name},
        "ladder": action.ladder,
        "step": action.step,
        "occurrence": action.occurrence,
        "kind": action.kind,
        "what_to_do": kind_label(action),
        "template": action.template,
        "tone": action.tone,
        "language": action.language,
        "invoices": list(action.invoice_ids),
        "open": _money_dict(action.totals),
        "fees": _money_dict(action.fees()),
        "interest": _money_dict(action.interest()),
        "reasons": [r.text for r in action.reasons],
    }


def _held_json(item: Suppression) -> dict[str, Any]:
    return {
        "customer": {"id": item.customer_id, "name": item.customer_name},
        "code": item.code,
        "step": item.step,
        "invoices": list(item.invoice_ids),
        "reason": item.text,
        "until": item.until.isoformat() if item.until else None,
    }


def _changed_json(change: ChangedAction) -> dict[str, Any]:
    head = change.head
    return {
        "id": head.id,
        "customer": {"id": head.customer_id, "name": head.customer_name},
        "step": head.step,
        "occurrence": head.occurrence,
        "invoices": list(head.invoice_ids),
        "changes": [{"field": c.field, "base": c.base, "head": c.head} for c in change.changes],
    }


def _charges_json(charges: Sequence[MoneyChange]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in charges:
        c = m.currency
        out[c] = {
            part: {
                "base": _plain(getattr(m.base, part), c),
                "head": _plain(getattr(m.head, part), c),
                "difference": _plain(getattr(m.head, part) - getattr(m.base, part), c),
            }
            for part in ("fees", "interest", "total")
        }
    return out


def _steps_json(steps: Sequence[StepCount]) -> list[dict[str, Any]]:
    return [
        {
            "ladder": s.ladder,
            "step": s.step,
            "base": s.base,
            "head": s.head,
            "difference": s.difference,
        }
        for s in steps
    ]


def _version_json(version: PolicyVersion) -> dict[str, Any]:
    return {
        "ref": version.ref,
        "commit": version.commit,
        "digest": version.digest,
        "source": version.source,
    }


def _newly_json(actions: Sequence[Action]) -> list[dict[str, Any]]:
    return [
        {
            "customer": {"id": a.customer_id, "name": a.customer_name},
            "date": a.date.isoformat(),
            "step": a.step,
        }
        for a in actions
    ]


def _day_json(day: DayPlan) -> dict[str, Any]:
    return {
        "date": day.date.isoformat(),
        "actions": {"base": len(day.base.actions), "head": len(day.head.actions)},
        "added": [action_json(a) for a in day.added],
        "removed": [action_json(a) for a in day.removed],
        "changed": [_changed_json(c) for c in day.changed],
        "held_back": [_held_json(s) for s in day.held_back],
        "no_longer_held_back": [_held_json(s) for s in day.released],
        "newly_on_credit_hold": _newly_json(day.newly_on_hold),
        "newly_escalated": _newly_json(day.newly_escalated),
        "newly_write_off_review": _newly_json(day.newly_write_off_review),
        "charges": _charges_json(day.charges),
        "steps": _steps_json(day.steps),
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """Return the plan as JSON-ready data; the shape is stable (``format_version``)."""
    steps = plan.steps()
    return {
        "format_version": PLAN_JSON_VERSION,
        "headline": headline(plan),
        "base": {
            **_version_json(plan.base_version),
            "valid": plan.base_valid,
            "problems": [str(p) for p in plan.base_problems],
        },
        "head": _version_json(plan.head_version),
        "ledger": plan.ledger_label or None,
        "dates": [d.isoformat() for d in plan.dates],
        "rounding": ROUNDING_NAME,
        "summary": {
            "changed": plan.has_changes,
            "actions": {"base": _step_total(steps, "base"), "head": _step_total(steps, "head")},
            "added": plan.count("added"),
            "removed": plan.count("removed"),
            "changed_actions": plan.count("changed"),
            "customers_affected": list(plan.customers_affected()),
            "customers_contacted_differently": list(plan.customers_contacted_differently()),
            "moved": [
                {
                    "customer": {"id": m.head.customer_id, "name": m.head.customer_name},
                    "step": m.head.step,
                    "occurrence": m.head.occurrence,
                    "invoices": list(m.head.invoice_ids),
                    "base_date": m.base.date.isoformat(),
                    "head_date": m.head.date.isoformat(),
                    "days": m.days,
                }
                for m in plan.moved()
            ],
            "newly_on_credit_hold": _newly_json(plan.newly("credit_hold")),
            "newly_escalated": _newly_json(plan.newly("escalate")),
            "newly_write_off_review": _newly_json(plan.newly("write_off_review")),
            "charges": _charges_json(plan.charges()),
            "steps": _steps_json(steps),
        },
        "days": [_day_json(day) for day in plan.days],
    }


def render_json(plan: Plan) -> str:
    """Return the plan as indented JSON."""
    return json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False) + "\n"


PlanReporter = Callable[[Plan], str]

REPORTERS: dict[str, PlanReporter] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
}


def render_plan(plan: Plan, fmt: str) -> str:
    """Return the plan rendered in ``fmt`` (text, markdown or json)."""
    return REPORTERS[fmt](plan)


__all__ = ["REPORTERS", "headline", "plan_to_dict", "render_plan"]
