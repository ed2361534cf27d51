"""The ledgers and policies of the plan tests: three customers on the standard ladder, and the
same ladder with the second reminder brought forward."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from engine.model.actions import PolicyVersion
from engine.model.ledger import CustomerLedger
from engine.model.policy import Ladder, Offset, Policy
from engine.tools.plan import diff_day
from tests.engine.builders import (
    STANDARD_STEPS,
    account,
    done,
    invoice,
    make_policy,
    run,
)

BASE = PolicyVersion("sha256:base", commit="b" * 40, ref="origin/main", source="git")


HEAD = PolicyVersion("sha256:head", ref="working tree")


DAY = "2026-11-23"


def at(text: str) -> Offset:
    """Return the step date written in ``text``."""
    offset = Offset.parse(text)
    assert offset is not None, text
    return offset


def standard(**offsets: str) -> Ladder:
    """Return the builders' standard ladder with steps moved: ``second_reminder="due+10d"``."""
    moved = {key.replace("_", "-"): at(text) for key, text in offsets.items()}
    steps = tuple(replace(s, at=moved[s.id]) if s.id in moved else s for s in STANDARD_STEPS)
    return Ladder("standard", steps)


def both(base: Policy, head: Policy, *accounts: CustomerLedger, on: str = DAY) -> Any:
    """Return the day plan of ``accounts`` under the two policies."""
    return diff_day(
        replace(run(base, *accounts, on=on), policy_version=BASE),
        replace(run(head, *accounts, on=on), policy_version=HEAD),
    )


# Three customers on the standard ladder (net 30), seen on Monday 2026-11-23:
# C1: due 2026-11-12, first reminder done: second reminder due+14d on 11-26, due+10d on 11-22.
# C2: due 2026-11-11, nothing done: first reminder (due+1d) under base, second under head.
# C3: due 2026-11-05, first reminder done: the second reminder is due under both, on other days.
C1 = account(
    "C1",
    invoice("A-1", "2026-10-13", "900.00", customer="C1"),
    history=[done("first-reminder", ["A-1"], "2026-11-13", customer="C1")],
)


C2 = account("C2", invoice("B-1", "2026-10-12", "1500.00", customer="C2"))


C3 = account(
    "C3",
    invoice("C-1", "2026-10-06", "640.00", customer="C3"),
    history=[done("first-reminder", ["C-1"], "2026-11-06", customer="C3")],
)


SHORTER = make_policy(ladders=[standard(second_reminder="due+10d")])
