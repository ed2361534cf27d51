"""Payment plans agreed with customers: recorded once, checked against the ledger.

A plan covers some of a customer's invoices, in one currency, and schedules instalments. While
the instalments due so far are paid, the engine holds the plan's invoices back from the ladder
(the "payment plan" suppression); when the plan falls into arrears they are chased again.

Recording is idempotent: a plan's id is the caller's, or derived from its content (customer,
date agreed, currency, invoices, instalments), and it is written with ``INSERT ... ON CONFLICT DO
NOTHING``, so the same plan sent twice, or by two clients at once, is one plan. The same id with
different content is refused (``PlanConflictError``): a plan is never changed in place; agree a
new one, which takes over the invoices from its date.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, select

from engine.model.money import fits_minor_units, is_currency, minor_units
from store.models import customers, instalments, invoices, payment_plans, plan_invoices
from store.outcomes import Recorded, _insert, _inserted, _writing

# A plan longer than ten years of monthly instalments is a typo, not an agreement.
MAX_INSTALMENTS = 120
MAX_INVOICES = 500


class PlanError(ValueError):
    """A plan that cannot be recorded as asked; ``field`` names the value at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PlanConflictError(PlanError):
    """A plan with this id exists and says something else."""


@dataclass(frozen=True, slots=True)
class InstalmentIn:
    """One instalment as agreed: pay ``amount`` by ``due``."""

    due: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Plan:
    """A payment plan as stored."""

    id: str
    customer_id: str
    agreed: date
    currency: str
    invoice_ids: tuple[str, ...]
    instalments: tuple[InstalmentIn, ...]
    who: str
    note: str


def plan_key(
    customer_id: str,
    agreed: date,
    currency: str,
    invoice_ids: Sequence[str],
    schedule: Sequence[InstalmentIn],
) -> str:
    """Return the id derived from a plan's content: the same plan always gets the same id."""
    parts = [customer_id, agreed.isoformat(), currency, ",".join(sorted(set(invoice_ids)))]
    parts += [f"{i.due.isoformat()}={i.amount.normalize():f}" for i in schedule]
    return "PLAN-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def check_schedule(agreed: date, currency: str, schedule: Sequence[InstalmentIn]) -> None:
    """Return when the instalments make a plan; raise ``PlanError`` naming what does not."""
    if not is_currency(currency):
        raise PlanError("currency", f"{currency!r} is not an ISO 4217 currency code")
    if not schedule:
        raise PlanError("instalments", "a plan needs at least one instalment")
    if len(schedule) > MAX_INSTALMENTS:
        raise PlanError(
            "instalments", f"{len(schedule)} instalments; a plan has at most {MAX_INSTALMENTS}"
        )
    previous: date | None = None
    for index, item in enumerate(schedule):
        where = f"instalments[{index}]"
        if item.due < agreed:
            raise PlanError(
                f"{where}.due",
                f"instalment {index + 1} is due {item.due}, before the plan was agreed ({agreed})",
            )
        if previous is not None and item.due <= previous:
            raise PlanError(
                f"{where}.due",
                f"instalment {index + 1} is due {item.due}, not after instalment {index}"
                f" ({previous}): list the instalments in date order, one per date",
            )
        if item.amount <= 0 or not fits_minor_units(item.amount, currency):
            raise PlanError(
                f"{where}.amount",
                f"instalment {index + 1}: {item.amount} is not an amount above zero in whole"
                f" {currency} minor units",
            )
        previous = item.due


