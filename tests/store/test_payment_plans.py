"""Payment plans: checked against the ledger, recorded once, even from many clients at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, FromClause, func, select

from store.models import customers, instalments, invoices, payment_plans, plan_invoices
from store.outcomes import Recorded
from store.payment_plans import (
    InstalmentIn,
    PlanConflictError,
    PlanError,
    customer_plans,
    record_payment_plan,
)

DAY = date(2026, 11, 23)
SCHEDULE = [
    InstalmentIn(date(2026, 12, 15), Decimal("100.00")),
    InstalmentIn(date(2027, 1, 15), Decimal("100.00")),
]


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    """Return a database with ACME (two GBP invoices, one EUR) and BETA (one GBP invoice)."""
    with ledger_engine.begin() as conn:
        conn.execute(
            customers.insert(), [{"id": "ACME", "name": "Acme"}, {"id": "BETA", "name": "Beta"}]
        )
        conn.execute(
            invoices.insert(),
            [
                {"id": i, "customer_id": c, "issued": date(2026, 9, 1),
                 "amount": Decimal("100.00"), "currency": cur}
                for i, c, cur in (
                    ("INV-1", "ACME", "GBP"), ("INV-2", "ACME", "GBP"),
                    ("INV-3", "ACME", "EUR"), ("INV-9", "BETA", "GBP"),
                )
            ],
        )
    return ledger_engine


def _record(engine: Engine, **changes: object) -> Recorded:
    args: dict[str, Any] = {
        "customer_id": "ACME", "agreed": DAY, "currency": "GBP",
        "invoice_ids": ["INV-2", "INV-1"], "schedule": SCHEDULE, "who": "ann",
        "note": "Agreed on the phone",
    }
    args.update(changes)
    with engine.connect() as conn:
        return record_payment_plan(conn, **args)


def _count(engine: Engine, table: FromClause) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_plan_is_recorded_with_its_invoices_and_schedule(ledger: Engine) -> None:
    recorded = _record(ledger)
    assert recorded.created
    assert recorded.id.startswith("PLAN-")
    with ledger.connect() as conn:
        [plan] = customer_plans(conn, "ACME")
    assert (plan.id, plan.invoice_ids, plan.who, plan.note) == (
        recorded.id, ("INV-1", "INV-2"), "ann", "Agreed on the phone"
    )
    assert [(i.due, str(i.amount)) for i in plan.instalments] == [
        (date(2026, 12, 15), "100.00"), (date(2027, 1, 15), "100.00")
    ]


def test_the_same_plan_twice_is_one_plan(ledger: Engine) -> None:
    first, second = _record(ledger), _record(ledger, who="someone else")
    assert (first.created, second.created) == (True, False)
    assert first.id == second.id
    assert (_count(ledger, payment_plans), _count(ledger, instalments)) == (1, 2)


def test_an_id_used_by_another_plan_is_a_conflict(ledger: Engine) -> None:
    _record(ledger, plan_id="P-1")
    with pytest.raises(PlanConflictError):
        _record(ledger, plan_id="P-1", schedule=SCHEDULE[:1])


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer_id": "NOBODY"}, "customer"),
        ({"invoice_ids": []}, "invoices"),
        ({"invoice_ids": ["INV-404"]}, "invoices[0]"),
        ({"invoice_ids": ["INV-9"]}, "invoices[0]"),
        ({"invoice_ids": ["INV-3"]}, "invoices[0]"),
        ({"currency": "XXY"}, "currency"),
        ({"schedule": []}, "instalments"),
        ({"schedule": [InstalmentIn(date(2026, 11, 1), Decimal(1))]}, "instalments[0].due"),
        ({"schedule": [SCHEDULE[1], SCHEDULE[0]]}, "instalments[1].due"),
        ({"schedule": [InstalmentIn(date(2026, 12, 1), Decimal("0.001"))]},
         "instalments[0].amount"),
        ({"schedule": [InstalmentIn(date(2026, 12, 1), Decimal(0))]}, "instalments[0].amount"),
    ],
    ids=["unknown-customer", "no-invoice", "unknown-invoice", "other-customers-invoice",
         "other-currency", "bad-currency", "no-instalment", "due-before-agreed", "out-of-order",
         "sub-penny", "zero"],
)
def test_a_plan_that_does_not_hold_together_is_refused_naming_the_field(
    ledger: Engine, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(PlanError) as refused:
        _record(ledger, **changes)
    assert refused.value.field == field
    assert _count(ledger, payment_plans) == 0
    assert _count(ledger, plan_invoices) == 0


def test_many_clients_recording_plans_at_once_lose_and_duplicate_nothing(ledger: Engine) -> None:
    clients = 8
    barrier = threading.Barrier(clients)

    def record(n: int) -> Recorded:
        barrier.wait(timeout=30)
        # Half the clients send the same plan; the others one plan each.
        note_day = DAY if n % 2 == 0 else date(2026, 11, 23 + n)
        return _record(ledger, agreed=note_day, schedule=SCHEDULE)

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(record, range(clients)))
    assert sum(r.created for r in results) == 1 + clients // 2
    assert len({r.id for r in results}) == 1 + clients // 2
    assert _count(ledger, payment_plans) == 1 + clients // 2
    assert _count(ledger, instalments) == 2 * (1 + clients // 2)
