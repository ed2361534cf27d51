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