def record_payment_plan(
    conn: Connection,
    *,
    customer_id: str,
    agreed: date,
    currency: str,
    invoice_ids: Sequence[str],
    schedule: Sequence[InstalmentIn],
    who: str = "",
    note: str = "",
    plan_id: str | None = None,
) -> Recorded:
    """Return the recorded plan (``created`` False when the very same plan was recorded before).

    The invoices must be the customer's and in the plan's currency. Raises ``PlanError`` (with
    the field at fault) for a plan that does not hold together, ``PlanConflictError`` for an id
    already used by a different plan.
    """
    check_schedule(agreed, currency, schedule)
    covered = sorted(set(invoice_ids))
    if not covered:
        raise PlanError("invoices", "name the invoices the plan pays off")
    if len(covered) > MAX_INVOICES:
        raise PlanError("invoices", f"a plan covers at most {MAX_INVOICES} invoices")
    if "\x00" in note:
        raise PlanError("note", "the note holds a NUL character")
    key = plan_id or plan_key(customer_id, agreed, currency, covered, schedule)
    with _writing(conn):
        _check_invoices(conn, customer_id, currency, covered)
        written = _inserted(
            conn,
            _insert(conn, payment_plans)
            .values(
                id=key,
                customer_id=customer_id,
                agreed=agreed,
                currency=currency,
                who=who,
                note=note.strip(),
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(payment_plans.c.id),
        )
        if written:
            conn.execute(
                plan_invoices.insert(),
                [{"plan_id": key, "invoice_id": invoice_id} for invoice_id in covered],
            )
            conn.execute(
                instalments.insert(),
                [
                    {"plan_id": key, "seq": seq, "due": item.due, "amount": item.amount}
                    for seq, item in enumerate(schedule, start=1)
                ],
            )
            return Recorded(key, True)
        existing = find_plan(conn, key)
    asked = (customer_id, agreed, currency, tuple(covered), tuple(schedule))
    if existing is None or (
        existing.customer_id,
        existing.agreed,
        existing.currency,
        existing.invoice_ids,
        existing.instalments,
    ) != asked:
        raise PlanConflictError(
            "id", f"payment plan {key} exists with other terms; give the new plan another id"
        )
    return Recorded(key, False)


def _check_invoices(conn: Connection, customer_id: str, currency: str, covered: list[str]) -> None:
    known = conn.execute(select(customers.c.id).where(customers.c.id == customer_id)).scalar()
    if known is None:
        raise PlanError("customer", f"customer {customer_id} is not in the ledger")
    rows = {
        row.id: row
        for row in conn.execute(
            select(invoices.c.id, invoices.c.customer_id, invoices.c.currency).where(
                invoices.c.id.in_(covered)
            )
        )
    }
    for index, invoice_id in enumerate(covered):
        row = rows.get(invoice_id)
        if row is None:
            raise PlanError(f"invoices[{index}]", f"invoice {invoice_id} is not in the ledger")
        if row.customer_id != customer_id:
            raise PlanError(
                f"invoices[{index}]", f"invoice {invoice_id} is not {customer_id}'s"
            )
        if row.currency != currency:
            raise PlanError(
                f"invoices[{index}]",
                f"invoice {invoice_id} is in {row.currency}, the plan in {currency}",
            )


def find_plan(conn: Connection, plan_id: str) -> Plan | None:
    """Return the plan ``plan_id``, or None."""
    found = customer_plans(conn, None, plan_id=plan_id)
    return found[0] if found else None


def customer_plans(
    conn: Connection, customer_id: str | None, as_of: date | None = None, *, plan_id: str = ""
) -> list[Plan]:
    """Return the customer's plans (or the one ``plan_id``), oldest first, with their schedule."""
    p, pi, ins = payment_plans.c, plan_invoices.c, instalments.c
    stmt = select(p.id, p.customer_id, p.agreed, p.currency, p.who, p.note)
    stmt = stmt.where(p.id == plan_id) if plan_id else stmt.where(p.customer_id == customer_id)
    if as_of is not None:
        stmt = stmt.where(p.agreed <= as_of)
    rows = conn.execute(stmt.order_by(p.agreed, p.id)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    covered: dict[str, list[str]] = {}
    for plan, invoice_id in conn.execute(
        select(pi.plan_id, pi.invoice_id).where(pi.plan_id.in_(ids)).order_by(pi.invoice_id)
    ):
        covered.setdefault(plan, []).append(invoice_id)
    currency_of = {row.id: row.currency for row in rows}
    schedule: dict[str, list[InstalmentIn]] = {}
    for plan, due, amount in conn.execute(
        select(ins.plan_id, ins.due, ins.amount).where(ins.plan_id.in_(ids)).order_by(ins.seq)
    ):
        stated = stated_amount(amount, currency_of[plan])
        schedule.setdefault(plan, []).append(InstalmentIn(due, stated))
    return [
        Plan(
            row.id,
            row.customer_id,
            row.agreed,
            row.currency,
            tuple(covered.get(row.id, ())),
            tuple(schedule.get(row.id, ())),
            row.who,
            row.note,
        )
        for row in rows
    ]


def stated_amount(amount: Decimal, currency: str) -> Decimal:
    """Return a stored amount in the currency's minor units (250.00, not 250.0000) when exact."""
    stated = amount.quantize(Decimal(1).scaleb(-minor_units(currency)))
    return stated if stated == amount else amount
