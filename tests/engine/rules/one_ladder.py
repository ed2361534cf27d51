"""The ladder and calendar of the one-invoice tests (step dates, history, catch-up).

Six steps, one of each anchor and kind: ``delivery-check`` (invoice+2d), ``discount-nudge``
(discount-2d), ``courtesy`` (due-3d), ``first-reminder`` (due+1bd), ``second-reminder`` (due+14d)
and ``final-reminder`` (due+30d, a letter repeated every 14 days), on the English calendar with
24 Dec 2026 closed; and ``SENT_AFTER_DUE``, the same whose first three steps may go out after the
due date.
"""

from __future__ import annotations

from dataclasses import replace

from engine.model.policy import CalendarSpec, Ladder
from engine.rules.calendar import BusinessCalendar
from engine.rules.step_dates import DayDates, StepDates
from tests.engine.builders import TERMS, d, ladder, step

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
# The same ladder whose steps dated before the due date may still go out after it
# (``after_due: send``, rule "expiry"): the steps catch-up can pass over.
SENT_AFTER_DUE = ladder(
    "test-sent-after-due",
    [replace(s, after_due="send") if s.at.anchor != "due" or s.at.days < 0 else s for s in STEPS],
)


def day_on(as_of: str, terms: str = "net30", rungs: Ladder = LADDER) -> DayDates:
    """Return the dates of an invoice issued Wed 2 Sep 2026 on ``terms``, seen from ``as_of``."""
    cache = StepDates(CALENDAR, "none")
    cache.set_day(d(as_of))
    key = (rungs.name, terms, d("2026-09-02"), None, ())
    return cache.compute(key, rungs, TERMS[terms], d("2026-09-02"), None, None)
