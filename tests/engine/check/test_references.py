"""References resolve (engine/check/references.py): P010-P015 and P057.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    ACME,
    BETA,
    FEES,
    POLICY,
    STANDARD,
    STRATEGIC,
    TERMS,
    TEST,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
    policy_tree,
    problems_in,
)

TERMS_LIST = "the terms in terms.yaml are 10th-prox, 2-10-net30, net30"

CASES: list[Case] = [
    (
        "P010 default terms unknown",
        {POLICY: ("terms: net30", "terms: net3O")},
        [(POLICY, 10, 19, "P010",
          f"terms 'net3O' does not exist: {TERMS_LIST}; did you mean 'net30'?")],
    ),
    (
        "P010 customer terms unknown",
        {ACME: ("terms: 2-10-net30", "terms: 2-10-net-30")},
        [(ACME, 7, 8, "P010",
          f"terms '2-10-net-30' does not exist: {TERMS_LIST}; did you mean '2-10-net30'?")],
    ),
    (
        "P010 policy test invoice terms unknown",
        {TEST: ("currency: GBP}", "currency: GBP, terms: net45}")},
        [(TEST, 9, 101, "P010",
          f"terms 'net45' does not exist: {TERMS_LIST}; did you mean 'net30'?")],
    ),
    (
        "P011 assignment ladder unknown",
        {POLICY: ("ladder: strategic", "ladder: strategc")},
        [(POLICY, 13, 13, "P011",
          "ladder 'strategc' does not exist: the ladders are standard, strategic; "
          "did you mean 'strategic'?")],
    ),
    (
        "P011 customer ladder unknown",
        {BETA: ("segment: strategic", "ladder: gentle")},
        [(BETA, 6, 9, "P011",
          "ladder 'gentle' does not exist: the ladders are standard, strategic")],
    ),
    (
        "P012 step template unknown",
        {STANDARD: ("template: reminder, fee", "template: remind, fee")},
        [(STANDARD, 9, 66, "P012",
          "template 'remind' does not exist: the templates are reminder; "
          "did you mean 'reminder'?")],
    ),
    (
        "P013 step fee unknown",
        {STANDARD: ("fee: reminder-fee", "fee: reminder")},
        [(STANDARD, 9, 81, "P013",
          "fee 'reminder' does not exist: the fees in fees.yaml are admin-fee, reminder-fee; "
          "did you mean 'reminder-fee'?")],
    ),
    (
        "P014 step interest unknown",
        {STANDARD: ("interest: statutory-uk", "interest: statutory")},
        [(STANDARD, 12, 84, "P014",
          "interest scheme 'statutory' does not exist: the interest schemes in fees.yaml are "
          "statutory-uk; did you mean 'statutory-uk'?")],
    ),
    (
        "P015 reference rate unknown",
        {FEES: ("reference: boe-base", "reference: boe")},
        [(FEES, 9, 16, "P015",
          "reference rate 'boe' does not exist: the reference rates in fees.yaml are boe-base")],
    ),
    (
        "P057 escalation to an unknown role",
        {STANDARD: ("to: agency", "to: credit-manager")},
        [(STANDARD, 13, 53, "P057",
          "role 'credit-manager' does not exist: there are none yet (the roles of `roles` in "
          "policy.yaml are empty)")],
    ),
    (
        "P057 write-off approvers unknown",
        {POLICY: ("max_fee_share: \"0.10\"",
                  "max_fee_share: \"0.10\"\nroles: {credit-manager: [fiona]}\n"
                  "write_off: {approvers: finance}")},
        [(POLICY, 20, 24, "P057",
          "role 'finance' does not exist: the roles of `roles` in policy.yaml are credit-manager")],
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


def test_references_to_a_broken_file_stay_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ladder with a schema problem is reported once, not again at every customer using it."""
    root = policy_tree(tmp_path / "repo", {STRATEGIC: ("channel: phone", "chanel: phone")})
    codes = [p.code for p in problems_in(root, monkeypatch)]
    assert codes == ["S003", "S002"]


def test_unreadable_terms_file_silences_terms_references(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When terms.yaml cannot be read at all, references to terms are not also reported."""
    root = policy_tree(tmp_path / "repo", {TERMS: "terms: [\n"})
    assert [p.code for p in problems_in(root, monkeypatch)] == ["Y009"]
