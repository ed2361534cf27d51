"""One customer's state on a day: open invoices, balance and aging, effective policy, history.

Built from the customer's own ledger (read for that customer only) and the engine, one evaluation
context for all of it: the open invoices, balance and aging of ``engine.rules.balances`` (the
amounts and days overdue the action list chases, after unapplied cash as the policy says), the
charges owed of ``engine.rules.charges_owed`` and the total of ``engine.rules.statement``, the
effective policy with the layer that set each value, and the evaluation of that customer alone,
which gives today's actions and the suppressions in force with their reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from api.action_lists import version_to_dict
from api.errors import CUSTOMER_NOT_FOUND, NotFoundError
from api.policy_state import ServedPolicy
from engine.evaluate import evaluate_customer
from engine.model.money import money_string
from engine.model.policy import Policy
from engine.report.render import RenderContext, action_to_dict, suppression_to_dict
from engine.rules.balances import account_balances
from engine.rules.charges_owed import charges_owed
from engine.rules.context import EvaluationContext
from engine.rules.effective import EffectivePolicy
from engine.rules.output import CustomerOutcome
from engine.rules.statement import Statement, statement_of
from store.outcomes import promise_history
from store.reader import load_snapshot


def _plain(amount: Decimal) -> str:
    return format(amount, "f")


def _amounts(totals: Mapping[str, Decimal]) -> dict[str, str]:
    return {currency: _plain(value) for currency, value in sorted(totals.items())}


def customer_detail(
    engine: Engine, served: ServedPolicy, customer_id: str, day: date
) -> dict[str, Any]:
    """Return the ``CustomerDetail`` of ``customer_id`` on ``day``, or raise ``NotFoundError``."""
    snapshot = load_snapshot(engine, [customer_id], as_of=day)
    if not snapshot.customers:
        raise NotFoundError(CUSTOMER_NOT_FOUND)
    ledger = snapshot.customers[0]
    policy = served.policy
    context = EvaluationContext(policy)
    rules = context.effective.get(ledger.customer, context.rule_currencies(ledger))
    outcome = evaluate_customer(context, ledger, day)
    owed = charges_owed(policy, ledger, day)
    return {
        "date": day.isoformat(),
        "policy_version": version_to_dict(served.version),
        "customer": {
            "id": ledger.customer.id,
            "name": rules.customer_name,
            "country": ledger.customer.country,
            "segment": ledger.customer.segment,
            "language": ledger.customer.language,
        },
        **_money(statement_of(account_balances(context, ledger, day), owed)),
        "effective_policy": _effective(rules),
        **_today(outcome, policy),
        "history": [
            {
                "action_id": record.action_id,
                "step": record.step,
                "invoices": list(record.invoice_ids),
                "date": record.date.isoformat(),
                "status": record.status.value,
            }
            for record in sorted(ledger.history, key=lambda r: (r.date, r.action_id), reverse=True)
        ],
        "promises": _promises(engine, customer_id, day),
        "disputes": [
            {
                "id": d.id,
                "invoice": d.invoice_id,
                "opened": d.opened.isoformat(),
                "resolved": d.resolved.isoformat() if d.resolved else None,
                "reason": d.reason,
            }
            for d in ledger.disputes
        ],
    }


def _promises(engine: Engine, customer_id: str, day: date) -> list[dict[str, Any]]:
    # The history, replaced promises too (the ledger the engine reads holds those in force).
    with engine.connect() as conn:
        history = promise_history(conn, customer_id, day)
    return [
        {
            "id": p.id,
            "made": p.made.isoformat(),
            "pay_by": p.pay_by.isoformat(),
            "amount": _plain(p.amount),
            "currency": p.currency,
            "invoices": list(p.invoice_ids),
            "superseded_by": p.superseded_by,
            "superseded_on": p.superseded_on.isoformat() if p.superseded_on else None,
        }
        for p in history
    ]


def _money(statement: Statement) -> dict[str, Any]:
    balances = statement.balances
    return {
        "balance": _amounts(balances.balance),
        "overdue": _amounts(balances.overdue),
        "charges_owed": _amounts(statement.charges_owed),
        "total_owed": _amounts(statement.due),
        "charges": [
            {
                "action_id": c.action_id,
                "step": c.step,
                "kind": c.kind,
                "date": c.charged.isoformat(),
                "invoice": c.invoice_id,
                "invoices": list(c.invoice_ids),
                "currency": c.currency,
                "amount": money_string(c.amount, c.currency),
                "paid": money_string(c.paid, c.currency),
                "waived": money_string(c.waived, c.currency),
                "owed": money_string(c.owed, c.currency),
                "waiver": c.waiver,
            }
            for c in statement.all_charges
        ],
        "aging": [
            {
                "bucket": bucket.name,
                "label": bucket.label,
                "invoices": bucket.invoices,
                "amounts": _amounts(bucket.amounts),
            }
            for bucket in balances.aging
        ],
        "open_invoices": [
            {
                "id": entry.invoice.id,
                "issued": entry.invoice.issued.isoformat(),
                "due": entry.due.isoformat(),
                "currency": entry.invoice.currency,
                "amount": _plain(entry.invoice.amount),
                "open": _plain(entry.open),
                "days_overdue": entry.days_overdue,
                "disputed": entry.disputed,
            }
            for entry in balances.invoices
        ],
    }


def _effective(rules: EffectivePolicy) -> dict[str, Any]:
    limit = rules.credit_limit
    return {
        "ladder": rules.ladder.name,
        "terms": rules.term.name,
        "tone": rules.tone,
        "language": rules.language,
        "skip": sorted(rules.skip),
        "delay": dict(sorted(rules.delay.items())),
        "exempt": sorted(rules.exempt),
        "credit_limit": (
            {"amount": _plain(limit.amount), "currency": limit.currency} if limit else None
        ),
        "pause": (
            {
                "until": rules.pause.until.isoformat() if rules.pause.until else None,
                "reason": rules.pause.reason,
            }
            if rules.pause
            else None
        ),
        "owner": rules.owner,
        "contacts": [
            {"name": c.name, "email": c.email, "phone": c.phone, "role": c.role}
            for c in rules.contacts
        ],
        "decided_by": dict(rules.decided_by),
    }


def _today(outcome: CustomerOutcome, policy: Policy) -> dict[str, Any]:
    ctx = RenderContext(policy=policy, with_messages=True)
    return {
        "actions": [action_to_dict(action, ctx) for action in outcome.actions],
        "suppressions": [suppression_to_dict(item) for item in outcome.suppressions],
    }
