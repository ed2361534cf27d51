"""Action lists as text for people and machines: table, JSON, CSV and Markdown reporters.

Messages are rendered here, lazily, only for the actions being shown; the evaluation never renders
them (a 100,000-customer ledger would pay for letters nobody reads).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from engine.model.actions import Action, Evaluation, PolicyVersion, Superseded, Suppression
from engine.model.money import ROUNDING_NAME, format_money, money_string, money_strings
from engine.model.policy import Policy
from engine.report.messages import render_message

KIND_LABELS = {
    "email": "Send email",
    "letter": "Send letter",
    "sms": "Send SMS",
    "phone": "Phone call",
    "credit_hold": "Put on credit hold",
    "credit_release": "Release credit hold",
    "credit_review": "Review credit limit",
    "escalate": "Escalate",
    "write_off_review": "Review for write-off",
}


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a reporter may show besides the evaluation: the policy (for messages) and the ledger."""

    policy: Policy | None = None
    ledger_label: str = ""
    with_messages: bool = True


def money_map(amounts: Mapping[str, Decimal]) -> str:
    """Return amounts per currency as ``GBP 1,200.00, EUR 40.00``, or ``-`` when empty."""
    return ", ".join(format_money(v, c) for c, v in sorted(amounts.items())) or "-"


def kind_label(action: Action) -> str:
    """Return what staff must do, in words: ``Send email``, ``Escalate to agency``."""
    label = KIND_LABELS.get(action.kind, action.kind)
    if action.kind == "escalate" and action.escalate_to:
        label = f"Escalate to {action.escalate_to}"
    return label


def action_to_dict(action: Action, ctx: RenderContext) -> dict[str, Any]:
    """Return one action as JSON-ready data (money as strings)."""
    data: dict[str, Any] = {
        "id": action.id,
        "date": action.date.isoformat(),
        "customer": {"id": action.customer_id, "name": action.customer_name},
        "ladder": action.ladder,
        "step": action.step,
        "occurrence": action.occurrence,
        "kind": action.kind,
        "what_to_do": kind_label(action),
        "channel": action.channel,
        "template": action.template,
        "tone": action.tone,
        "language": action.language,
        "assign_to": action.assign,
        "owner": action.owner,
        "escalate_to": action.escalate_to,
        "invoices": [
            {
                "id": inv.id,
                "issued": inv.issued.isoformat(),
                "due": inv.due.isoformat(),
                "currency": inv.currency,
                "amount": money_string(inv.amount, inv.currency),
                "open": money_string(inv.open, inv.currency),
                "days_overdue": inv.days_overdue,
                "step_date": inv.step_date.isoformat(),
                "charges_owed": money_string(inv.charges_owed, inv.currency),
            }
            for inv in action.invoices
        ],
        "totals": money_strings(action.totals),
        "charges": [
            {
                "kind": ch.kind,
                "name": ch.name,
                "invoice": ch.invoice_id,
                "currency": ch.currency,
                "amount": money_string(ch.amount, ch.currency),
                "detail": ch.detail,
            }
            for ch in action.charges
        ],
        "reasons": [{"text": r.text, "facts": dict(r.facts)} for r in action.reasons],
        "supersedes": list(action.supersedes),
    }
    if ctx.with_messages and ctx.policy is not None and action.template:
        message = render_message(action, ctx.policy)
        if message is not None:
            data["message"] = {
                "subject": message.subject,
                "body": message.body,
                "tone": message.tone,
                "language": message.language,
                "note": message.fallback_note,
            }
    return data


def suppression_to_dict(item: Suppression) -> dict[str, Any]:
    """Return one held-back item as JSON-ready data."""
    return {
        "customer": {"id": item.customer_id, "name": item.customer_name},
        "code": item.code,
        "reason": item.text,
        "step": item.step,
        "invoices": list(item.invoice_ids),
        "until": item.until.isoformat() if item.until else None,
    }


