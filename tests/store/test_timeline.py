"""The customer timeline: every kind of event, newest first, with who and their note."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from engine.load.policy_loader import load_policy
from engine.model.policy import Policy
from engine.report.timeline import render_timeline_text, timeline_to_dict
from store.assignments import assign_action
from store.models import credit_notes, customers, disputes, invoices, payments
from store.notes import add_note
from store.outcomes import record_outcome, record_promise
from store.payment_plans import InstalmentIn, record_payment_plan
from store.timeline import CustomerNotFoundError, read_timeline
from tests.api.conftest import ROOT

DAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def policy() -> Policy:
    loaded = load_policy([ROOT]).policy
    assert loaded is not None
    return loaded


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    """ACME: three invoices, cash, a credit note, promises kept, broken and pending, a dispute
    opened and resolved, a plan, worked actions, a hand-over and a note."""
    engine = ledger_engine
    with engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME", "name": "Acme Trading Ltd"}])
        conn.execute(invoices.insert(), [
            {"id": f"INV-{n}", "customer_id": "ACME", "issued": date(2026, 8, n),
             "amount": Decimal("500.00"), "currency": "GBP"} for n in (1, 2, 3)
        ])
        conn.execute(payments.insert(), [
            {"id": "PAY-1", "customer_id": "ACME", "date": date(2026, 10, 10),
             "amount": Decimal("200.00"), "currency": "GBP", "invoice_id": "INV-1"},
            {"id": "PAY-2", "customer_id": "ACME", "date": date(2026, 11, 30),
             "amount": Decimal("50.00"), "currency": "GBP", "invoice_id": None},
        ])
        conn.execute(credit_notes.insert(), [
            {"id": "CN-1", "customer_id": "ACME", "date": date(2026, 10, 12),
             "amount": Decimal("25.00"), "currency": "GBP", "invoice_id": "INV-2"},
        ])
        conn.execute(disputes.insert(), [
            {"id": "D-1", "customer_id": "ACME", "invoice_id": "INV-3",
             "opened": date(2026, 9, 20), "resolved": date(2026, 10, 1), "reason": "Short"},
        ])
    with engine.connect() as conn:
        # Kept: 200.00 paid on 10 Oct towards 150.00 promised on 1 Oct.
        record_promise(conn, customer_id="ACME", made=date(2026, 10, 1), pay_by=date(2026, 10, 15),
                       amount=Decimal("150.00"), currency="GBP", invoice_ids=["INV-1"])
        # Broken: nothing paid between 20 Oct and 1 Nov (nor since, up to DAY).
        record_promise(conn, customer_id="ACME", made=date(2026, 10, 20), pay_by=date(2026, 11, 1),
                       amount=Decimal("300.00"), currency="GBP", invoice_ids=["INV-2"])
        record_promise(conn, customer_id="ACME", made=DAY, pay_by=date(2026, 12, 4),
                       amount=Decimal("100.00"), currency="GBP")
        record_outcome(conn, action_id="act_call", customer_id="ACME", step="call",
                       invoice_ids=["INV-2"], date=date(2026, 11, 20), status="done",
                       note="Ann will pay on Friday", who="jane", outcome="promise",
                       recorded_at=datetime(2026, 11, 20, 10, tzinfo=UTC))
        record_outcome(conn, action_id="act_rem", customer_id="ACME", step="second-reminder",
                       invoice_ids=["INV-2"], date=date(2026, 11, 5), status="done", who="system",
                       fee=Decimal("15.00"), currency="GBP",
                       recorded_at=datetime(2026, 11, 5, 6, tzinfo=UTC))
        record_payment_plan(conn, customer_id="ACME", agreed=date(2026, 11, 21), currency="GBP",
                            invoice_ids=["INV-3"], who="omar", note="Two months",
                            schedule=[InstalmentIn(date(2026, 12, 1), Decimal("250.00")),
                                      InstalmentIn(date(2027, 1, 1), Decimal("250.00"))])
        assign_action(conn, key="k1", action_id="act_call", customer_id="ACME", step="call",
                      day=DAY, assignee="omar", who="jane",
                      now=datetime(2026, 11, 23, 9, tzinfo=UTC))
        add_note(conn, customer_id="ACME", text="Their AP moved to Leeds", who="jane", day=DAY,
                 now=datetime(2026, 11, 23, 11, tzinfo=UTC))
        conn.commit()
    return engine


def test_the_timeline_tells_every_event_newest_first(ledger: Engine, policy: Policy) -> None:
    with ledger.connect() as conn:
        timeline = read_timeline(conn, "ACME", DAY, policy)
    got = [(e.day.isoformat(), e.kind, e.title, e.who, e.status) for e in timeline.entries]
    assert got == [
        ("2026-11-23", "note", "Note", "jane", None),
        ("2026-11-23", "assignment", "Action 'call' handed to omar", "jane", None),
        ("2026-11-23", "promise", "Promise to pay GBP 100.00 by 2026-12-04", "", "pending"),
        ("2026-11-21", "plan", "Payment plan agreed: 2 instalments", "omar", None),
        ("2026-11-20", "action", "Phone call 'call': done (promise to pay taken)", "jane", "done"),
        ("2026-11-05", "action", "Email 'second-reminder': done", "system", "done"),
        ("2026-11-02", "promise_broken", "Promise broken: GBP 300.00 was due by 2026-11-01", "",
         "broken"),
        ("2026-10-20", "promise", "Promise to pay GBP 300.00 by 2026-11-01", "", "broken"),
        ("2026-10-12", "credit_note", "Credit note: GBP 25.00", "", None),
        ("2026-10-10", "payment", "Payment received: GBP 200.00", "", None),
        ("2026-10-01", "promise", "Promise to pay GBP 150.00 by 2026-10-15", "", "kept"),
        ("2026-10-01", "dispute_resolved", "Dispute of INV-3 resolved", "", "resolved"),
        ("2026-09-20", "dispute", "Invoice INV-3 disputed", "", "resolved"),
    ]
    details = {e.kind: e.detail for e in timeline.entries}
    assert details["note"] == "Their AP moved to Leeds"
    assert "Charged: fee GBP 15.00" in timeline.entries[5].detail
    assert details["plan"] == (
        "Instalments: GBP 250.00 by 2026-12-01; GBP 250.00 by 2027-01-01\nTwo months"
    )


def test_later_events_are_not_in_an_earlier_days_timeline(ledger: Engine) -> None:
    with ledger.connect() as conn:
        timeline = read_timeline(conn, "ACME", date(2026, 10, 11))
    assert [e.kind for e in timeline.entries] == ["payment", "promise", "dispute_resolved",
                                                  "dispute"]
    # The promise of 1 October was kept by the payment of 10 October.
    assert timeline.entries[1].status == "kept"


def test_the_renderers_tell_the_same_story(ledger: Engine, policy: Policy) -> None:
    with ledger.connect() as conn:
        timeline = read_timeline(conn, "ACME", DAY, policy)
    data = timeline_to_dict(timeline)
    text = render_timeline_text(timeline)
    assert data["customer"] == {"id": "ACME", "name": "Acme Trading Ltd"}
    assert [e["title"] for e in data["entries"]] == [e.title for e in timeline.entries]
    assert data["entries"][2]["amount"] == "100.00"
    for entry in timeline.entries:
        assert entry.title in text
    assert "2026-11-20  Phone call 'call': done (promise to pay taken)  by jane" in text
    assert "            Ann will pay on Friday" in text


def test_an_unknown_customer_has_no_timeline(ledger: Engine) -> None:
    with ledger.connect() as conn, pytest.raises(CustomerNotFoundError):
        read_timeline(conn, "NOBODY", DAY)


def test_a_discount_taken_is_in_the_timeline(ledger_engine: Engine, policy: Policy) -> None:
    """GBP 980.00 paid on the last day of 2/10 net 30 on GBP 1,000.00 (AccountingCoach, "What
    does 2/10 net 30 mean?"): the GBP 20.00 discount is written off, and the timeline says so
    next to the payment that earned it (docs/rules/discounts.md)."""
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "DOVE", "name": "Dove Wholesale Ltd"}])
        conn.execute(invoices.insert(), [
            {"id": "DS-1", "customer_id": "DOVE", "issued": date(2026, 10, 1),
             "amount": Decimal("1000.00"), "currency": "GBP", "terms": "2-10-net30"},
        ])
        conn.execute(payments.insert(), [
            {"id": "PAY-DS-1", "customer_id": "DOVE", "date": date(2026, 10, 11),
             "amount": Decimal("980.00"), "currency": "GBP", "invoice_id": "DS-1"},
        ])
    with ledger_engine.connect() as conn:
        timeline = read_timeline(conn, "DOVE", DAY, policy)
        before = read_timeline(conn, "DOVE", date(2026, 10, 10), policy)
    got = [(e.day.isoformat(), e.kind, e.title, e.invoices, e.ref) for e in timeline.entries]
    assert got == [
        ("2026-10-11", "discount", "Discount taken: GBP 20.00", ("DS-1",), "PAY-DS-1"),
        ("2026-10-11", "payment", "Payment received: GBP 980.00", ("DS-1",), "PAY-DS-1"),
    ]
    assert timeline.entries[0].detail == (
        "early-payment discount on DS-1, earned by payment PAY-DS-1 within the discount period"
    )
    assert timeline.entries[0].amount == Decimal("20.00")
    assert before.entries == ()
