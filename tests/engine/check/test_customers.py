"""Customer files (engine/check/customers.py): P027-P029, P084, the ladders of a customer.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from engine.check.customers import possible_ladders
from engine.load.policy_loader import load_policy
from tests.engine.policy_tree import (
    ACME,
    BETA,
    POLICY,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
    policy_tree,
)

STANDARD_STEPS = (
    "discount-nudge, courtesy, first-reminder, second-reminder, call, credit-hold, final-notice, "
    "agency"
)

CASES: list[Case] = [
    (
        "P027 skipped step not in the ladder",
        {ACME: ("skip: [call]", "skip: [cal]")},
        [(ACME, 11, 16, "P027",
          f"customer 'ACME-0001' skips step 'cal', but ladder 'standard' has no such step: the "
          f"steps are {STANDARD_STEPS}; did you mean 'call'?")],
    ),
    (
        "P027 delayed step not in the ladder (at the key)",
        {ACME: ("delay: {final-notice: 7d}", "delay: {final-notic: 7d}")},
        [(ACME, 11, 31, "P027",
          f"customer 'ACME-0001' delays step 'final-notic', but ladder 'standard' has no such "
          f"step: the steps are {STANDARD_STEPS}; did you mean 'final-notice'?")],
    ),
    (
        "P027 step of another ladder than the customer's (assigned by segment)",
        {BETA: ("skip: [owner-call]", "skip: [call]")},
        [(BETA, 8, 10, "P027",
          "customer 'BETA-0002' skips step 'call', but ladder 'strategic' has no such step: the "
          "steps are first-reminder, owner-call, final-reminder")],
    ),
    (
        "P028 delay onto the next step",
        {ACME: ("final-notice: 7d", "final-notice: 30d")},
        [(ACME, 11, 31, "P028",
          "delaying step 'final-notice' (due+45d) by 30d moves it onto step 'agency' (due+75d) "
          "of ladder 'standard', so it would never be sent: delay it less, or skip it")],
    ),
    (
        "P028 delay past the next step",
        {ACME: ("final-notice: 7d", "final-notice: 40d")},
        [(ACME, 11, 31, "P028",
          "delaying step 'final-notice' (due+45d) by 40d moves it past step 'agency' (due+75d) "
          "of ladder 'standard', so it would never be sent: delay it less, or skip it")],
    ),
    (
        "P029 step skipped and delayed",
        {ACME: ("final-notice: 7d", "call: 1d")},
        [(ACME, 11, 31, "P029",
          "customer 'ACME-0001' both skips and delays step 'call': keep one")],
    ),
    (
        "P084 credit limit review without a credit limit",
        {BETA: ("segment: strategic", "segment: strategic\ncredit_review: {every: 12m, last: "
                "2026-01-31}")},
        [(BETA, 7, 16, "P084",
          "customer 'BETA-0002' has a credit limit review (credit_review) but no credit limit "
          "to review: add credit_limit: {amount: ..., currency: ...}, or remove credit_review")],
    ),
    (
        "P084 not with a credit limit",
        {ACME: ("tone: firm", "credit_review: {every: 12m, last: 2026-01-31}")},
        [],
    ),
]  # fmt: skip


@each_case(CASES)
def test_semantic_check_reports_the_exact_place(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    changes: dict[str, Change],
    expected: list[Expected],
) -> None:
    """Each broken rule gives exactly its problem, at the file, line and column to fix."""
    assert_case(tmp_path / "repo", monkeypatch, changes, expected)


@pytest.mark.parametrize(
    ("customer", "expected"),
    [
        (("strategic", "GB", None), ["strategic"]),
        ((None, "GB", None), ["standard"]),
        (("strategic", "GB", "standard"), ["standard"]),
    ],
    ids=["assigned by segment", "default", "customer file wins"],
)
def test_possible_ladders_follow_the_layers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    customer: tuple[str | None, str | None, str | None],
    expected: list[str],
) -> None:
    """A customer's ladder: the file's, else the first matching rule's, else the default."""
    monkeypatch.chdir(policy_tree(tmp_path / "repo"))
    policy = load_policy(["."]).policy
    assert policy is not None
    assert possible_ladders(policy, *customer) == expected


def test_a_currency_rule_may_or_may_not_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule on currency depends on the invoices: both its ladder and the next are possible."""
    root = policy_tree(
        tmp_path / "repo",
        {POLICY: ("when: {segment: strategic}", "when: {currency: EUR}")},
    )
    monkeypatch.chdir(root)
    policy = load_policy(["."]).policy
    assert policy is not None
    assert possible_ladders(policy, None, "GB", None) == ["strategic", "standard"]
    assert policy.min_balance["GBP"] == Decimal("10.00")
