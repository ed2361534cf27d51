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
from store.outcomes import (
    find_outcome,
    invoice_currencies,
    outcome_in_force,
    promise_history,
    record_dispute,
    record_outcome,
    record_promise,
)
from store.reader import load_snapshot

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


def test_the_first_final_outcome_wins(ledger: Engine) -> None:
    with ledger.connect() as conn:
        done = record_outcome(conn, **OUTCOME, status="done", note="sent")
        skipped = record_outcome(conn, **OUTCOME, status="skipped", note="not needed")
        in_force = outcome_in_force(conn, "act_1")
    assert (done.created, skipped.created) == (True, False)
    assert in_force is not None
    assert (in_force.status.value, in_force.note, in_force.final) == ("done", "sent", True)
    assert _count(ledger, action_log) == 1


def test_a_failed_attempt_is_in_force_until_a_final_outcome(ledger: Engine) -> None:
    with ledger.connect() as conn:
        assert outcome_in_force(conn, "act_1") is None
        record_outcome(conn, **OUTCOME, status="failed", note="bounced")
        failed = outcome_in_force(conn, "act_1")
        record_outcome(conn, **OUTCOME, status="skipped")
        skipped = outcome_in_force(conn, "act_1")
    assert failed is not None and (failed.status.value, failed.final) == ("failed", False)
    assert skipped is not None and (skipped.status.value, skipped.final) == ("skipped", True)


def test_an_unknown_status_is_refused(ledger: Engine) -> None:
    with ledger.connect() as conn, pytest.raises(ValueError, match="'emailed'"):
        record_outcome(conn, **OUTCOME, status="emailed")


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


PROMISE: dict[str, Any] = {
    "customer_id": "ACME",
    "made": DAY,
    "pay_by": date(2026, 12, 1),
    "amount": Decimal("150.00"),
    "currency": "GBP",
    "invoice_ids": ["INV-1"],
}


def _in_force_on(engine: Engine, day: date) -> list[tuple[date, Decimal]]:
    [ledger] = load_snapshot(engine, ["ACME"], as_of=day).customers
    return [(p.pay_by, p.amount) for p in ledger.promises]


def test_a_different_promise_replaces_the_one_in_force_and_both_are_kept(ledger: Engine) -> None:
    later = date(2026, 11, 25)
    with ledger.connect() as conn:
        first = record_promise(conn, **PROMISE)
        second = record_promise(conn, **{**PROMISE, "made": later, "amount": Decimal("120.00")})
        history = promise_history(conn, "ACME", later)
        before = promise_history(conn, "ACME", DAY)
    assert first.created and second.created and first.id != second.id
    assert [(p.id, p.amount, p.superseded_by, p.superseded_on) for p in history] == [
        (first.id, Decimal("150.00"), second.id, later),
        (second.id, Decimal("120.00"), None, None),
    ]
    # On the day it was made, the first promise was in force and replaced by nothing yet.
    assert [(p.id, p.superseded_by) for p in before] == [(first.id, None)]
    assert _in_force_on(ledger, DAY) == [(date(2026, 12, 1), Decimal("150.00"))]
    assert _in_force_on(ledger, later) == [(date(2026, 12, 1), Decimal("120.00"))]


def test_the_same_promise_as_the_one_in_force_is_that_promise(ledger: Engine) -> None:
    with ledger.connect() as conn:
        first = record_promise(conn, **PROMISE)
        again = record_promise(conn, **{**PROMISE, "made": date(2026, 11, 26)})
    assert (again.id, again.created) == (first.id, False)
    assert _count(ledger, promises) == 1


def test_a_promise_about_other_invoices_replaces_nothing(ledger: Engine) -> None:
    with ledger.connect() as conn:
        record_promise(conn, **PROMISE)
        record_promise(conn, **{**PROMISE, "invoice_ids": ["INV-2"], "amount": Decimal("90.00")})
        history = promise_history(conn, "ACME", DAY)
    assert [p.superseded_by for p in history] == [None, None]
    assert sorted(_in_force_on(ledger, DAY)) == [
        (date(2026, 12, 1), Decimal("90.00")),
        (date(2026, 12, 1), Decimal("150.00")),
    ]


def test_a_promise_recorded_late_is_replaced_by_the_later_one(ledger: Engine) -> None:
    with ledger.connect() as conn:
        newer = record_promise(conn, **{**PROMISE, "made": date(2026, 11, 25)})
        older = record_promise(conn, **{**PROMISE, "made": DAY, "amount": Decimal("99.00")})
        history = promise_history(conn, "ACME", date(2026, 11, 25))
    assert [(p.id, p.superseded_by, p.superseded_on) for p in history] == [
        (older.id, newer.id, date(2026, 11, 25)),
        (newer.id, None, None),
    ]
    assert _in_force_on(ledger, DAY) == [(date(2026, 12, 1), Decimal("99.00"))]


