"""A plan as JSON for machines: every day, customer, action and amount, with a format version."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from engine.model.actions import Action, PolicyVersion, Suppression
from engine.model.money import ROUNDING_NAME, money_string, money_strings
from engine.model.plan import (
    ChangedAction,
    DayPlan,
    MoneyChange,
    Plan,
    StepCount,
)
from engine.report.plan_words import (
    headline,
    step_total,
)
from engine.report.render import kind_label

PLAN_JSON_VERSION = 1


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
        "open": money_strings(action.totals),
        "fees": money_strings(action.fees()),
        "interest": money_strings(action.interest()),
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
                "base": money_string(getattr(m.base, part), c),
                "head": money_string(getattr(m.head, part), c),
                "difference": money_string(getattr(m.head, part) - getattr(m.base, part), c),
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
            "actions": {"base": step_total(steps, "base"), "head": step_total(steps, "head")},
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