def evaluation_to_dict(evaluation: Evaluation, ctx: RenderContext) -> dict[str, Any]:
    """Return the whole action list as JSON-ready data."""
    totals = {
        "actions": len(evaluation.actions),
        "customers": len({a.customer_id for a in evaluation.actions}),
        "by_kind": evaluation.counts_by_kind(),
        "open_by_currency": money_strings(evaluation.totals_by_currency()),
        "charges_by_currency": money_strings(evaluation.charges_by_currency()),
        "charges_owed_by_currency": money_strings(evaluation.charges_owed_by_currency()),
        "held_back": len(evaluation.suppressions),
        "superseded": len(evaluation.superseded),
        "customers_evaluated": evaluation.customers_evaluated,
        "invoices_evaluated": evaluation.invoices_evaluated,
    }
    return {
        **list_header(evaluation.as_of, evaluation.policy_version, ctx, totals),
        "actions": [action_to_dict(a, ctx) for a in evaluation.actions],
        "held_back": [suppression_to_dict(s) for s in evaluation.suppressions],
        "superseded": [superseded_to_dict(s) for s in evaluation.superseded],
    }


def list_header(
    as_of: date, version: PolicyVersion, ctx: RenderContext, totals: dict[str, Any]
) -> dict[str, Any]:
    """Return what the JSON list says before its items: the day, the policy, the totals."""
    return {
        "date": as_of.isoformat(),
        "policy": {
            "commit": version.commit,
            "ref": version.ref,
            "digest": version.digest,
            "source": version.source,
        },
        "ledger": ctx.ledger_label or None,
        "rounding": ROUNDING_NAME,
        "totals": totals,
    }


def superseded_to_dict(item: Superseded) -> dict[str, Any]:
    """Return one superseded step as JSON-ready data."""
    return {
        "customer": item.customer_id,
        "step": item.step,
        "invoices": list(item.invoice_ids),
        "by_step": item.by_step,
        "action_id": item.action_id,
    }


def render_json(evaluation: Evaluation, ctx: RenderContext) -> str:
    """Return the action list as JSON."""
    return json.dumps(evaluation_to_dict(evaluation, ctx), indent=2, ensure_ascii=False) + "\n"


def _headline(evaluation: Evaluation, ctx: RenderContext) -> list[str]:
    policy_name = ctx.policy.name if ctx.policy is not None else "policy"
    customers = len({a.customer_id for a in evaluation.actions})
    lines = [
        f"Daily action list for {evaluation.as_of.isoformat()} ({policy_name})",
        f"Policy version: {evaluation.policy_version.label()}",
    ]
    if ctx.ledger_label:
        lines.append(f"Ledger: {ctx.ledger_label}")
    lines.append(
        f"{len(evaluation.actions)} actions for {customers} customers; "
        f"open amounts {money_map(evaluation.totals_by_currency())}; "
        f"fees and interest {money_map(evaluation.charges_by_currency())} "
        f"(rounded {ROUNDING_NAME})"
    )
    owed = evaluation.charges_owed_by_currency()
    if owed:
        lines.append(f"Fees and interest charged before and still owed: {money_map(owed)}")
    return lines


def _first_reason(action: Action) -> str:
    return action.reasons[0].text if action.reasons else ""


def _suppression_lines(evaluation: Evaluation) -> list[str]:
    if not evaluation.suppressions:
        return []
    lines = ["", f"Held back today ({len(evaluation.suppressions)}):"]
    for item in evaluation.suppressions:
        lines.append(f"  {item.customer_id} {item.customer_name}: {item.text}")
    return lines


