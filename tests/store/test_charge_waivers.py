"""Charges through the database: the reader keeps an invoice paid in its amount while a fee on it
is owed, and waivers are recorded once, race-safe, on SQLite and PostgreSQL (rule "charges owed",
docs/rules/charges.md).

Worked example after the UK guidance "Late commercial payments: charging interest and debt
recovery" (https://www.gov.uk/late-commercial-payments-interest-debt-recovery): the fixed sum and
interest are claimed on top of the debt, so paying the invoice's GBP 1,200.00 leaves the GBP 15.00
reminder fee owed, and the invoice is chased for it until it is paid or waived.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, func, select

from engine.rules.charges_owed import charges_owed
from store.charge_waivers import NothingToWaiveError, RecordedWaiver, record_waiver
from store.models import charge_waivers, customers, invoices, payments
from store.outcomes import record_outcome
from store.reader import load_snapshot
from tests.engine.builders import make_policy

DAY = date(2026, 10, 22)


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    """ACME's INV-1 (GBP 1,200.00), a 15.00 fee charged on it on 15 October, paid on the 18th."""
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME"}])
        conn.execute(
            invoices.insert(),
            [{"id": "INV-1", "customer_id": "ACME", "issued": date(2026, 9, 1),
              "amount": Decimal("1200.00"), "currency": "GBP"}],
        )  # fmt: skip
        conn.execute(
            payments.insert(),
            [{"id": "PAY-1", "customer_id": "ACME", "date": date(2026, 10, 18),
              "amount": Decimal("1200.00"), "currency": "GBP", "invoice_id": "INV-1"}],
        )  # fmt: skip
        record_outcome(
            conn, action_id="A-FEE", customer_id="ACME", step="second-reminder",
            invoice_ids=["INV-1"], date=date(2026, 10, 15), status="done",
            fee=Decimal("15.00"), currency="GBP",
        )  # fmt: skip
        record_outcome(
            conn, action_id="A-NONE", customer_id="ACME", step="first-reminder",
            invoice_ids=["INV-1"], date=date(2026, 10, 2), status="done",
        )  # fmt: skip
    return ledger_engine


def owed(engine: Engine, day: date) -> dict[str, Decimal]:
    acme = load_snapshot(engine, ["ACME"], day).customers[0]
    return charges_owed(make_policy(), acme, day).owed()


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(charge_waivers)).scalar_one())


def test_the_reader_keeps_an_invoice_paid_in_its_amount_while_its_fee_is_owed(
    ledger: Engine,
) -> None:
    acme = load_snapshot(ledger, ["ACME"], DAY).customers[0]
    assert [(i.id, i.settled) for i in acme.invoices] == [("INV-1", Decimal("1200.00"))]
    assert owed(ledger, DAY) == {"GBP": Decimal("15.00")}


def test_a_waiver_takes_the_fee_off_from_its_day(ledger: Engine) -> None:
    with ledger.connect() as conn:
        recorded = record_waiver(
            conn, action_id="A-FEE", day=DAY, reason="Goodwill: first late payment", who="ann"
        )
    assert recorded.created
    assert (recorded.waiver.customer_id, recorded.waiver.who) == ("ACME", "ann")
    assert owed(ledger, DAY) == {}
    assert owed(ledger, date(2026, 10, 21)) == {"GBP": Decimal("15.00")}


@pytest.mark.parametrize(
    ("action_id", "day", "reason", "error"),
    [
        ("A-NONE", DAY, "why", NothingToWaiveError),
        ("A-UNKNOWN", DAY, "why", NothingToWaiveError),
        ("A-FEE", date(2026, 10, 14), "why", NothingToWaiveError),  # before it was charged
        ("A-FEE", DAY, "   ", ValueError),
        ("A-FEE", date(2200, 1, 1), "why", ValueError),
    ],
    ids=["charged-nothing", "unknown-action", "before-the-charge", "no-reason", "date-too-late"],
)
def test_a_waiver_of_nothing_or_without_a_reason_is_refused(
    ledger: Engine, action_id: str, day: date, reason: str, error: type[Exception]
) -> None:
    with ledger.connect() as conn, pytest.raises(error):
        record_waiver(conn, action_id=action_id, day=day, reason=reason, who="ann")
    assert count(ledger) == 0


def test_many_clients_waiving_at_once_leave_one_waiver(ledger: Engine) -> None:
    clients = 8
    barrier = threading.Barrier(clients)

    def waive(n: int) -> RecordedWaiver:
        barrier.wait(timeout=30)
        with ledger.connect() as conn:
            return record_waiver(
                conn, action_id="A-FEE", day=DAY, reason=f"goodwill {n}", who=f"clerk-{n}"
            )

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(waive, range(clients)))
    assert sum(r.created for r in results) == 1
    assert len({r.waiver for r in results}) == 1
    assert count(ledger) == 1
    assert owed(ledger, DAY) == {}
