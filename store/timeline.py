"""Assemble a customer's timeline from the ledger: the one function the page, API and CLI call.

Everything that happened to the account up to a day, newest first: the actions staff worked (with
who, the outcome and their note; holds and escalations are actions too, and so are deliveries the
daily job records), promises to pay (pending, kept or broken, by the engine's rule), disputes
opened and resolved, payment plans, payments and credit notes, invoices cancelled, reassignments,
and free-text notes.
Only what is dated on or before the day is shown, as every page of a day does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from sqlalchemy import Connection, Table, select

from engine.model.ledger import Payment, Promise
from engine.model.money import format_money
from engine.model.policy import Policy
from engine.model.timeline import EntryKind, Timeline, TimelineEntry
from engine.rules.context import EvaluationContext
from engine.rules.promises import promise_state
from store.assignments import customer_assignments
from store.audit import audit_entries
from store.models import (
    action_log,
    cancellations,
    credit_notes,
    customers,
    disputes,
    payments,
    promise_invoices,
    promises,
)
from store.notes import as_utc, customer_notes_of
from store.payment_plans import customer_plans, stated_amount
from store.portal_answers import CUSTOMER, NEEDS_STAFF, PORTAL_WORDS, answers_of, visits_of
from store.reader import iter_customer_ledgers

# How each kind of step reads in a timeline entry.
STEP_WORDS = {
    "email": "Email",
    "letter": "Letter",
    "sms": "SMS",
    "phone": "Phone call",
    "credit_hold": "Credit hold",
    "credit_release": "Credit hold release",
    "credit_review": "Credit limit review",
    "escalate": "Escalation",
    "write_off_review": "Write-off review",
}
STATUS_WORDS = {
    "done": "done",
    "skipped": "skipped",
    "failed": "tried, not done",
    "superseded": "superseded by a higher step sent the same day",
    "sent": "sent",
}
OUTCOME_WORDS = {"promise": "promise to pay taken", "dispute": "dispute taken"}


class CustomerNotFoundError(LookupError):
    """The customer is not in the ledger."""


def step_kinds(policy: Policy | None) -> dict[str, str]:
    """Return the kind of every step id of the policy's ladders (email, phone, credit_hold...)."""
    kinds: dict[str, str] = {}
    if policy is None:
        return kinds
    for name in sorted(policy.ladders):
        for step in policy.ladders[name].steps:
            kinds.setdefault(step.id, step.kind)
    return kinds


def read_timeline(
    conn: Connection, customer_id: str, as_of: date, policy: Policy | None = None
) -> Timeline:
    """Return the customer's timeline up to the end of ``as_of``, newest first.

    ``policy`` names the kind of each step (an email, a call, a credit hold); without it an
    action is named by its step alone. Raises ``CustomerNotFoundError`` for an unknown customer.
    """
    name = conn.execute(select(customers.c.name).where(customers.c.id == customer_id)).scalar()
    if name is None:
        raise CustomerNotFoundError(f"customer {customer_id} is not in the ledger")
    if policy is not None and customer_id in policy.customers:
        name = policy.customers[customer_id].name or name
    entries: list[TimelineEntry] = []
    entries += _actions(conn, customer_id, as_of, step_kinds(policy))
    cash = _cash(conn, customer_id, as_of)
    entries += [entry for entry, _ in cash]
    received = [payment for _, payment in cash if payment is not None]
    entries += _promises(conn, customer_id, as_of, received)
    if policy is not None:
        entries += _discounts(conn, customer_id, as_of, policy)
    entries += _disputes(conn, customer_id, as_of)
    entries += _cancellations(conn, customer_id, as_of)
    entries += _plans(conn, customer_id, as_of)
    for note in customer_notes_of(conn, customer_id, as_of):
        entries.append(
            TimelineEntry(
                note.date, "note", "Note", note.text, note.who, note.written_at, ref=note.id
            )
        )
    for moved in customer_assignments(conn, customer_id, as_of):
        entries.append(
            TimelineEntry(
                moved.date,
                "assignment",
                f"Action '{moved.step}' handed to {moved.assignee}",
                moved.note,
                moved.who,
                moved.assigned_at,
                ref=moved.action_id,
            )
        )
    for event in audit_entries(conn, customer_id=customer_id, as_of=as_of):
        entries.append(
            TimelineEntry(
                event.day,
                "case",
                event.summary,
                _event_detail(event.detail),
                event.who,
                event.at,
                event.event,
                ref=event.ref,
            )
        )
    entries += _portal(conn, customer_id, as_of)
    entries.sort(key=TimelineEntry.sort_key, reverse=True)
    return Timeline(customer_id, name or customer_id, as_of, tuple(entries))