def render_table(evaluation: Evaluation, ctx: RenderContext) -> str:
    """Return the action list as an aligned text table for a terminal."""
    lines = _headline(evaluation, ctx)
    rows = [("Customer", "Name", "Step", "What to do", "Invoices", "Open", "Charges", "Why")]
    for action in evaluation.actions:
        rows.append(
            (
                action.customer_id,
                action.customer_name[:28],
                action.step,
                kind_label(action),
                " ".join(action.invoice_ids) if len(action.invoices) <= 3
                else f"{len(action.invoices)} invoices",
                money_map(action.totals),
                money_map(action.charged()),
                _first_reason(action),
            )
        )
    if len(rows) > 1:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
        lines.append("")
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)]
            lines.append("  ".join([*cells, row[-1]]).rstrip())
    else:
        lines.append("")
        lines.append("Nothing to do today.")
    lines.extend(_suppression_lines(evaluation))
    if evaluation.superseded:
        lines.append("")
        lines.append(
            f"Superseded: {len(evaluation.superseded)} lower steps are not sent because a higher"
            " step goes out today."
        )
    return "\n".join(lines) + "\n"


CSV_COLUMNS = (
    "date", "action_id", "customer_id", "customer_name", "step", "what_to_do", "channel",
    "assign_to", "template", "currency", "open_amount", "charges", "invoices",
    "max_days_overdue", "reason", "policy_version",
)


def render_csv(evaluation: Evaluation, ctx: RenderContext) -> str:
    """Return the action list as CSV, one row per action and currency.

    An action without invoices (a credit limit review, the release of a hold on a customer with
    nothing open) has one row, with the currency and amounts left empty.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    version = evaluation.policy_version.commit or evaluation.policy_version.digest
    for action in evaluation.actions:
        writer.writerows(csv_rows(action, version))
    return out.getvalue()


def csv_rows(action: Action, version: str) -> list[tuple[object, ...]]:
    """Return the CSV rows of one action: one per currency, or one with no currency."""
    charged = action.charged()
    rows: list[tuple[str, Decimal | None]] = [*sorted(action.totals.items())] or [("", None)]
    out: list[tuple[object, ...]] = []
    for currency, total in rows:
        invoices = [inv for inv in action.invoices if inv.currency == currency]
        out.append(
            (
                action.date.isoformat(), action.id, action.customer_id, action.customer_name,
                action.step, kind_label(action), action.channel or "", action.assign or "",
                action.template or "", currency,
                "" if total is None else money_string(total, currency),
                "" if total is None
                else money_string(charged.get(currency, Decimal(0)), currency),
                " ".join(inv.id for inv in invoices),
                max((inv.days_overdue for inv in invoices), default=0),
                _first_reason(action), version,
            )
        )
    return out


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(evaluation: Evaluation, ctx: RenderContext) -> str:
    """Return the action list as Markdown: a summary, then one table per kind of action."""
    head = _headline(evaluation, ctx)
    lines = [f"## {head[0]}", "", *[f"- {line}" for line in head[1:]], ""]
    by_kind: dict[str, list[Action]] = {}
    for action in evaluation.actions:
        by_kind.setdefault(kind_label(action), []).append(action)
    for label in sorted(by_kind):
        lines += [f"### {label} ({len(by_kind[label])})", ""]
        lines += [
            "| Customer | Step | Invoices | Open | Charges | Why |",
            "|---|---|---|---|---|---|",
        ]
        for a in by_kind[label]:
            cells = (
                f"{a.customer_id} {a.customer_name}", a.step, ", ".join(a.invoice_ids),
                money_map(a.totals), money_map(a.charged()), _first_reason(a),
            )
            lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
        lines.append("")
    if evaluation.suppressions:
        lines += [f"### Held back ({len(evaluation.suppressions)})", ""]
        lines += ["| Customer | Why |", "|---|---|"]
        for s in evaluation.suppressions:
            who = _md_cell(f"{s.customer_id} {s.customer_name}")
            lines.append(f"| {who} | {_md_cell(s.text)} |")
        lines.append("")
    return "\n".join(lines)


Reporter = Callable[[Evaluation, RenderContext], str]

REPORTERS: dict[str, Reporter] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
    "markdown": render_markdown,
}


def render_actions(evaluation: Evaluation, fmt: str, ctx: RenderContext | None = None) -> str:
    """Return the evaluation rendered in format ``fmt`` (table, json, csv or markdown)."""
    return REPORTERS[fmt](evaluation, ctx or RenderContext())
