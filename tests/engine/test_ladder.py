"""Rules "step dates", "step reached", "history", "repeat" and "catch-up" (docs/rules/ladder.md),
at the level of one invoice."""

from __future__ import annotations

from datetime import date

import pytest

from engine.model.ledger import ActionStatus
from engine.model.policy import CalendarSpec, Term
from engine.rules.calendar import BusinessCalendar
from engine.rules.ladder import (
    DayDates,
    InvoiceHistory,
    Pending,
    StepDates,
    index_history,
    invoice_dates,
    passed_over,
    pending_in,
    pending_step,
    reached_steps,
)
from tests.engine.builders import TERMS, d, done, ladder, step

CALENDAR = BusinessCalendar(CalendarSpec("GB", "ENG", frozenset({d("2026-12-24")})))

LADDER = ladder(
    "test",
    [
        step("delivery-check", "invoice+2d"),
        step("discount-nudge", "discount-2d"),
        step("courtesy", "due-3d"),
        step("first-reminder", "due+1bd"),
        step("second-reminder", "due+14d"),
        step("final-reminder", "due+30d", "letter", repeat_days=14),
    ],
)
STEPS = LADDER.steps


@pytest.mark.parametrize(
    ("terms", "issued", "due", "delay", "expected_due", "expected"),
    [
        # net30 from Wed 2 Sep 2026: due Fri 2 Oct; due+1bd is Mon 5 Oct.
        ("net30", "2026-09-02", None, {}, "2026-10-02",
         ["2026-09-04", None, "2026-09-29", "2026-10-05", "2026-10-16", "2026-11-01"]),
        # 2 % 10 days: the discount deadline is 12 Sep, the nudge two days before.
        ("2-10-net30", "2026-09-02", None, {}, "2026-10-02",
         ["2026-09-04", "2026-09-10", "2026-09-29", "2026-10-05", "2026-10-16", "2026-11-01"]),
        # An explicit due date wins over the terms; due+1bd skips the closed 24 Dec and Christmas.
        ("net30", "2026-11-01", "2026-12-23", {}, "2026-12-23",
         ["2026-11-03", None, "2026-12-20", "2026-12-29", "2027-01-06", "2027-01-22"]),
        # The customer's delay adds calendar days to that step only.
        ("net30", "2026-09-02", None, {"first-reminder": 7}, "2026-10-02",
         ["2026-09-04", None, "2026-09-29", "2026-10-12", "2026-10-16", "2026-11-01"]),
    ],
    ids=["net30", "discount-anchor", "explicit-due-and-bd-over-holidays", "customer-delay"],
)  # fmt: skip
def test_step_dates(  # noqa: PLR0917 - one parameter per column of the table
    terms: str,
    issued: str,
    due: str | None,
    delay: dict[str, int],
    expected_due: str,
    expected: list[str | None],
) -> None:
    """Rule "step dates": anchor + offset (calendar or business days) + the customer's delay;
    a `discount` step does not apply without a discount."""
    got = invoice_dates(
        LADDER, TERMS[terms], d(issued), d(due) if due else None, CALENDAR, "none", delay
    )
    assert got.due == d(expected_due)
    assert list(got.steps) == [d(x) if x else None for x in expected]


def test_step_dates_are_shared_per_key_and_day() -> None:
    """Rule "step dates": worked out once per (ladder, terms, issue date, due, delay)."""
    cache = StepDates(CALENDAR, "none")
    cache.set_day(d("2026-10-06"))
    key = ("test", "net30", d("2026-09-02"), None, ())
    first = cache.compute(key, LADDER, TERMS["net30"], d("2026-09-02"), None, None)
    assert cache.by_key[key] is first
    assert first.reached == (3, 2, 0)
    assert first.days_overdue == 4
    cache.set_day(d("2026-10-16"))
    assert key not in cache.by_key
    later = cache.compute(key, LADDER, TERMS["net30"], d("2026-09-02"), None, None)
    assert later.dates is first.dates
    assert later.reached == (4, 3, 2, 0)


def test_reached_steps_are_highest_first_and_skip_undated() -> None:
    """Rule "step reached": the steps dated on or before the day, highest rank first."""
    dates = (d("2026-09-04"), None, d("2026-09-29"), d("2026-10-05"))
    assert reached_steps(dates, d("2026-09-29")) == (2, 0)
    assert reached_steps(dates, d("2026-09-03")) == ()


def day_on(as_of: str, terms: str = "net30") -> DayDates:
    cache = StepDates(CALENDAR, "none")
    cache.set_day(d(as_of))
    key = ("test", terms, d("2026-09-02"), None, ())
    return cache.compute(key, LADDER, TERMS[terms], d("2026-09-02"), None, None)