def test_going_back_to_an_earlier_promise_is_a_new_promise(ledger: Engine) -> None:
    with ledger.connect() as conn:
        first = record_promise(conn, **PROMISE)
        record_promise(conn, **{**PROMISE, "amount": Decimal("120.00")})
        back = record_promise(conn, **PROMISE)
    assert back.created and back.id != first.id
    assert _in_force_on(ledger, DAY) == [(date(2026, 12, 1), Decimal("150.00"))]
    assert _count(ledger, promises) == 3


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


def test_a_dispute_of_an_instalment_is_the_invoices(ledger: Engine) -> None:
    """Rule "instalments" (docs/rules/terms.md): the action list names the parts of an invoice
    on split terms (INV-1_2of3); a dispute recorded on a part is the invoice's, holds back all
    its parts, and is the same dispute whichever part it is recorded on."""
    with ledger.connect() as conn:
        first = record_dispute(conn, invoice_id="INV-1_2of3", opened=DAY, reason="Short delivery")
        again = record_dispute(conn, invoice_id="INV-1_3of3", opened=DAY)
        whole = record_dispute(conn, invoice_id="INV-1", opened=DAY)
    assert first.created and not again.created and not whole.created
    assert again.id == first.id == whole.id
    with ledger.connect() as conn:
        row = conn.execute(select(disputes.c.invoice_id, disputes.c.customer_id)).one()
    assert tuple(row) == ("INV-1", "ACME")
    (customer,) = load_snapshot(ledger).customers
    assert [(d.invoice_id, d.reason) for d in customer.disputes] == [("INV-1", "Short delivery")]


def test_a_promise_about_instalments_is_about_the_invoice(ledger: Engine) -> None:
    """Rule "instalments": a promise recorded on parts of an invoice covers the invoice."""
    with ledger.connect() as conn:
        recorded = record_promise(conn, **{**PROMISE, "invoice_ids": ["INV-1_1of2", "INV-1_2of2"]})
    assert recorded.created
    with ledger.connect() as conn:
        covered = conn.execute(select(promise_invoices.c.invoice_id)).scalars().all()
    assert covered == ["INV-1"]


def test_an_instalment_has_its_invoices_currency(ledger: Engine) -> None:
    """The currency of a part is its invoice's; a number in neither form is left out."""
    with ledger.connect() as conn:
        found = invoice_currencies(conn, ["INV-1_1of2", "INV-2", "INV-9_1of2", "INV-9"])
    assert found == {"INV-1_1of2": "GBP", "INV-2": "GBP"}


def test_a_dispute_of_an_unknown_invoice_is_refused(ledger: Engine) -> None:
    with ledger.connect() as conn, pytest.raises(ValueError, match="INV-9 is not in the ledger"):
        record_dispute(conn, invoice_id="INV-9", opened=DAY)


# -- two processes at once ------------------------------------------------------------------------


def _record_at_the_same_moment(
    url: str, what: str, barrier: Any, results: Any, index: int = 0
) -> None:
    engine = create_store_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")  # connected, so both start writing together
        conn.rollback()
        barrier.wait(timeout=30)
        if what == "outcome":
            recorded = record_outcome(conn, **OUTCOME, status="done")
        elif what == "final":
            status = "done" if index % 2 else "skipped"
            recorded = record_outcome(conn, **OUTCOME, status=status)
        elif what == "other-promise":
            recorded = record_promise(
                conn, **{**PROMISE, "amount": Decimal(100 + index), "invoice_ids": ["INV-1"]}
            )
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
        elif what == "part-dispute":
            part = f"INV-1_{index % 2 + 1}of2"
            recorded = record_dispute(conn, invoice_id=part, opened=DAY, reason="late")
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
    assert _at_once(db_url, what, 2) == [False, True]
    assert _count(ledger, table) == 1


def _at_once(db_url: str, what: str, processes: int) -> list[bool]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(processes), ctx.Queue()
    workers = [
        ctx.Process(target=_record_at_the_same_moment, args=(db_url, what, barrier, results, i))
        for i in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * processes
    return sorted(results.get(timeout=5) for _ in range(processes))


def test_disputes_of_two_instalments_at_once_leave_one_dispute(ledger: Engine, db_url: str) -> None:
    """Two collectors dispute two parts of one invoice at the same moment: one dispute, the
    invoice's."""
    assert _at_once(db_url, "part-dispute", 4) == [False] * 3 + [True]
    with ledger.connect() as conn:
        assert conn.execute(select(disputes.c.invoice_id)).scalars().all() == ["INV-1"]


def test_done_and_skipped_sent_at_once_leave_one_final_outcome(ledger: Engine, db_url: str) -> None:
    assert _at_once(db_url, "final", 6) == [False] * 5 + [True]
    with ledger.connect() as conn:
        finals = conn.execute(select(action_log.c.status).where(action_log.c.final)).scalars().all()
    assert len(finals) == 1
    assert _count(ledger, action_log) == 1


def test_different_promises_sent_at_once_leave_one_in_force(ledger: Engine, db_url: str) -> None:
    assert _at_once(db_url, "other-promise", 4) == [True] * 4
    with ledger.connect() as conn:
        history = promise_history(conn, "ACME", DAY)
    assert len(history) == 4
    assert [p.superseded_by is None for p in history].count(True) == 1
    assert len(_in_force_on(ledger, DAY)) == 1
