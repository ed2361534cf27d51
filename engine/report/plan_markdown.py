"""A plan as Markdown for a pull-request comment.

The headline first and the details in ``<details>`` blocks with capped lists, so a pull request
with a large impact still gets a comment that fits on a screen (and under GitHub's size limit).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.model.actions import Action
from engine.model.money import ROUNDING_NAME
from engine.model.plan import (
    ActionKey,
    CustomerImpact,
    DayPlan,
    Plan,
)
from engine.report.plan_words import (
    amount,
    base_warning,
    change_text,
    charges_text,
    customer_names,
    first_reason,
    headline,
    move_note,
    move_notes,
    moved_summary,
    newly_lines,
    plural,
    signed,
    step_total,
    version_label,
)
from engine.report.render import kind_label

# Markdown lists stop after this many rows and say how many more there are.
MARKDOWN_CUSTOMER_CAP = 25
MARKDOWN_PROBLEM_CAP = 10


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").replace("<", "&lt;")


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(_md(c) for c in cells) + " |"


def _md_summary_table(plan: Plan) -> list[str]:
    steps = plan.steps()
    base_total, head_total = step_total(steps, "base"), step_total(steps, "head")
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
    note = move_note(notes, action)
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
        lines += [f"> **Warning:** {_md(base_warning(plan))}", ""]
    lines += _md_summary_table(plan)
    lines.append("")
    for label, actions in newly_lines(plan):
        if actions:
            lines.append(f"- **{label}:** {_md(customer_names(actions))}")
    contacted = plan.customers_contacted_differently()
    if contacted:
        lines.append(f"- **Different letter or call:** {_md(', '.join(contacted))}")
    if plan.moved():
        lines.append(f"- **Moved:** {moved_summary(plan)}")
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
