"""A small ledger for the API tests: four customers whose states cover the list's cases on DAY.

TEST-0001 is a month overdue (a phone call is due), TEST-0002 just overdue (first reminder),
KEST-0003 is a strategic account with an owner, HOLL-0002 is paused by its customer file.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from store.models import customers, invoices, payments

DAY = date(2026, 11, 23)

CUSTOMERS: list[dict[str, Any]] = [
    {
        "id": "TEST-0001",
        "name": "Test One Ltd",
        "country": "GB",
        "segment": None,
        "email": "ap@one.example",
        "language": "en",
    },
    {
        "id": "TEST-0002",
        "name": "Test Two Ltd",
        "country": "GB",
        "segment": None,
        "email": "ap@two.example",
        "language": "en",
    },
    {
        "id": "KEST-0003",
        "name": "Kestrel Hotels Group plc",
        "country": "GB",
        "segment": "strategic",
        "email": "",
        "language": "en",
    },
    {
        "id": "HOLL-0002",
        "name": "Hollins Builders Merchants Ltd",
        "country": "GB",
        "segment": None,
        "email": "",
        "language": "en",
    },
]

INVOICES = [
    ("INV-1001", "TEST-0001", date(2026, 10, 1), "1200.00"),
    ("INV-1002", "TEST-0001", date(2026, 10, 5), "300.00"),
    ("INV-2001", "TEST-0002", date(2026, 10, 20), "500.00"),
    ("INV-3001", "KEST-0003", date(2026, 8, 1), "4000.00"),
    ("INV-4001", "HOLL-0002", date(2026, 9, 1), "2500.00"),
]


def seed(engine: Engine) -> None:
    """Insert the test ledger."""
    with engine.begin() as conn:
        conn.execute(insert(customers), CUSTOMERS)
        conn.execute(
            insert(invoices),
            [
                {
                    "id": i,
                    "customer_id": c,
                    "number": i,
                    "issued": d,
                    "due": None,
                    "terms": None,
                    "amount": Decimal(a),
                    "currency": "GBP",
                }
                for i, c, d, a in INVOICES
            ],
        )
        conn.execute(
            insert(payments),
            [
                {
                    "id": "PAY-1",
                    "customer_id": "TEST-0001",
                    "date": date(2026, 11, 1),
                    "amount": Decimal("100.00"),
                    "currency": "GBP",
                    "invoice_id": "INV-1002",
                }
            ],
        )


def seed_week_of_work(engine: Engine) -> None:
    """Record a week of work on the test ledger: on 10 Nov Ann calls Test One about INV-1001 and
    records a promise of 500.00 by 18 Nov (nothing pays it); the sender emails Test Two the
    first reminder for INV-2001, which 200.00 pays on 20 Nov."""
    from store.outcomes import record_outcome, record_promise

    with engine.connect() as conn:
        record_outcome(conn, action_id="act-call", customer_id="TEST-0001", step="call",
                       invoice_ids=["INV-1001"], date=date(2026, 11, 10), status="done",
                       who="ann", outcome="promise")  # fmt: skip
        record_promise(conn, customer_id="TEST-0001", made=date(2026, 11, 10),
                       pay_by=date(2026, 11, 18), amount=Decimal("500.00"), currency="GBP",
                       invoice_ids=["INV-1001"])  # fmt: skip
        record_outcome(conn, action_id="act-mail", customer_id="TEST-0002",
                       step="first-reminder", invoice_ids=["INV-2001"],
                       date=date(2026, 11, 10), status="sent", who="dunning send")  # fmt: skip
        conn.execute(
            insert(payments),
            [{"id": "PAY-2", "customer_id": "TEST-0002", "date": date(2026, 11, 20),
              "amount": Decimal("200.00"), "currency": "GBP", "invoice_id": "INV-2001"}],
        )  # fmt: skip
        conn.commit()


def seed_overdue(engine: Engine, count: int) -> list[str]:
    """Insert ``count`` customers with one invoice each, ten days overdue on DAY (so each has one
    first-reminder action); return their ids."""
    ids = [f"LOAD-{n:04d}" for n in range(1, count + 1)]
    with engine.begin() as conn:
        conn.execute(
            insert(customers),
            [
                {"id": c, "name": f"Load {c}", "country": "GB", "email": "", "language": "en"}
                for c in ids
            ],
        )
        conn.execute(
            insert(invoices),
            [
                {
                    "id": f"INV-{c}",
                    "customer_id": c,
                    "number": f"INV-{c}",
                    "issued": date(2026, 10, 14),
                    "due": None,
                    "terms": None,
                    "amount": Decimal("250.00"),
                    "currency": "GBP",
                }
                for c in ids
            ],
        )
    return ids
