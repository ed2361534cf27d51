"""Recording outcomes, promises and disputes is idempotent, even from two processes at once."""

from __future__ import annotations

import multiprocessing
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from store.connection import create_store_engine
from store.models import action_log, customers, disputes, invoices, promise_invoices, promises
from store.outcomes import find_outcome, record_dispute, record_outcome, record_promise

DAY = date(2026, 11, 23)


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    """Return a database with customer ACME and its invoices INV-1 and INV-2."""
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
    return ledger_engine


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


OUTCOME: dict[str, Any] = {
    "action_id": "act_1",
    "customer_id": "ACME",
    "step": "first-reminder",
    "invoice_ids": ["INV-2", "INV-1"],
    "date": DAY,
    "who": "jane",
}


def test_recording_the_same_outcome_twice_leaves_one_record(ledger: Engine) -> None:
    with ledger.connect() as conn:
        first = record_outcome(conn, **OUTCOME, status="done", note="sent")
        second = record_outcome(conn, **OUTCOME, status="done", note="sent again")
    assert (first.created, second.created) == (True, False)
    with ledger.connect() as conn:
        row = conn.execute(select(action_log.c.note, action_log.c.invoice_ids)).one()
    assert tuple(row) == ("sent", ["INV-1", "INV-2"])


def test_a_recorded_outcome_can_be_found_again(ledger: Engine) -> None:
    with ledger.connect() as conn:
        record_outcome(conn, **OUTCOME, status="done", outcome="letter sent")
        found = find_outcome(conn, "act_1", "done")
        assert find_outcome(conn, "act_1", "failed") is None
    assert found is not None
    assert (found.invoice_ids, found.date, found.outcome, found.who) == (
        ("INV-1", "INV-2"),
        DAY,
        "letter sent",
        "jane",
    )


def test_failed_then_done_keeps_both_facts(ledger: Engine) -> None:
    with ledger.connect() as conn:
        record_outcome(conn, **OUTCOME, status="failed", note="email bounced")
        assert record_outcome(conn, **OUTCOME, status="done").created
    assert _count(ledger, action_log) == 2


def test_an_unknown_status_is_refused(ledger: Engine) -> None:
    with ledger.connect() as conn, pytest.raises(ValueError, match="'sent'"):
        record_outcome(conn, **OUTCOME, status="sent")


def test_a_charge_needs_its_currency(ledger: Engine) -> None:
    with ledger.connect() as conn, pytest.raises(ValueError, match="currency"):
        record_outcome(conn, **OUTCOME, status="done", fee=Decimal("15.00"))


def test_inside_a_callers_transaction_the_caller_decides(ledger: Engine) -> None:
    with ledger.connect() as conn:
        conn.begin()
        record_outcome(conn, **OUTCOME, status="done")
        conn.rollback()
    assert _count(ledger, action_log) == 0


def test_the_same_promise_twice_is_one_promise(ledger: Engine) -> None:
    promise: dict[str, Any] = {
        "customer_id": "ACME",
        "made": DAY,
        "pay_by": date(2026, 12, 1),
        "amount": Decimal("150.00"),
        "currency": "GBP",
        "invoice_ids": ["INV-1", "INV-2"],
    }
    with ledger.connect() as conn:
        first = record_promise(conn, **promise)
        second = record_promise(conn, **{**promise, "amount": Decimal("150.0")})
        other = record_promise(conn, **{**promise, "pay_by": date(2026, 12, 8)})
    assert first == type(first)(second.id, True)
    assert not second.created
    assert other.created and other.id != first.id
    assert (_count(ledger, promises), _count(ledger, promise_invoices)) == (2, 4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pay_by": date(2026, 11, 1)}, "cannot be to pay by 2026-11-01, before it"),
        ({"amount": Decimal("10.001")}, "whole GBP minor units"),
        ({"currency": "ZZZ"}, "not an ISO 4217 currency code"),
    ],
    ids=["pay-by-before-made", "sub-penny", "currency"],
)
def test_a_promise_that_cannot_be_kept_is_refused(
    ledger: Engine, change: dict[str, Any], message: str
) -> None:
    promise = {
        "customer_id": "ACME",
        "made": DAY,
        "pay_by": date(2026, 12, 1),
        "amount": Decimal("150.00"),
        "currency": "GBP",
        **change,
    }
    with ledger.connect() as conn, pytest.raises(ValueError, match=message):
        record_promise(conn, **promise)


def test_an_open_dispute_is_recorded_once(ledger: Engine) -> None:
    with ledger.connect() as conn:
        first = record_dispute(conn, invoice_id="INV-1", opened=DAY, reason="Wrong quantity")
        again = record_dispute(conn, invoice_id="INV-1", opened=date(2026, 11, 24), reason="x")
        other = record_dispute(conn, invoice_id="INV-2", opened=DAY)
    assert first.created and not again.created and other.created
    assert again.id == first.id
    with ledger.connect() as conn:
        owner = conn.execute(select(disputes.c.customer_id).where(disputes.c.id == first.id))
        assert owner.scalar_one() == "ACME"


def test_a_dispute_of_an_unknown_invoice_is_refused(ledger: Engine) -> None:
    with ledger.connect() as conn, pytest.raises(ValueError, match="INV-9 is not in the ledger"):
        record_dispute(conn, invoice_id="INV-9", opened=DAY)


# -- two processes at once ------------------------------------------------------------------------


def _record_at_the_same_moment(url: str, what: str, barrier: Any, results: Any) -> None:
    engine = create_store_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # connected, so both start writing together
        conn.rollback()
        barrier.wait(timeout=30)
        if what == "outcome":
            recorded = record_outcome(conn, **OUTCOME, status="done")
        elif what == "promise":
            recorded = record_promise(
                conn,
                customer_id="ACME",
                made=DAY,
                pay_by=date(2026, 12, 1),
                amount=Decimal("150.00"),
                currency="GBP",
                invoice_ids=["INV-1"],
            )
        else:
            recorded = record_dispute(conn, invoice_id="INV-1", opened=DAY, reason="late")
    engine.dispose()
    results.put(recorded.created)


@pytest.mark.parametrize(
    ("what", "table"),
    [("outcome", action_log), ("promise", promises), ("dispute", disputes)],
    ids=["outcome", "promise", "dispute"],
)
def test_two_processes_recording_at_once_leave_one_record(
    ledger: Engine, db_url: str, what: str, table: Any
) -> None:
    ctx = multiprocessing.get_context("spawn")
    processes = 2
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(target=_record_at_the_same_moment, args=(db_url, what, barrier, results))
        for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * processes
    created = sorted(results.get(timeout=5) for _ in range(processes))
    assert created == [False, True]
    assert _count(ledger, table) == 1
