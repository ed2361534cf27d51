"""Tests for engine/rules/previous_step.py: rule "previous step" of docs/rules/ladder.md.

A ``previous+Nd`` step falls due N days after the step before it was actually sent (done or
sent) for the invoice, as OCA's credit control levels count in "Previous Reminder" mode.
"""

from __future__ import annotations

import pytest

from engine.model.ledger import ActionStatus
from engine.rules.previous_step import PreviousStep, previous_steps, sent_dates
from tests.engine.builders import (
    account,
    customer_file,
    d,
    done,
    invoice,
    ladder,
    make_policy,
    run,
    step,
    steps_of,
)

# Due 1 Oct 2026 (net30 from 1 Sep): the first level 10 days after, each next 10 days after the
# one before it was sent, the hold 15 days after the last letter.
LEVELS = ladder(
    "standard",
    (
        step("level-1", "due+10d"),
        step("level-2", "previous+10d"),
        step("level-3", "previous+10d", "letter"),
        step("credit-hold", "previous+15d", "credit_hold"),
    ),
)
POLICY = make_policy(ladders=[LEVELS])
INVOICE = invoice("INV-1", "2026-09-01", "900.00")


def test_previous_steps_count_from_the_nearest_step_not_skipped() -> None:
    """Each previous step counts from the step before it; a skipped one is passed over."""
    assert previous_steps(LEVELS, None, frozenset()) == (
        PreviousStep(1, 0, 0, 10),
        PreviousStep(2, 1, 0, 10),
        PreviousStep(3, 2, 0, 15),
    )
    assert previous_steps(LEVELS, {"level-3": 4}, frozenset({"level-2"})) == (
        PreviousStep(2, 0, 0, 14),
        PreviousStep(3, 2, 0, 15),
    )


def test_only_steps_done_or_sent_count_as_sent() -> None:
    """Done and sent records date the next step; skipped, superseded and failed do not."""
    positions = {s.id: i for i, s in enumerate(LEVELS.steps)}
    history = [
        done("level-1", ["INV-1"], "2026-10-12"),
        done("level-1", ["INV-1"], "2026-10-14", status=ActionStatus.SENT),
        done("level-2", ["INV-1"], "2026-10-20", status=ActionStatus.SKIPPED),
        done("level-2", ["INV-2"], "2026-10-21", status=ActionStatus.FAILED),
        done("level-3", ["INV-2"], "2026-10-22", status=ActionStatus.SUPERSEDED),
        done("other-step", ["INV-2"], "2026-10-23"),
    ]
    assert sent_dates(history, positions) == {"INV-1": {0: d("2026-10-14")}}


@pytest.mark.parametrize(
    ("sent_on", "day", "expected"),
    [
        ("2026-10-16", "2026-10-25", []),
        ("2026-10-16", "2026-10-26", [("C1", "level-2", ("INV-1",))]),
        ("2026-10-12", "2026-10-22", [("C1", "level-2", ("INV-1",))]),
    ],
    ids=["not-before-ten-days-after-sending", "ten-days-after-sending", "sent-on-time"],
)
def test_the_next_level_falls_due_after_the_last_reminder_was_sent(
    sent_on: str, day: str, expected: list[tuple[str, str, tuple[str, ...]]]
) -> None:
    """Level 1 fell due on 11 Oct; sent on 16 Oct, level 2 falls due on 26 Oct, not 21 Oct."""
    ledger = account("C1", INVOICE, history=[done("level-1", ["INV-1"], sent_on)])
    assert steps_of(run(POLICY, ledger, on=day)) == expected


def test_a_previous_step_waits_for_the_step_before_it() -> None:
    """Without level 2 sent, level 3 has no date, however long ago level 1 went out."""
    ledger = account("C1", INVOICE, history=[done("level-1", ["INV-1"], "2026-10-12")])
    assert steps_of(run(POLICY, ledger, on="2026-12-31")) == [("C1", "level-2", ("INV-1",))]


def test_nothing_sent_means_only_the_first_level() -> None:
    """An invoice with no reminder sent reaches only the steps dated from the due date."""
    ledger = account("C1", INVOICE)
    assert steps_of(run(POLICY, ledger, on="2026-12-31")) == [("C1", "level-1", ("INV-1",))]


def test_skipped_step_passes_the_anchor_to_the_one_before() -> None:
    """A customer who skips level 2 gets level 3 ten days after level 1 was sent."""
    policy = make_policy(
        ladders=[LEVELS], customers=[customer_file("C1", skip=["level-2"])]
    )
    ledger = account("C1", INVOICE, history=[done("level-1", ["INV-1"], "2026-10-12")])
    assert steps_of(run(policy, ledger, on="2026-10-22")) == [("C1", "level-3", ("INV-1",))]


def test_reason_names_the_anchor_date() -> None:
    """The action's reason carries the day the step before was sent as its anchor date."""
    ledger = account("C1", INVOICE, history=[done("level-1", ["INV-1"], "2026-10-16")])
    (action,) = run(POLICY, ledger, on="2026-10-26").actions
    facts = action.reasons[0].facts
    assert (facts["anchor"], facts["anchor_date"], facts["step_date"]) == (
        "previous", "2026-10-16", "2026-10-26",
    )  # fmt: skip
