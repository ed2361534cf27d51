"""Rules "history" and "repeat" (docs/rules/ladder.md): what the action log leaves pending, for
one invoice and through the daily list.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.model.ledger import ActionStatus
from engine.rules.history import InvoiceHistory, Pending, pending_in
from tests.engine.builders import (
    INV_1,
    account,
    d,
    done,
    ladder,
    make_policy,
    run,
    step,
)
from tests.engine.rules.one_ladder import LADDER, STEPS, day_on
from tests.engine.rules.reference import index_history, pending_step

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
    ("sent-is-not-worked", [("second-reminder", "2026-10-16", "sent")], "2026-10-20", set(),
     Pending(4, 0, -1, d("2026-10-16"))),
    ("sent-then-done-is-worked",
     [("second-reminder", "2026-10-16", "sent"), ("second-reminder", "2026-10-16", "done")],
     "2026-10-20", set(), None),
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


REPEAT = ladder(
    "standard",
    [
        step("first-reminder", "due+1d"),
        step("final-reminder", "due+30d", "letter", repeat_days=14, fee="reminder-fee"),
    ],
)


REPEAT_CASES = [
    ("first-time", [], "2026-10-31", [("final-reminder", 0)]),
    ("not-before-14-days", [done("final-reminder", ["INV-1"], "2026-10-31")], "2026-11-13", []),
    ("repeats-after-14-days", [done("final-reminder", ["INV-1"], "2026-10-31")], "2026-11-14",
     [("final-reminder", 1)]),
    ("second-repetition", [done("final-reminder", ["INV-1"], "2026-10-31", action_id="a"),
     done("final-reminder", ["INV-1"], "2026-11-14", action_id="b")], "2026-11-28",
     [("final-reminder", 2)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "on", "expected"), [c[1:] for c in REPEAT_CASES], ids=[c[0] for c in REPEAT_CASES]
)
def test_repeat_steps(history: list[Any], on: str, expected: list[tuple[str, int]]) -> None:
    """Rule "repeat": a repeat step comes back every N days until paid; repetitions charge no
    new fee."""
    evaluation = run(make_policy(ladders=[REPEAT]), account("C1", INV_1, history=history), on=on)
    assert [(a.step, a.occurrence) for a in evaluation.actions] == expected
    for action in evaluation.actions:
        assert [c.kind for c in action.charges] == ([] if action.occurrence else ["fee"])


# Rule "repeat", calendar repeats and a maximum: a last step on 31 Jan 2027 (due+122d of an
# invoice due 1 Oct 2026) repeated every month, twice at most.
MONTHLY = make_policy(
    ladders=[
        ladder(
            "standard",
            (
                step("first-reminder", "due+1d"),
                step("final-notice", "due+122d", "letter", repeat_months=1, max_repeats=2),
            ),
        )
    ]
)
MONTHLY_DONE = [
    done("first-reminder", ["INV-1"], "2026-10-02"),
    done("final-notice", ["INV-1"], "2027-01-31"),
]


@pytest.mark.parametrize(
    ("extra", "day", "expected"),
    [
        ([], "2027-02-27", []),
        ([], "2027-02-28", [("final-notice", 1)]),
        ([done("final-notice", ["INV-1"], "2027-02-28")], "2027-03-30", []),
        ([done("final-notice", ["INV-1"], "2027-02-28")], "2027-03-31", [("final-notice", 2)]),
        ([done("final-notice", ["INV-1"], "2027-02-28"),
          done("final-notice", ["INV-1"], "2027-03-31")], "2027-12-31", []),
    ],
    ids=["not-before-the-same-day", "end-of-february", "not-before-the-31st",
         "back-on-the-31st", "finished-after-the-maximum"],
)  # fmt: skip
def test_calendar_repeats_fall_on_the_same_day_each_month_up_to_the_maximum(
    extra: list[Any], day: str, expected: list[tuple[str, int]]
) -> None:
    """Rule "repeat": `repeat: 1m` from 31 Jan falls on 28 Feb, then 31 Mar (counted from the
    step's own date, not the last repetition); after max_repeats nothing more is sent."""
    ledger = account("C1", INV_1, history=[*MONTHLY_DONE, *extra])
    evaluation = run(MONTHLY, ledger, on=day)
    assert [(a.step, a.occurrence) for a in evaluation.actions] == expected


def test_the_last_repetition_says_the_ladder_is_finished() -> None:
    """Rule "repeat": the action of the last repetition of the last step says so."""
    history = [*MONTHLY_DONE, done("final-notice", ["INV-1"], "2027-02-28")]
    (action,) = run(MONTHLY, account("C1", INV_1, history=history), on="2027-03-31").actions
    assert "after it the ladder 'standard' is finished for this invoice" in action.reasons[0].text
    assert action.reasons[0].facts["max_repeats"] == "2"
