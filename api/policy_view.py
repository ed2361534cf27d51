"""The policy in force and the last reload attempt, as JSON-ready data (``PolicyOut``)."""

from __future__ import annotations

from typing import Any

from api.action_lists import version_to_dict
from api.policy_state import PolicyStatus, ReloadAttempt
from engine.model.money import money_strings
from engine.model.policy import Ladder, Step, StepCondition, Term
from engine.model.source import Problem


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """Return a policy problem as JSON-ready data."""
    return {
        "file": problem.file,
        "line": problem.line,
        "column": problem.column,
        "code": problem.code,
        "message": problem.message,
        "path": problem.path,
    }


def attempt_to_dict(attempt: ReloadAttempt) -> dict[str, Any]:
    """Return a reload attempt as JSON-ready data."""
    return {
        "at": attempt.at.isoformat(),
        "trigger": attempt.trigger,
        "ok": attempt.ok,
        "message": attempt.message,
        "commit": attempt.commit,
        "digest": attempt.digest,
        "problems": [problem_to_dict(p) for p in attempt.problems],
    }


def _step(step: Step) -> dict[str, Any]:
    return {
        "id": step.id,
        "at": str(step.at),
        "kind": step.kind,
        "channel": step.channel,
        "template": step.template,
        "tone": step.tone,
        "fee": step.fee,
        "interest": step.interest,
        "repeat_days": step.repeat_days,
        "repeat_months": step.repeat_months,
        "max_repeats": step.max_repeats,
        "when": _condition(step.when) if step.when is not None else None,
        "assign": step.assign,
        "to": step.to,
        "min_balance": money_strings(step.min_balance),
        "currencies": sorted(step.currencies),
        "expires_days": step.expires_days,
        "after_due": step.after_due,
        "description": step.description,
    }


def _condition(when: StepCondition) -> dict[str, Any]:
    return {
        "min_open_invoices": when.min_open_invoices,
        "overdue_above": money_strings(when.overdue_above),
        "segment": list(when.segments),
    }


def _ladder(ladder: Ladder) -> dict[str, Any]:
    return {
        "name": ladder.name,
        "description": ladder.description,
        "catch_up": ladder.catch_up,
        "currencies": sorted(ladder.currencies),
        "split_by_currency": ladder.split_by_currency,
        "steps": [_step(step) for step in ladder.steps],
    }


def _term(term: Term) -> dict[str, Any]:
    # The first (best) discount; a percentage counted in days from the invoice date.
    first = term.discounts[0] if term.discounts else None
    return {
        "name": term.name,
        "description": term.description,
        "net_days": term.net_days,
        "from_end_of_month": term.from_end_of_month,
        "day_of_next_month": term.day_of_next_month,
        "discount_percent": (
            format(first.percent, "f") if first is not None and first.percent is not None else None
        ),
        "discount_days": first.days if first is not None else None,
    }


def policy_to_dict(status: PolicyStatus) -> dict[str, Any]:
    """Return the policy in force, its source and the last reload attempt (``PolicyOut``)."""
    served = status.served
    policy = served.policy if served else None
    return {
        "mode": status.mode,
        "ref": status.ref,
        "note": status.note,
        "degraded": status.degraded,
        "policy_version": version_to_dict(served.version) if served else None,
        "name": policy.name if policy else None,
        "timezone": policy.timezone if policy else None,
        "base_currency": policy.base_currency if policy else None,
        "defaults": (
            {
                "terms": policy.defaults.terms,
                "ladder": policy.defaults.ladder,
                "tone": policy.defaults.tone,
            }
            if policy
            else {}
        ),
        "min_balance": money_strings(policy.min_balance) if policy else {},
        "other_currencies": policy.other_currencies if policy else None,
        "ladders": [_ladder(policy.ladders[n]) for n in sorted(policy.ladders)] if policy else [],
        "terms": [_term(policy.terms[n]) for n in sorted(policy.terms)] if policy else [],
        "customers_with_files": len(policy.customers) if policy else 0,
        "last_reload": attempt_to_dict(status.last_attempt) if status.last_attempt else None,
    }
