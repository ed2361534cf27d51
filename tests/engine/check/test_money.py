"""Money in the policy (engine/check/money.py): P024-P026, P042.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    ACME,
    FEES,
    POLICY,
    STANDARD,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

CASES: list[Case] = [
    (
        "P024 base currency not ISO 4217",
        {POLICY: ("base_currency: GBP", "base_currency: GBQ")},
        [(POLICY, 8, 16, "P024",
          "'GBQ' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P024 fee currency not ISO 4217 (at the key)",
        {FEES: ('EUR: "15.00"}', 'ABC: "15.00"}')},
        [(FEES, 5, 40, "P024",
          "'ABC' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P024 compensation currency not ISO 4217",
        {FEES: ("currency: GBP", "currency: GPB")},
        [(FEES, 13, 17, "P024",
          "'GPB' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P024 assignment currency not ISO 4217",
        {POLICY: ("when: {segment: strategic}",
                  "when: {segment: strategic, currency: [GBP, EUX]}")},
        [(POLICY, 12, 48, "P024",
          "'EUX' is not an ISO 4217 currency code: write a code such as GBP, EUR or USD")],
    ),
    (
        "P025 yen with decimals",
        {ACME: ('{amount: "50000.00", currency: GBP}', '{amount: "50000.5", currency: JPY}')},
        [(ACME, 8, 24, "P025",
          "JPY amount 50000.5 has more decimals than JPY has: write it with no decimals")],
    ),
    (
        "P025 pounds with three decimals",
        {FEES: ('GBP: "15.00"', 'GBP: "15.005"')},
        [(FEES, 5, 31, "P025",
          "GBP amount 15.005 has more decimals than GBP has: write it with at most 2 decimals")],
    ),
    (
        "P026 negative minimum balance",
        {POLICY: ('EUR: "10.00"}', 'EUR: "-10.00"}')},
        [(POLICY, 14, 34, "P026",
          "EUR amount -10.00 is negative: amounts in the policy are never below zero")],
    ),
    (
        "P026 negative step minimum balance",
        {STANDARD: ('{GBP: "500.00"}', '{GBP: "-500.00"}')},
        [(STANDARD, 13, 80, "P026",
          "GBP amount -500.00 is negative: amounts in the policy are never below zero")],
    ),
    (
        "P042 percentage fee minimum above maximum",
        {FEES: ('min: {GBP: "5.00"}', 'min: {GBP: "55.00"}')},
        [(FEES, 6, 37, "P042",
          "fee 'admin-fee': the GBP minimum 55.00 is above the maximum 50.00")],
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
