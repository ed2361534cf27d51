"""An approved write-off is posted to the ledger in the transaction that approves it.

Worked example after Xero's bad-debt procedure (the unpaid part of an invoice is written off with
a credit note coded to a bad-debts account, and the invoice no longer awaits payment: Xero Help,
"Record a bad debt in Xero", https://help.xero.com/int/Q_BadDebts): ACME's INV-1 (GBP 1,200.00)
and INV-2 (GBP 300.00) are written off for GBP 1,300.00, proposed on 2027-03-01 by the credit
controller and approved on 2027-03-03 by the finance lead. Until the approval both are open;
from 2027-03-03 only GBP 200.00 of INV-2 is.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from engine.rules.open_items import open_items
from engine.rules.write_off import WriteOffLine
from store.ledger_writes import LedgerWriteError, WriteOff, record_write_off
from store.models import customers, invoices, write_off_proposals, write_offs
from store.reader import load_snapshot
from store.write_offs import (
    WriteOffConflictError,
    decide_write_off,
    find_write_off,
    ledger_write_off_id,
    propose_write_off,
)

PROPOSED = date(2027, 3, 1)
APPROVED = date(2027, 3, 3)
LINES = (WriteOffLine("INV-1", Decimal("1200.00")), WriteOffLine("INV-2", Decimal("100.00")))


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME"}])
        conn.execute(
            invoices.insert(),
            [
                {"id": "INV-1", "customer_id": "ACME", "issued": date(2026, 9, 1),
                 "amount": Decimal("1200.00"), "currency": "GBP"},
                {"id": "INV-2", "customer_id": "ACME", "issued": date(2026, 9, 15),
                 "amount": Decimal("300.00"), "currency": "GBP"},
            ],
        )  # fmt: skip
    return ledger_engine


def _propose(engine: Engine, write_off_id: str, *, needs_approval: bool = True) -> None:
    with engine.connect() as conn:
        propose_write_off(
            conn,
            write_off_id=write_off_id,
            customer_id="ACME",
            currency="GBP",
            lines=LINES,
            reason="Customer insolvent: liquidator confirms no dividend",
            day=PROPOSED,
            who="credit-controller",
            needs_approval=needs_approval,
        )


def _open_on(engine: Engine, day: date) -> list[tuple[str, Decimal]]:
    acme = load_snapshot(engine, ["ACME"], day).customers[0]
    return [(invoice.id, amount) for invoice, amount in open_items(acme.invoices, day)]


def _ledger(engine: Engine) -> list[tuple[object, ...]]:
    w = write_offs.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(w.id, w.invoice_id, w.date, w.amount, w.written_off_by, w.approved_by)
            .order_by(w.id)
        ).all()
    return [tuple(row) for row in rows]


def test_the_approval_posts_each_line_as_a_ledger_write_off_of_its_day(ledger: Engine) -> None:
    _propose(ledger, "W20270301-0a0b0c0d")
    assert _ledger(ledger) == []
    with ledger.connect() as conn:
        decided = decide_write_off(
            conn, "W20270301-0a0b0c0d", approve=True, who="finance-lead", day=APPROVED
        )
    assert (decided.state, decided.posted) == ("approved", True)
    assert _ledger(ledger) == [
        ("W20270301-0a0b0c0d-1", "INV-1", APPROVED, Decimal("1200.00"),
         "credit-controller", "finance-lead"),
        ("W20270301-0a0b0c0d-2", "INV-2", APPROVED, Decimal("100.00"),
         "credit-controller", "finance-lead"),
    ]  # fmt: skip
    assert _open_on(ledger, date(2027, 3, 2)) == [
        ("INV-1", Decimal("1200.00")),
        ("INV-2", Decimal("300.00")),
    ]
    assert _open_on(ledger, APPROVED) == [("INV-2", Decimal("200.00"))]
    with ledger.connect() as conn:
        stored = find_write_off(conn, "W20270301-0a0b0c0d")
    assert stored is not None and stored.posted


def test_a_rejection_posts_nothing_and_a_small_write_off_posts_at_once(ledger: Engine) -> None:
    _propose(ledger, "W-rejected")
    with ledger.connect() as conn:
        rejected = decide_write_off(conn, "W-rejected", approve=False, who="finance-lead",
                                    day=APPROVED)  # fmt: skip
    assert (rejected.state, rejected.posted) == ("rejected", False)
    assert _ledger(ledger) == []
    _propose(ledger, "W-small", needs_approval=False)
    assert [(row[0], row[2], row[5]) for row in _ledger(ledger)] == [
        ("W-small-1", PROPOSED, None),
        ("W-small-2", PROPOSED, None),
    ]


def test_a_clients_key_that_is_no_ledger_id_gets_a_stable_digest() -> None:
    assert ledger_write_off_id("W20261203-1a2b3c4d", 2) == "W20261203-1a2b3c4d-2"
    odd = ledger_write_off_id("form:42 again", 1)
    assert odd == ledger_write_off_id("form:42 again", 1)
    assert odd.startswith("W-") and odd.endswith("-1") and len(odd) == 20
    assert ledger_write_off_id("x" * 64, 1) != ledger_write_off_id("x" * 63 + "y", 1)


def test_a_posting_the_ledger_refuses_approves_nothing(ledger: Engine) -> None:
    _propose(ledger, "W-clash")
    with ledger.connect() as conn:  # the id its first line would take is already used
        record_write_off(conn, WriteOff(
            id="W-clash-1", customer_id="ACME", invoice_id="INV-2", date=PROPOSED,
            amount=Decimal("1.00"), currency="GBP", reason="imported", by="import",
        ))  # fmt: skip
    with ledger.connect() as conn, pytest.raises(LedgerWriteError, match="already recorded"):
        decide_write_off(conn, "W-clash", approve=True, who="finance-lead", day=APPROVED)
    with ledger.connect() as conn:
        stored = find_write_off(conn, "W-clash")
    assert stored is not None and (stored.state, stored.posted) == ("proposed", False)
    assert [row[0] for row in _ledger(ledger)] == ["W-clash-1"]


def test_two_approvers_at_once_post_one_write_off(ledger: Engine) -> None:
    _propose(ledger, "W-race")
    clients = 8
    barrier = threading.Barrier(clients)

    def approve(n: int) -> str:
        barrier.wait(timeout=60)
        with ledger.connect() as conn:
            try:
                decide_write_off(conn, "W-race", approve=True, who=f"approver-{n}", day=APPROVED)
            except WriteOffConflictError:
                return "conflict"
        return "approved"

    with ThreadPoolExecutor(clients) as pool:
        results = sorted(pool.map(approve, range(clients)))
    assert results == ["approved"] + ["conflict"] * (clients - 1)
    assert [row[0] for row in _ledger(ledger)] == ["W-race-1", "W-race-2"]
    with ledger.connect() as conn:
        posted = conn.execute(
            select(func.count()).select_from(write_off_proposals)
            .where(write_off_proposals.c.posted)
        ).scalar_one()  # fmt: skip
    assert posted == 1
    assert _open_on(ledger, APPROVED) == [("INV-2", Decimal("200.00"))]
