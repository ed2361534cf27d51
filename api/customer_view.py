"""One customer's state on a day: open invoices, balance and aging, effective policy, history.

Built from the customer's own ledger (read for that customer only) and the engine: the effective
policy with the layer that set each value, and an evaluation of that customer alone, which gives
today's actions and the suppressions in force with their reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine

from api.action_lists import version_to_dict
from api.errors import NotFoundError
from api.policy_state import ServedPolicy
from engine.evaluate import evaluate
from engine.model.actions import Evaluation
from engine.model.ledger import CustomerLedger, Invoice
from engine.model.policy import CalendarSpec, Policy
from engine.report.render import RenderContext, action_to_dict, suppression_to_dict
from engine.rules.calendar import BusinessCalendar
from engine.rules.effective import EffectivePolicy, effective_policy
from engine.rules.terms import term_dates
from store.outcomes import promise_history
from store.reader import load_snapshot

# Overdue days at which each aging bucket starts (the usual 30-day buckets of an aging report).
AGING_BUCKETS = (("current", None), ("1-30", 1), ("31-60", 31), ("61-90", 61), ("over-90", 91))


@lru_cache(maxsize=8)
def _calendar(spec: CalendarSpec) -> BusinessCalendar:
    return BusinessCalendar(spec)


def _plain(amount: Decimal) -> str:
    return format(amount, "f")


def _amounts(totals: Mapping[str, Decimal]) -> dict[str, str]:
    return {currency: _plain(value) for currency, value in sorted(totals.items())}


def _bucket(days_overdue: int) -> str:
    name = AGING_BUCKETS[0][0]
    for bucket, start in AGING_BUCKETS[1:]:
        if start is not None and days_overdue >= start:
            name = bucket
    return name


def _due(policy: Policy, rules: EffectivePolicy, invoice: Invoice) -> date:
    if invoice.due is not None:
        return invoice.due
    term = policy.terms.get(invoice.terms) if invoice.terms else None
    dates = term_dates(
        term or rules.term, invoice.issued, _calendar(policy.calendar), policy.due_date_roll
    )
    return dates.due


def _open_amount(invoice: Invoice, day: date) -> Decimal:
    return invoice.amount - sum(
        (s.amount for s in invoice.settlements if s.date <= day), Decimal(0)
    )


def customer_detail(
    engine: Engine, served: ServedPolicy, customer_id: str, day: date
) -> dict[str, Any]:
    """Return the ``CustomerDetail`` of ``customer_id`` on ``day``, or raise ``NotFoundError``."""
    snapshot = load_snapshot(engine, [customer_id], as_of=day)
    if not snapshot.customers:
        raise NotFoundError(f"customer {customer_id} is not in the ledger")
    ledger = snapshot.customers[0]
    policy = served.policy
    currencies = frozenset(invoice.currency for invoice in ledger.invoices)
    rules = effective_policy(policy, ledger.customer, currencies)
    evaluation = evaluate(policy, [ledger], day, served.version)
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
        **_money(policy, rules, ledger, day),
        "effective_policy": _effective(rules),
        **_today(evaluation, policy),
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


def _money(
    policy: Policy, rules: EffectivePolicy, ledger: CustomerLedger, day: date
) -> dict[str, Any]:
    disputed = {d.invoice_id for d in ledger.disputes if d.open_on(day)}
    balance: dict[str, Decimal] = {}
    overdue: dict[str, Decimal] = {}
    aging: dict[str, dict[str, Decimal]] = {name: {} for name, _ in AGING_BUCKETS}
    counts = dict.fromkeys(aging, 0)
    invoices = []
    for invoice in ledger.invoices:
        remaining = _open_amount(invoice, day)
        if invoice.issued > day or remaining <= 0:
            continue
        due = _due(policy, rules, invoice)
        days_overdue = (day - due).days
        currency = invoice.currency
        balance[currency] = balance.get(currency, Decimal(0)) + remaining
        if days_overdue > 0:
            overdue[currency] = overdue.get(currency, Decimal(0)) + remaining
        bucket = _bucket(days_overdue)
        aging[bucket][currency] = aging[bucket].get(currency, Decimal(0)) + remaining
        counts[bucket] += 1
        invoices.append(
            {
                "id": invoice.id,
                "issued": invoice.issued.isoformat(),
                "due": due.isoformat(),
                "currency": currency,
                "amount": _plain(invoice.amount),
                "open": _plain(remaining),
                "days_overdue": days_overdue,
                "disputed": invoice.id in disputed,
            }
        )
    # Unapplied cash and credit lower the balance (not any one invoice's open amount).
    for item in ledger.unapplied:
        if item.date <= day:
            balance[item.currency] = balance.get(item.currency, Decimal(0)) - item.amount
    return {
        "balance": _amounts(balance),
        "overdue": _amounts(overdue),
        "aging": [
            {"bucket": name, "invoices": counts[name], "amounts": _amounts(aging[name])}
            for name, _ in AGING_BUCKETS
        ],
        "open_invoices": invoices,
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
        "credit_limit": {"amount": _plain(limit[0]), "currency": limit[1]} if limit else None,
        "pause": (
            {"until": rules.pause.until.isoformat(), "reason": rules.pause.reason}
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


def _today(evaluation: Evaluation, policy: Policy) -> dict[str, Any]:
    ctx = RenderContext(policy=policy, with_messages=True)
    return {
        "actions": [action_to_dict(action, ctx) for action in evaluation.actions],
        "suppressions": [suppression_to_dict(item) for item in evaluation.suppressions],
    }