def _event_detail(detail: Mapping[str, object]) -> str:
    """Return the words of a case decision's note or reason, when it has one."""
    for key in ("note", "reason"):
        value = detail.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def _actions(
    conn: Connection, customer_id: str, as_of: date, kinds: Mapping[str, str]
) -> list[TimelineEntry]:
    a = action_log.c
    rows = conn.execute(
        select(
            a.action_id,
            a.step,
            a.invoice_ids,
            a.date,
            a.status,
            a.outcome,
            a.note,
            a.who,
            a.recorded_at,
            a.fee,
            a.interest,
            a.currency,
        )
        .where(a.customer_id == customer_id, a.date <= as_of)
        .order_by(a.id)
    ).all()
    out = []
    for row in rows:
        word = STEP_WORDS.get(kinds.get(row.step, ""), "Step")
        title = f"{word} '{row.step}': {STATUS_WORDS.get(row.status, row.status)}"
        if row.outcome and row.outcome != row.status:
            title += f" ({OUTCOME_WORDS.get(row.outcome, row.outcome)})"
        details = [row.note] if row.note else []
        charged = [
            f"{what} {format_money(value, row.currency)}"
            for what, value in (("fee", row.fee), ("interest", row.interest))
            if value is not None and row.currency
        ]
        if charged:
            details.append("Charged: " + ", ".join(charged))
        out.append(
            TimelineEntry(
                row.date,
                "action",
                title,
                "\n".join(details),
                row.who,
                as_utc(row.recorded_at),
                row.status,
                invoices=tuple(row.invoice_ids),
                ref=row.action_id,
            )
        )
    return out


def _cash(
    conn: Connection, customer_id: str, as_of: date
) -> list[tuple[TimelineEntry, Payment | None]]:
    out: list[tuple[TimelineEntry, Payment | None]] = []
    sources: tuple[tuple[Table, EntryKind, str], ...] = (
        (payments, "payment", "Payment received"),
        (credit_notes, "credit_note", "Credit note"),
    )
    for table, kind, word in sources:
        c = table.c
        rows = conn.execute(
            select(c.id, c.date, c.amount, c.currency, c.invoice_id)
            .where(c.customer_id == customer_id, c.date <= as_of)
            .order_by(c.date, c.id)
        ).all()
        for row in rows:
            amount = stated_amount(row.amount, row.currency)
            applied = (
                f"applied to {row.invoice_id}" if row.invoice_id else "not applied to an invoice"
            )
            entry = TimelineEntry(
                row.date,
                kind,
                f"{word}: {format_money(amount, row.currency)}",
                applied,
                amount=amount,
                currency=row.currency,
                invoices=(row.invoice_id,) if row.invoice_id else (),
                ref=row.id,
            )
            payment = (
                Payment(row.id, customer_id, row.date, amount, row.currency, row.invoice_id)
                if kind == "payment"
                else None
            )
            out.append((entry, payment))
    return out


def _cancellations(conn: Connection, customer_id: str, as_of: date) -> list[TimelineEntry]:
    """Return the customer's invoices cancelled up to ``as_of``: "Invoice INV-1 cancelled on
    2026-05-02: duplicate", with who cancelled it."""
    c = cancellations.c
    rows = conn.execute(
        select(c.id, c.invoice_id, c.date, c.reason, c.cancelled_by)
        .where(c.customer_id == customer_id, c.date <= as_of)
        .order_by(c.date, c.id)
    ).all()
    return [
        TimelineEntry(
            row.date,
            "cancellation",
            f"Invoice {row.invoice_id} cancelled on {row.date.isoformat()}: {row.reason}",
            who=row.cancelled_by,
            invoices=(row.invoice_id,),
            ref=row.id,
        )
        for row in rows
    ]


def _discounts(
    conn: Connection, customer_id: str, as_of: date, policy: Policy
) -> list[TimelineEntry]:
    """Return the early-payment discounts the customer's payments earned (rule "discounts
    taken"), as the engine writes them off."""
    context = EvaluationContext(policy)
    if not context.discount_terms:
        return []
    out: list[TimelineEntry] = []
    for ledger in iter_customer_ledgers(conn, [customer_id], as_of):
        for taken in context.discounts_taken(ledger, as_of):
            settlement, invoice = taken.settlement, taken.invoice
            money = format_money(abs(settlement.amount), invoice.currency)
            if settlement.amount > 0:
                title = f"Discount taken: {money}"
                detail = (
                    f"early-payment discount on {invoice.id}, earned by payment "
                    f"{settlement.ref} within the discount period"
                )
            else:
                title = f"Discount taken back: {money}"
                detail = f"on {invoice.id}: the payment that earned it was given back"
            out.append(
                TimelineEntry(
                    settlement.date, "discount", title, detail, amount=settlement.amount,
                    currency=invoice.currency, invoices=(invoice.id,), ref=settlement.ref,
                )
            )  # fmt: skip
    return out


