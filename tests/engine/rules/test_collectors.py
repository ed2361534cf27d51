"""Rule "collector activity" (engine/rules/collectors.py), worked by hand.

The promise states are the ones collection tools publish: Catchpole's *Promise-to-Pay Tracking*
(https://www.catchpole.io/docs/promises): "Pending — promise date hasn't arrived yet; Kept —
payment was received on or before the promise date; Broken — promise date passed without
payment; Cancelled — promise was cancelled or superseded" (our "replaced"), and the "promise-
keeping rate" over the promises that came due, kept / (kept + broken).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.model.ledger import Payment
from engine.rules.collectors import (
    NOBODY,
    CashApplied,
    LogEntry,
    PromiseMade,
    collector_activity,
)
from engine.tools.collector_report import contact_steps
from tests.engine.builders import d, m, make_policy, promise

FIRST, LAST, SEEN = date(2026, 11, 1), date(2026, 11, 30), date(2026, 12, 10)
CONTACTS = contact_steps(make_policy())


def entry(action: str, day: str, status: str, who: str, step: str = "first-reminder", *,
          invoices: tuple[str, ...] = ("I1",), outcome: str | None = None,
          customer: str = "C1") -> LogEntry:  # fmt: skip
    return LogEntry(action, customer, step, d(day), status, outcome, who, invoices)


def pay(customer: str, day: str, amount: str) -> Payment:
    return Payment(f"P-{customer}-{day}", customer, d(day), m(amount), "GBP")


def test_contact_steps_are_the_ladder_steps_with_a_channel() -> None:
    assert {
        "courtesy", "first-reminder", "second-reminder", "call", "final-notice",
    } == CONTACTS  # fmt: skip


def test_actions_worked_contacts_and_promises_per_person() -> None:
    """Ann works three actions (one twice: counted once), one a credit hold (not a contact);
    she takes two promises on calls: one paid on time (kept), one not by its date (broken).
    Bob takes a promise that is replaced by another before it came due. A promise from the
    payment portal has no person. Ann kept 1 of 2 that came due: 50 %."""
    entries = [
        entry("A1", "2026-11-02", "done", "ann", "call", outcome="promise"),
        entry("A1", "2026-11-02", "done", "ann", "call", outcome="promise"),
        entry("A2", "2026-11-03", "done", "ann", "call", customer="C2", outcome="promise"),
        entry("A3", "2026-11-04", "done", "ann", "credit-hold"),
        entry("A4", "2026-11-05", "failed", "bob", "call", customer="C3"),
        entry("A5", "2026-11-06", "done", "bob", "call", customer="C3", outcome="promise"),
        entry("A0", "2026-10-31", "done", "bob", "call"),  # before the period
    ]
    promises = [
        PromiseMade(promise("2026-11-02", "2026-11-10", "500.00", promise_id="P1"), None),
        PromiseMade(
            promise("2026-11-03", "2026-11-12", "300.00", customer="C2", promise_id="P2"), None
        ),
        PromiseMade(
            promise("2026-11-06", "2026-11-20", "900.00", customer="C3", promise_id="P3"),
            d("2026-11-15"),
        ),
        PromiseMade(
            promise("2026-11-08", "2026-12-31", "100.00", customer="C4", promise_id="P4"), None
        ),
    ]
    payments = {
        "C1": [pay("C1", "2026-11-09", "500.00")],
        "C2": [pay("C2", "2026-11-11", "100.00")],
    }
    report = collector_activity(
        entries, promises, payments, [], CONTACTS, first=FIRST, last=LAST, as_of=SEEN
    )
    people = {p.who: p for p in report.people}
    ann, bob, nobody = people["ann"], people["bob"], people[NOBODY]
    assert (ann.worked, ann.contacts, ann.promises, ann.kept, ann.broken) == (3, 2, 2, 1, 1)
    assert ann.kept_share == Decimal("0.5")
    assert (bob.worked, bob.contacts, bob.promises, bob.replaced, bob.kept_share) == (
        2, 1, 1, 1, None,
    )  # fmt: skip
    assert (nobody.promises, nobody.pending, nobody.worked) == (1, 1, 0)


def test_cash_within_14_days_goes_to_the_latest_contact_before_it() -> None:
    """I1 is emailed by the sender on 2 Nov and called by Ann on 9 Nov: 200.00 paid on 12 Nov
    is Ann's (her call is the latest before it); 50.00 on 20 Nov is still within 14 days of her
    call (day 11); 70.00 on 24 Nov is 15 days after it: nobody's. I2, contacted on 30 Nov,
    is paid on 10 Dec (day 10) but the report is seen on 9 Dec: not yet counted."""
    entries = [
        entry("A1", "2026-11-02", "sent", "dunning send", "first-reminder"),
        entry("A2", "2026-11-09", "done", "ann", "call"),
        entry("A3", "2026-11-30", "done", "bob", "call", invoices=("I2",)),
    ]
    cash = [
        CashApplied("I1", d("2026-11-12"), m("200.00"), "GBP"),
        CashApplied("I1", d("2026-11-20"), m("50.00"), "GBP"),
        CashApplied("I1", d("2026-11-24"), m("70.00"), "GBP"),
        CashApplied("I1", d("2026-11-02"), m("10.00"), "GBP"),  # the day of the email: before
        CashApplied("I2", d("2026-12-10"), m("400.00"), "GBP"),
    ]
    report = collector_activity(
        entries, [], {}, cash, CONTACTS, first=FIRST, last=LAST, as_of=date(2026, 12, 9)
    )
    people = {p.who: p for p in report.people}
    assert people["ann"].collected == {"GBP": m("250.00")}
    assert people["dunning send"].collected == {}
    assert people["bob"].collected == {}
    assert people["dunning send"].contacts == 1 and people["dunning send"].worked == 0
