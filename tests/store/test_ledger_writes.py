"""Recording a write-off: checked like an import, idempotent, history never rewritten, race-safe.

Worked example after Xero's bad-debt procedure (the unpaid part of an invoice is written off
with a credit note coded to a bad-debts account, and the invoice no longer awaits payment: Xero
Help, "Record a bad debt in Xero", https://help.xero.com/int/Q_BadDebts): INV-1, GBP 1,200.00, was
paid GBP 200.00; the other GBP 1,000.00 is written off on 2027-03-01 by the credit controller,
approved by the finance lead. From that day nothing is open on INV-1; the day before, GBP 1,000.00
still was.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from engine.rules.open_items import open_items
from store.ledger_writes import LedgerWriteError, WriteOff, record_write_off
from store.models import customers, invoices, payments, write_offs
from store.outcomes import Recorded
from store.reader import load_snapshot

WRITE_OFF = WriteOff(
    id="WO-1",
    customer_id="ACME",
    invoice_id="INV-1",
    date=date(2027, 3, 1),
    amount=Decimal("1000.00"),
    currency="GBP",
    reason="Customer insolvent: liquidator confirms no dividend",
    by="credit-controller",
    approved_by="finance-lead",
)


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME"}, {"id": "BETA"}])
        conn.execute(
            invoices.insert(),
            [
                {"id": "INV-1", "customer_id": "ACME", "issued": date(2026, 9, 1),
                 "amount": Decimal("1200.00"), "currency": "GBP"},
                {"id": "INV-B", "customer_id": "BETA", "issued": date(2026, 9, 1),
                 "amount": Decimal("50.00"), "currency": "GBP"},
            ],
        )
        conn.execute(
            payments.insert(),
            [{"id": "PAY-1", "customer_id": "ACME", "date": date(2026, 10, 5),
              "amount": Decimal("200.00"), "currency": "GBP", "invoice_id": "INV-1"}],
        )
    return ledger_engine


def open_on(engine: Engine, day: date) -> list[tuple[str, Decimal]]:
    """Return (invoice, open amount) of ACME's invoices on ``day``, read as of that day."""
    acme = load_snapshot(engine, ["ACME"], day).customers[0]
    return [(invoice.id, amount) for invoice, amount in open_items(acme.invoices, day)]


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(write_offs)).scalar_one())


def test_a_write_off_settles_the_invoice_from_its_day(ledger: Engine) -> None:
    with ledger.connect() as conn:
        assert record_write_off(conn, WRITE_OFF) == Recorded("WO-1", True)
    assert open_on(ledger, date(2027, 2, 28)) == [("INV-1", Decimal("1000.00"))]
    assert open_on(ledger, date(2027, 3, 1)) == []
    acme = load_snapshot(ledger, ["ACME"], date(2027, 2, 28)).customers[0]
    assert acme.invoices[0].settlements[-1].kind == "payment"  # not yet written off


def test_a_partial_write_off_leaves_the_rest_open(ledger: Engine) -> None:
    with ledger.connect() as conn:
        record_write_off(conn, replace(WRITE_OFF, amount=Decimal("400.00")))
    assert open_on(ledger, date(2027, 3, 1)) == [("INV-1", Decimal("600.00"))]
    acme = load_snapshot(ledger, ["ACME"], date(2027, 3, 1)).customers[0]
    assert [(s.kind, s.ref, s.amount) for s in acme.invoices[0].settlements] == [
        ("payment", "PAY-1", Decimal("200.00")),
        ("write_off", "WO-1", Decimal("400.00")),
    ]


def test_the_same_write_off_twice_is_one_record(ledger: Engine) -> None:
    with ledger.connect() as conn:
        first = record_write_off(conn, WRITE_OFF)
        again = record_write_off(conn, WRITE_OFF)
    assert (first.created, again.created) == (True, False)
    assert count(ledger) == 1


def test_another_write_off_under_a_used_id_is_refused(ledger: Engine) -> None:
    with ledger.connect() as conn:
        record_write_off(conn, WRITE_OFF)
        with pytest.raises(LedgerWriteError, match="already recorded with other values") as err:
            record_write_off(conn, replace(WRITE_OFF, amount=Decimal("999.00")))
    assert [(p.code, p.field) for p in err.value.problems] == [("L008", "id")]


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        (replace(WRITE_OFF, invoice_id="INV-9"), [("L010", "invoice")]),
        (replace(WRITE_OFF, invoice_id="INV-B"), [("L011", "customer")]),
        (replace(WRITE_OFF, currency="EUR"), [("L011", "currency")]),
        (replace(WRITE_OFF, amount=Decimal("1200.01")), [("L016", "amount")]),
        (replace(WRITE_OFF, amount=Decimal("-5.00")), [("L006", "amount")]),
        (replace(WRITE_OFF, amount=Decimal("10.001")), [("L006", "amount")]),
        (replace(WRITE_OFF, reason=""), [("L003", "reason")]),
        (replace(WRITE_OFF, by=""), [("L003", "by")]),
        (replace(WRITE_OFF, customer_id="../etc"), [("L013", "customer")]),
    ],
    ids=["no-such-invoice", "other-customer", "other-currency", "above-invoice", "negative",
         "too-many-decimals", "no-reason", "nobody", "bad-id"],
)
def test_a_bad_write_off_is_refused_and_nothing_written(
    ledger: Engine, bad: WriteOff, expected: list[tuple[str, str]]
) -> None:
    with ledger.connect() as conn, pytest.raises(LedgerWriteError) as err:
        record_write_off(conn, bad)
    assert [(p.code, p.field) for p in err.value.problems] == expected
    assert count(ledger) == 0


def test_many_clients_recording_write_offs_at_once_lose_and_duplicate_nothing(
    ledger: Engine,
) -> None:
    clients = 8
    barrier = threading.Barrier(clients)

    def write(n: int) -> Recorded:
        barrier.wait(timeout=30)
        # Pairs of clients record the same approved write-off (a retried job).
        part = replace(WRITE_OFF, id=f"WO-{n // 2}", amount=Decimal("100.00"))
        with ledger.connect() as conn:
            return record_write_off(conn, part)

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(write, range(clients)))
    assert sum(r.created for r in results) == clients // 2
    assert count(ledger) == clients // 2
    assert open_on(ledger, date(2027, 3, 1)) == [("INV-1", Decimal("600.00"))]
