"""The management summary (engine/tools/summary.py, engine/rules/summary.py), worked by hand.

C1 (GBP, net 30) on Sunday 22 Nov 2026, the week 16-22 Nov and the week 9-15 Nov before it:

- I1, 1,000.00 issued 1 Oct, due 31 Oct: 400.00 paid on 12 Nov (the week before), 600.00 on
  18 Nov (this week), 50.00 of it refunded on 19 Nov: cash 400.00 then, 550.00 now;
- I2, 2,000.00 issued 20 Oct, due 19 Nov: falls overdue this week; 300.00 written off on 20 Nov;
- a promise of 500.00 by 16 Nov, made on 13 Nov, that nothing pays by then: broken on 17 Nov (the
  600.00 of 18 Nov keeps it late; it is still a promise broken in the week).

Overdue at the end of 15 Nov: I1's 600.00; at the end of 22 Nov: I2's 1,700.00 and the 50.00
the refund opened again on I1: 1,750.00, +1,150.00. The week before: 1,000.00 overdue at the
end of 8 Nov, 600.00 on 15 Nov: -400.00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from engine.load.policy_repo import PolicyCommit
from engine.model.ledger import Settlement
from engine.rules.summary import last_complete, period_of, previous_period
from engine.tools.reports import SnapshotReportSource
from engine.tools.summary import SnapshotSummarySource, management_summary, policy_changes
from tests.engine.builders import account, invoice, ladder, m, make_policy, promise, step

LAST = date(2026, 11, 22)
C1 = account(
    "C1",
    invoice(
        "I1", "2026-10-01", "1000.00", paid=[("2026-11-12", "400.00"), ("2026-11-18", "600.00")]
    ),
    invoice("I2", "2026-10-20", "2000.00"),
    promises=[promise("2026-11-13", "2026-11-16", "500.00")],
    name="Acme Trading Ltd",
)
I1, I2 = C1.invoices
REFUND = Settlement(date(2026, 11, 19), m("-50.00"), "refund", "R1")
WRITE_OFF = Settlement(date(2026, 11, 20), m("300.00"), "write_off", "W1")
C1 = C1._replace(
    invoices=(
        I1._replace(settlements=(*I1.settlements, REFUND)),
        I2._replace(settlements=(WRITE_OFF,)),
    )
)


def test_periods_of_a_week_and_a_month() -> None:
    assert period_of("week", LAST) == (date(2026, 11, 16), LAST)
    assert previous_period("week", date(2026, 11, 16)) == (date(2026, 11, 9), date(2026, 11, 15))
    assert period_of("month", date(2026, 11, 30)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert previous_period("month", date(2026, 3, 1)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert last_complete("week", date(2026, 11, 23)) == LAST
    assert last_complete("month", date(2026, 12, 7)) == date(2026, 11, 30)


def test_the_summary_of_a_week_beside_the_week_before() -> None:
    summary = management_summary(
        make_policy(), SnapshotReportSource([C1]), SnapshotSummarySource([C1]),
        period="week", last=LAST,
    )  # fmt: skip
    now, before = summary.current, summary.previous
    assert (now.first, before.first, before.last) == (
        date(2026, 11, 16), date(2026, 11, 9), date(2026, 11, 15),
    )  # fmt: skip
    assert (now.cash, before.cash) == ({"GBP": m("550.00")}, {"GBP": m("400.00")})
    assert (now.overdue_before, now.overdue_after) == (
        {"GBP": m("600.00")}, {"GBP": m("1750.00")},
    )  # fmt: skip
    assert now.overdue_change("GBP") == m("1150.00")
    assert before.overdue_change("GBP") == m("-400.00")
    assert summary.write_offs == {"GBP": (1, m("300.00"))}
    assert [(b.customer_id, b.pay_by) for b in summary.broken] == [("C1", date(2026, 11, 16))]
    assert [c.customer_id for c in summary.largest_overdue] == ["C1"]
    assert summary.currencies == ("GBP",)


def test_a_policy_change_carries_its_plans_headline() -> None:
    """A commit on 20 Nov drops the first reminder: on that day C1's I2 (due 19 Nov) would have
    had one; the plan says one customer gets a different letter or call."""
    base = make_policy()
    head = make_policy(ladders=[ladder("standard", [step("call", "due+21d", "phone")])])
    policies = {"a" * 40: base, "b" * 40: head}
    history = [
        PolicyCommit("a" * 40, datetime(2026, 11, 1, tzinfo=UTC), "Start"),
        PolicyCommit("b" * 40, datetime(2026, 11, 20, tzinfo=UTC), "Drop the first reminder"),
    ]
    changes = policy_changes(
        history, policies.get, lambda day: [C1], date(2026, 11, 16), LAST
    )
    [change] = changes
    assert (change.commit, change.day, change.subject) == (
        "b" * 12, date(2026, 11, 20), "Drop the first reminder",
    )  # fmt: skip
    assert change.headline.startswith("1 customer gets a different letter or call on 2026-11-20")