HISTORY_CASES = [
    # (id, records (step, date, status), as_of, ineligible, expected Pending or None)
    ("no-history-highest-step", [], "2026-10-16", set(), Pending(4, 0, -1, d("2026-10-16"))),
    ("skipped-by-customer", [], "2026-10-16", {4}, Pending(3, 0, -1, d("2026-10-05"))),
    ("done-is-not-repeated", [("second-reminder", "2026-10-16", "done")], "2026-10-20", set(),
     None),
    ("skipped-counts-as-worked", [("second-reminder", "2026-10-16", "skipped")], "2026-10-20",
     set(), None),
    ("superseded-counts-as-passed", [("second-reminder", "2026-10-16", "superseded")],
     "2026-10-20", set(), None),
    ("failed-is-retried", [("second-reminder", "2026-10-16", "failed")], "2026-10-20", set(),
     Pending(4, 0, -1, d("2026-10-16"))),
    ("floor-is-the-last-step-worked", [("courtesy", "2026-09-29", "done")], "2026-10-16", set(),
     Pending(4, 0, 2, d("2026-10-16"))),
    ("a-later-step-worked-means-nothing-lower", [("final-reminder", "2026-11-01", "done")],
     "2026-10-20", set(), None),
    ("repeat-not-yet", [("final-reminder", "2026-11-01", "done")], "2026-11-14", set(), None),
    ("repeat-after-14-days", [("final-reminder", "2026-11-01", "done")], "2026-11-15", set(),
     Pending(5, 1, 5, d("2026-11-15"))),
    ("repeat-counts-occurrences",
     [("final-reminder", "2026-11-01", "done"), ("final-reminder", "2026-11-16", "done")],
     "2026-12-01", set(), Pending(5, 2, 5, d("2026-11-30"))),
    ("steps-of-other-ladders-are-ignored", [("owner-call", "2026-10-10", "done")], "2026-10-16",
     set(), Pending(4, 0, -1, d("2026-10-16"))),
]  # fmt: skip


@pytest.mark.parametrize(
    ("records", "as_of", "ineligible", "expected"),
    [case[1:] for case in HISTORY_CASES],
    ids=[case[0] for case in HISTORY_CASES],
)
def test_pending_step_and_history(
    records: list[tuple[str, str, str]],
    as_of: str,
    ineligible: set[int],
    expected: Pending | None,
) -> None:
    """Rules "step reached", "history" and "repeat" for one invoice."""
    log = [
        done(step_id, ["INV-1"], when, status=ActionStatus(status), action_id=f"a{i}")
        for i, (step_id, when, status) in enumerate(records)
    ]
    history = index_history(LADDER, log).get("INV-1")
    day = day_on(as_of)
    assert pending_step(day, frozenset(ineligible), history, STEPS, d(as_of)) == expected
    positions = {s.id: i for i, s in enumerate(STEPS)}
    top = next((i for i in day.reached if i not in ineligible), None)
    if top is not None and log:
        # The fast path of the evaluation gives the same answer.
        assert pending_in(top, day, log, positions, STEPS, d(as_of)) == expected


def test_history_counts_an_action_once() -> None:
    """Rule "history": a record repeated under the same action id counts once."""
    log = [
        done("final-reminder", ["INV-1", "INV-2"], "2026-11-01", action_id="a1"),
        done("final-reminder", ["INV-1"], "2026-11-01", action_id="a1"),
    ]
    assert index_history(LADDER, log)["INV-1"] == InvoiceHistory({5: (1, d("2026-11-01"))}, 5)


@pytest.mark.parametrize(
    ("floor", "ineligible", "expected"),
    [(-1, set(), (0, 2, 3)), (2, set(), (3,)), (-1, {2}, (0, 3))],
    ids=["all-lower-steps", "above-the-last-step-worked", "not-ineligible-ones"],
)
def test_catch_up_supersedes_lower_steps(
    floor: int, ineligible: set[int], expected: tuple[int, ...]
) -> None:
    """Rule "catch-up": the eligible steps reached between the last one worked and the pending
    one are superseded."""
    day = day_on("2026-10-16")
    pending = Pending(4, 0, floor, d("2026-10-16"))
    assert passed_over(day, frozenset(ineligible), pending) == expected


def test_a_repetition_supersedes_nothing() -> None:
    """Rule "catch-up": a repeat occurrence never supersedes."""
    assert (
        passed_over(day_on("2026-12-01"), frozenset(), Pending(5, 2, 5, date(2026, 11, 30))) == ()
    )


@pytest.mark.parametrize("roll", ["none", "next_business_day", "previous_business_day"])
def test_step_dates_of_the_cache_are_those_of_the_rule(roll: str) -> None:
    """Rule "step dates": the cache's shortcut (offsets and terms worked out once) gives the
    dates ``invoice_dates`` gives, for every terms, explicit due dates, delays and a year of issue
    dates across weekends, bank holidays and the policy's closed days."""
    bd_ladder = ladder(
        "bd",
        [
            step("nudge", "discount-1bd"),
            step("same-day", "due+0bd"),
            step("before", "due-2bd"),
            step("after", "due+3bd"),
            step("invoice", "invoice+5d"),
            step("late", "due+40d", "letter"),
        ],
    )
    delays: list[dict[str, int]] = [{}, {"after": 2, "courtesy": 3, "late": 1, "same-day": 4}]
    every_terms = [
        *TERMS.values(),
        Term("30-eom", net_days=30, from_end_of_month=True),
        Term("10th-prox", day_of_next_month=10),
        Term("on-receipt", net_days=0),
    ]
    cache = StepDates(CALENDAR, roll)
    cache.set_day(d("2027-06-01"))
    for rungs in (LADDER, bd_ladder):
        for delay in delays:
            for n in range(0, 366, 3):
                issued = date.fromordinal(d("2026-06-01").toordinal() + n)
                for terms in every_terms:
                    for due in (None, date.fromordinal(issued.toordinal() + n % 45)):
                        key = (rungs.name, terms.name, issued, due, tuple(sorted(delay.items())))
                        got = cache.compute(key, rungs, terms, issued, due, delay)
                        want = invoice_dates(rungs, terms, issued, due, CALENDAR, roll, delay)
                        assert got.dates == want, (rungs.name, terms.name, issued, due, delay)
                        assert got.reached == reached_steps(want.steps, d("2027-06-01"))