def _promises(
    conn: Connection, customer_id: str, as_of: date, received: Iterable[Payment]
) -> list[TimelineEntry]:
    p, pi = promises.c, promise_invoices.c
    rows = conn.execute(
        select(p.id, p.made, p.pay_by, p.amount, p.currency)
        .where(p.customer_id == customer_id, p.made <= as_of)
        .order_by(p.made, p.id)
    ).all()
    covered: dict[str, list[str]] = {}
    if rows:
        for promise_id, invoice_id in conn.execute(
            select(pi.promise_id, pi.invoice_id)
            .where(pi.promise_id.in_([row.id for row in rows]))
            .order_by(pi.invoice_id)
        ):
            covered.setdefault(promise_id, []).append(invoice_id)
    cash = list(received)
    out = []
    for row in rows:
        promise = Promise(
            row.id,
            customer_id,
            row.made,
            row.pay_by,
            stated_amount(row.amount, row.currency),
            row.currency,
            tuple(covered.get(row.id, ())),
        )
        state = promise_state(promise, cash, as_of)
        amount = format_money(promise.amount, promise.currency)
        out.append(
            TimelineEntry(
                promise.made,
                "promise",
                f"Promise to pay {amount} by {promise.pay_by}",
                f"{format_money(state.paid, promise.currency)} paid since it was made",
                status=state.status,
                amount=promise.amount,
                currency=promise.currency,
                invoices=promise.invoice_ids,
                ref=promise.id,
            )
        )
        if state.status == "broken":
            out.append(
                TimelineEntry(
                    promise.pay_by + timedelta(days=1),
                    "promise_broken",
                    f"Promise broken: {amount} was due by {promise.pay_by}",
                    f"{format_money(state.paid, promise.currency)} paid; the ladder resumes",
                    status="broken",
                    amount=promise.amount,
                    currency=promise.currency,
                    invoices=promise.invoice_ids,
                    ref=promise.id,
                )
            )
    return out


def _disputes(conn: Connection, customer_id: str, as_of: date) -> list[TimelineEntry]:
    d = disputes.c
    rows = conn.execute(
        select(d.id, d.invoice_id, d.opened, d.resolved, d.reason)
        .where(d.customer_id == customer_id, d.opened <= as_of)
        .order_by(d.opened, d.id)
    ).all()
    out = []
    for row in rows:
        resolved = row.resolved is not None and row.resolved <= as_of
        out.append(
            TimelineEntry(
                row.opened,
                "dispute",
                f"Invoice {row.invoice_id} disputed",
                row.reason,
                status="resolved" if resolved else "open",
                invoices=(row.invoice_id,),
                ref=row.id,
            )
        )
        if resolved:
            out.append(
                TimelineEntry(
                    row.resolved,
                    "dispute_resolved",
                    f"Dispute of {row.invoice_id} resolved",
                    status="resolved",
                    invoices=(row.invoice_id,),
                    ref=row.id,
                )
            )
    return out


def _plans(conn: Connection, customer_id: str, as_of: date) -> list[TimelineEntry]:
    out = []
    for plan in customer_plans(conn, customer_id, as_of):
        schedule = "; ".join(
            f"{format_money(i.amount, plan.currency)} by {i.due}" for i in plan.instalments
        )
        count = len(plan.instalments)
        detail = f"Instalments: {schedule}" + (f"\n{plan.note}" if plan.note else "")
        out.append(
            TimelineEntry(
                plan.agreed,
                "plan",
                f"Payment plan agreed: {count} instalment{'s' if count != 1 else ''}",
                detail,
                plan.who,
                invoices=plan.invoice_ids,
                currency=plan.currency,
                ref=plan.id,
            )
        )
    return out


def _portal(conn: Connection, customer_id: str, as_of: date) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            visit.day, "portal_visit", "Customer opened the payment portal",
            f"from the link of reminder {visit.action_id}", CUSTOMER, visit.first_at,
            ref=visit.action_id,
        )
        for visit in visits_of(conn, customer_id, as_of)
    ]  # fmt: skip
    for answer in answers_of(conn, customer_id, as_of):
        details = []
        if answer.on_date is not None:
            said = "paid on " if answer.kind == "paid" else "by "
            details.append(said + answer.on_date.isoformat())
        if answer.reference:
            details.append(f"reference {answer.reference}")
        if answer.reason:
            details.append(answer.reason.replace("_", " "))
        if answer.text:
            details.append(answer.text)
        if answer.kind in NEEDS_STAFF:
            details.append(
                f"handled by {answer.handled_by}" if answer.handled_at else "waiting for staff"
            )
        entries.append(
            TimelineEntry(
                answer.day, "portal_answer", PORTAL_WORDS[answer.kind], "; ".join(details),
                CUSTOMER, answer.answered_at,
                status=("handled" if answer.handled_at else "open")
                if answer.kind in NEEDS_STAFF else None,
                amount=answer.amount, currency=answer.currency, invoices=answer.invoice_ids,
                ref=answer.id,
            )
        )  # fmt: skip
    return entries
