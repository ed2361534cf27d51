"""Rule "catch-up" (docs/rules/ladder.md): the lower steps a pending step supersedes, and the
credit hold it never supersedes.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from engine.rules.catch_up import passed_over
from engine.rules.history import Pending
from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    d,
    done,
    ladder,
    make_policy,
    run,
)
from tests.engine.rules.one_ladder import SENT_AFTER_DUE, day_on


@pytest.mark.parametrize(
    ("floor", "ineligible", "expected"),
    [(-1, set(), (0, 2, 3)), (2, set(), (3,)), (-1, {2}, (0, 3))],
    ids=["all-lower-steps", "above-the-last-step-worked", "not-ineligible-ones"],
)
def test_catch_up_supersedes_lower_steps(
    floor: int, ineligible: set[int], expected: tuple[int, ...]
) -> None:
    """Rule "catch-up": the eligible steps reached between the last one worked and the pending
    one are superseded (steps dated before the due date among them only when they may go out
    after it, ``after_due: send``; else they expired at the due date, rule "expiry")."""
    assert passed_over(day_on("2026-10-16"), frozenset(), Pending(4, 0, -1, d("2026-10-16"))) == (
        3,
    )
    day = day_on("2026-10-16", rungs=SENT_AFTER_DUE)
    pending = Pending(4, 0, floor, d("2026-10-16"))
    assert passed_over(day, frozenset(ineligible), pending) == expected


def test_a_repetition_supersedes_nothing() -> None:
    """Rule "catch-up": a repeat occurrence never supersedes."""
    assert (
        passed_over(day_on("2026-12-01"), frozenset(), Pending(5, 2, 5, date(2026, 11, 30))) == ()
    )


HOLD_CATCH_UP_CASES = [
    ("hold-jumped-over-is-placed-beside-the-letter", [],
     ["credit-hold", "final-notice"], ["call", "first-reminder", "second-reminder"]),
    ("already-on-hold-no-second-hold",
     [done("credit-hold", ["INV-9"], "2026-10-31")], ["final-notice"],
     ["call", "first-reminder", "second-reminder"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "expected_steps", "expected_superseded"),
    [c[1:] for c in HOLD_CATCH_UP_CASES],
    ids=[c[0] for c in HOLD_CATCH_UP_CASES],
)
def test_catch_up_never_supersedes_a_credit_hold(
    history: list[Any], expected_steps: list[str], expected_superseded: list[str]
) -> None:
    """Rules "catch-up" and "credit hold": catch-up sends only the highest letter, but a hold
    step jumped over is still placed (unless the account is already on hold), never superseded.
    The courtesy note (due-3d) expired at the due date (rule "expiry"): it is not superseded,
    it was never due today."""
    evaluation = run(make_policy(), account("C1", INV_1, history=history), on="2026-11-15")
    assert [a.step for a in evaluation.actions] == expected_steps
    assert sorted(s.step for s in evaluation.superseded) == expected_superseded


# The standard ladder of make_policy() catching up one level per run (docs/rules/ladder.md,
# "catch-up", side by side): INV_1 is due Thu 1 Oct 2026.
ONE_LEVEL = make_policy(ladders=[replace(ladder(), catch_up="one_level_per_run")])

# (id, history, day, the step sent, the steps superseded)
SIDE_BY_SIDE: list[tuple[str, list[Any], str, str, str, list[str]]] = [
    # The courtesy note expired at the due date (rule "expiry"): the next level is the reminder.
    ("late-import", [], "2026-11-16", "final-notice", "first-reminder", []),
    ("after-the-courtesy-note", [done("courtesy", ["INV-1"], "2026-11-16")], "2026-11-17",
     "final-notice", "first-reminder", []),
    ("after-the-first-reminder", [done("first-reminder", ["INV-1"], "2026-11-17")], "2026-11-18",
     "final-notice", "second-reminder", []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "day", "highest", "one_level", "superseded"),
    [c[1:] for c in SIDE_BY_SIDE],
    ids=[c[0] for c in SIDE_BY_SIDE],
)
def test_one_level_per_run_sends_the_next_step_after_the_last_sent(
    history: list[Any], day: str, highest: str, one_level: str, superseded: list[str]
) -> None:
    """Rule "catch-up": highest_step sends the highest step reached; one_level_per_run sends
    the next step after the last one in the history, supersedes nothing and places no hold."""
    ledger = account("C1", INV_1, history=history)
    assert [a.step for a in run(make_policy(), ledger, on=day).actions][-1:] == [highest]
    evaluation = run(ONE_LEVEL, ledger, on=day)
    assert [a.step for a in evaluation.actions] == [one_level]
    assert [s.step for s in evaluation.superseded] == superseded


def test_one_level_per_run_skips_ineligible_steps() -> None:
    """Rule "catch-up": the next level is the next step the customer may reach: a skipped step
    is passed, as in highest_step."""
    policy = replace(ONE_LEVEL, customers={"C1": customer_file("C1", skip=["courtesy"])})
    evaluation = run(policy, account("C1", INV_1), on="2026-11-16")
    assert [a.step for a in evaluation.actions] == ["first-reminder"]
