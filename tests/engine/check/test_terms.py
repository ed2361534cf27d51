"""Credit terms (engine/check/terms.py): P022-P023, P070-P072, P081-P082.

Each case copies tests/fixtures/policy, breaks one rule and states the problems expected as
(file, line, column, code, message).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.policy_tree import (
    TERMS,
    Case,
    Change,
    Expected,
    assert_case,
    each_case,
)

CASES: list[Case] = [
    (
        "P022 discount period as long as the payment period",
        {TERMS: ("days: 10", "days: 30")},
        [(TERMS, 6, 61, "P022",
          "terms '2-10-net30': the discount period (30 days) must be shorter than the payment "
          "period (net_days: 30), or the discount is just a lower price")],
    ),
    (
        "P023 discount of 100 %",
        {TERMS: ('percent: "2"', 'percent: "100"')},
        [(TERMS, 6, 50, "P023",
          "terms '2-10-net30': a discount of 100 % would cancel the whole invoice; write the "
          'percentage taken off, e.g. "2" for 2 %')],
    ),
    (
        "P070 instalments that do not add up to 100 %",
        {TERMS: ("  10th-prox: {day_of_next_month: 10}",
                 "  10th-prox: {day_of_next_month: 10}\n"
                 "  30-70:\n"
                 "    instalments:\n"
                 '      - {percent: "30", net_days: 0}\n'
                 '      - {percent: "60", net_days: 60}')},
        [(TERMS, 10, 7, "P070",
          "terms '30-70': the instalments add up to 90 % (30 + 60), not 100 %: every part of "
          "the invoice must fall due once")],
    ),
    (
        "P071 instalments out of due-date order",
        {TERMS: ("  10th-prox: {day_of_next_month: 10}",
                 "  10th-prox: {day_of_next_month: 10}\n"
                 "  thirds:\n"
                 "    instalments:\n"
                 '      - {percent: "33.33", net_months: 1}\n'
                 '      - {percent: "33.33", net_days: 20}\n'
                 '      - {percent: "33.34", net_months: 3}')},
        [(TERMS, 11, 9, "P071",
          "terms 'thirds': instalment 2 falls due before instalment 1 for an invoice dated "
          "2028-01-01: list the instalments in the order they fall due, so payments pay the "
          "earliest first")],
    ),
    (
        "P072 cut-off day on terms counted from the invoice date",
        {TERMS: ("net30: {net_days: 30}", "net30: {net_days: 30, cutoff_day: 25}")},
        [(TERMS, 5, 37, "P072",
          "terms 'net30': cutoff_day 25 only applies to terms counted from the end of the "
          "month: add `from: end_of_month` or use `day_of_next_month`, or remove cutoff_day")],
    ),
    (
        "P022 discount counted from the end of the month ends on the due date",
        {TERMS: ("  10th-prox: {day_of_next_month: 10}",
                 "  10th-prox: {day_of_next_month: 10}\n"
                 "  eom:\n"
                 "    net_days: 10\n"
                 "    from: end_of_month\n"
                 '    discount: {percent: "2", days: 10, from: end_of_month}')},
        [(TERMS, 11, 36, "P022",
          "terms 'eom': an invoice dated 2028-01-01 could take the discount up to 2028-02-10, "
          "not before it falls due on 2028-02-10: the discount period must end before the due "
          "date, or the discount is just a lower price")],
    ),
    (
        "P081 discount tiers not in the order they end",
        {TERMS: ("  10th-prox: {day_of_next_month: 10}",
                 "  10th-prox: {day_of_next_month: 10}\n"
                 "  tiers:\n"
                 "    net_days: 45\n"
                 "    discount:\n"
                 '      - {percent: "3", days: 20}\n'
                 '      - {percent: "2", days: 10}')},
        [(TERMS, 12, 9, "P081",
          "terms 'tiers': discount 2 ends on 2028-01-11 for an invoice dated 2028-01-01, not "
          "after discount 1 (2028-01-21): list the discounts in the order they end")],
    ),
    (
        "P082 a later discount tier takes off more",
        {TERMS: ("  10th-prox: {day_of_next_month: 10}",
                 "  10th-prox: {day_of_next_month: 10}\n"
                 "  tiers:\n"
                 "    net_days: 45\n"
                 "    discount:\n"
                 '      - {amount: {GBP: "20.00"}, days: 10}\n'
                 '      - {amount: {GBP: "25.00"}, days: 20}')},
        [(TERMS, 12, 24, "P082",
          "terms 'tiers': discount 2 (GBP 25.00 is not less than GBP 20.00 of discount 1): a "
          "later discount must take off less, or paying later would earn more")],
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
