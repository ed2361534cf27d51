"""The ledger fingerprint moves with every kind of write and stays put without one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Connection, Engine, update

from store.fingerprint import ledger_fingerprint
from store.imports import import_rows
from store.ledger_writes import WriteOff, record_write_off
from store.models import charge_waivers, customers, disputes, invoices, payment_plans
from store.outcomes import record_dispute, record_outcome, record_promise

DAY = date(2026, 11, 23)


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    """Return a database with customer ACME, its invoice INV-1 and an open dispute of INV-2."""
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME", "name": "Acme Trading Ltd"}])
        conn.execute(
            invoices.insert(),
            [
                {
                    "id": f"INV-{n}",
                    "customer_id": "ACME",
                    "issued": date(2026, 9, n),
                    "amount": Decimal("100.00"),
                    "currency": "GBP",
                }
                for n in (1, 2)
            ],
        )
        record_dispute(conn, invoice_id="INV-2", opened=DAY, dispute_id="D-2")
    return ledger_engine


def _import(conn: Connection) -> None:
    result = import_rows(conn, "customers", [{"id": "BETA", "name": "Beta Ltd"}], "test")
    assert not result.problems


def _outcome(conn: Connection) -> None:
    record_outcome(
        conn,
        action_id="A-1",
        customer_id="ACME",
        step="first-reminder",
        invoice_ids=["INV-1"],
        date=DAY,
        status="done",
    )


def _dispute(conn: Connection) -> None:
    record_dispute(conn, invoice_id="INV-1", opened=DAY)


def _resolve(conn: Connection) -> None:
    conn.execute(update(disputes).where(disputes.c.id == "D-2").values(resolved=DAY))


def _promise(conn: Connection) -> None:
    record_promise(
        conn,
        customer_id="ACME",
        made=DAY,
        pay_by=date(2026, 12, 1),
        amount=Decimal("50.00"),
        currency="GBP",
    )


def _write_off(conn: Connection) -> None:
    record_write_off(
        conn,
        WriteOff("WO-1", "ACME", "INV-1", DAY, Decimal("10.00"), "GBP", "Small balance", "cc"),
    )


def _waiver(conn: Connection) -> None:
    conn.execute(
        charge_waivers.insert().values(
            id="W-1", customer_id="ACME", action_id="A-1", date=DAY, reason="goodwill",
            who="ann", recorded_at=datetime(2026, 11, 23, tzinfo=UTC),
        )
    )  # fmt: skip


def _plan(conn: Connection) -> None:
    conn.execute(
        payment_plans.insert().values(id="PLAN-1", customer_id="ACME", agreed=DAY, currency="GBP")
    )


WRITES: list[tuple[str, Callable[[Connection], None]]] = [
    ("import", _import),
    ("outcome", _outcome),
    ("dispute", _dispute),
    ("dispute-resolved", _resolve),
    ("promise", _promise),
    ("payment-plan", _plan),
    ("write-off", _write_off),
    ("charge-waiver", _waiver),
]


@pytest.mark.parametrize("write", [w for _, w in WRITES], ids=[name for name, _ in WRITES])
def test_every_kind_of_write_changes_the_fingerprint(
    ledger: Engine, write: Callable[[Connection], None]
) -> None:
    with ledger.connect() as conn:
        before = ledger_fingerprint(conn)
    with ledger.begin() as conn:
        write(conn)
    with ledger.connect() as conn:
        assert ledger_fingerprint(conn) != before


def test_without_a_write_the_fingerprint_stays_the_same(ledger: Engine) -> None:
    with ledger.connect() as conn:
        first = ledger_fingerprint(conn)
    with ledger.connect() as conn:
        assert ledger_fingerprint(conn) == first


def test_an_empty_ledger_has_a_fingerprint(ledger_engine: Engine) -> None:
    with ledger_engine.connect() as conn:
        assert ledger_fingerprint(conn) == (0, 0, 0, 0, 0, 0, 0, 0, 0)
