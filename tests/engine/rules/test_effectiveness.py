"""Rule "what works" (engine/rules/effectiveness.py), worked by hand.

Report date Sat 31 Oct 2026. The first reminder fired on 1 Oct for I1 and I2, and on 25 Oct
for I3:

- I1 (1,000.00) paid 600.00 on 5 Oct and 400.00 on 9 Oct: paid 8 days after the step;
- I2 (500.00) paid in full on 20 Oct: 19 days after;
- I3 (200.00) not paid: its 7-day window ended on 1 Nov, after the report date, so it counts as
  reached but in no share;
- I4 was paid on 30 Sep, before the step: not reached.

Within 7 days: 0 of 2 observed; 14: 1 of 2; 30: 2 of 2 (I1, I2 observed for 30 days since
1 Oct + 30 = 31 Oct). Median days to payment: (8 + 19) / 2 = 13.5. Collected within 30 days:
600 + 400 + 500 = 1,500.00.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.model.ledger import Settlement
from engine.rules.effectiveness import InvoicePaid, StepFacts, StepFired, what_works


def paid(invoice_id: str, amount: str, *payments: tuple[str, str]) -> InvoicePaid:
    return InvoicePaid(
        invoice_id,
        "GBP",
        Decimal(amount),
        tuple(Settlement(date.fromisoformat(d), Decimal(a)) for d, a in payments),
    )


INVOICES = {
    "I1": paid("I1", "1000.00", ("2026-10-05", "600.00"), ("2026-10-09", "400.00")),
    "I2": paid("I2", "500.00", ("2026-10-20", "500.00")),
    "I3": paid("I3", "200.00"),
    "I4": paid("I4", "50.00", ("2026-09-30", "50.00")),
}
FACTS = StepFacts("abc123", {"step": "standard/first-reminder", "tone": "standard"})


def test_shares_median_and_collected_as_worked_by_hand() -> None:
    firings = [
        (StepFired("a1", "C1", "first-reminder", date(2026, 10, 1), ("I1", "I2", "I4")), FACTS),
        (StepFired("a2", "C2", "first-reminder", date(2026, 10, 25), ("I3",)), FACTS),
    ]
    step, tone = what_works(firings, INVOICES, date(2026, 10, 31))
    assert (step.dimension, step.value, step.version) == (
        "step",
        "standard/first-reminder",
        "abc123",
    )
    assert (step.reached, step.observed, step.paid) == (3, (2, 2, 2), (0, 1, 2))
    assert [step.share(i) for i in range(3)] == [Decimal(0), Decimal("0.5"), Decimal(1)]
    assert step.median_days == Decimal("13.5")
    assert step.collected == {"GBP": Decimal("1500.00")}
    assert (tone.dimension, tone.value, tone.reached) == ("tone", "standard", 3)


def test_each_policy_version_has_its_own_row() -> None:
    """The same step under two versions: two rows, in the order the versions first fired."""
    before = StepFacts("old111", {"step": "standard/first-reminder"})
    after = StepFacts("new222", {"step": "standard/first-reminder"})
    firings = [
        (StepFired("a1", "C1", "first-reminder", date(2026, 10, 1), ("I1",)), before),
        (StepFired("a2", "C1", "first-reminder", date(2026, 10, 1), ("I2",)), after),
    ]
    rows = what_works(firings, INVOICES, date(2026, 10, 31))
    assert [(r.version, r.paid) for r in rows] == [("old111", (0, 1, 1)), ("new222", (0, 0, 1))]


def test_reminders_that_led_to_a_portal_answer_or_a_payment() -> None:
    """Per step fired, once: answered on the portal from that message's link within 30 days,
    or paid (a payment on one of its invoices) within 30 days. Seen on 31 Oct 2026:

    - a1 (1 Oct, I1 and I2): paid within 30 days, no answer: led to a payment;
    - a2 (25 Oct, I3): not paid, answered on 26 Oct: led to an answer;
    - a3 (10 Sep, I3): answered on 15 Oct, 35 days later: too late, led to nothing;
    - a4 (20 Oct, I3): the only answer from its link is of 19 Oct, before it fired: nothing.
    """
    firings = [
        (StepFired("a1", "C1", "first-reminder", date(2026, 10, 1), ("I1", "I2")), FACTS),
        (StepFired("a2", "C2", "first-reminder", date(2026, 10, 25), ("I3",)), FACTS),
        (StepFired("a3", "C2", "first-reminder", date(2026, 9, 10), ("I3",)), FACTS),
        (StepFired("a4", "C2", "first-reminder", date(2026, 10, 20), ("I3",)), FACTS),
    ]
    answers = {
        "a2": (date(2026, 10, 26),),
        "a3": (date(2026, 10, 15),),
        "a4": (date(2026, 10, 19),),
        "other": (date(2026, 10, 2),),
    }
    step, tone = what_works(firings, INVOICES, date(2026, 10, 31), answers)
    assert (step.fired, step.answered, step.answered_or_paid) == (4, 1, 2)
    assert (tone.fired, tone.answered, tone.answered_or_paid) == (4, 1, 2)
    without = what_works(firings, INVOICES, date(2026, 10, 31))[0]
    assert (without.fired, without.answered, without.answered_or_paid) == (4, 0, 1)
