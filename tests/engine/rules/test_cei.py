"""Rule "CEI": worked examples from public definitions (docs/rules/reports.md cites each).

- Averaged credit sales (the Credit Research Foundation's CEI, with N the number of months):
  January to March, beginning receivables 6,200, credit sales 10,890 over N = 3 months, ending
  total receivables 6,340, ending current 3,590 give 55.9 % (Credit Guru, "Ratio - Collection
  Effectiveness Index (CEI)", https://www.creditguru.com/index.php/collection-management/collection-metrics/collection-effectiveness-index-cei;
  the CRF formula as quoted by the Credit Management Association,
  http://creditmanagementassociation.org/2010/09/03/collection-effectiveness-index-cei/).
- Full credit sales (one year): beginning 100,000, credit sales 1,000,000, ending 120,000 of which
  100,000 current give 98 % (Gaviti, "Collection Effectiveness Index (CEI)",
  https://gaviti.com/glossary/collection-effectiveness-index-cei/).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from engine.rules.cei import collection_effectiveness, months_in


def test_cei_with_averaged_credit_sales_matches_credit_guru() -> None:
    """(6,200 + 3,630 - 6,340) / (6,200 + 3,630 - 3,590) x 100 = 55.93 %."""
    months = months_in(date(2026, 1, 1), date(2026, 3, 31))
    assert months == 3
    found = collection_effectiveness(
        Decimal("6200"), Decimal("10890"), Decimal("6340"), Decimal("3590"), months
    )
    assert found == Decimal("55.93")


def test_cei_with_full_credit_sales_matches_gaviti() -> None:
    """(100,000 + 1,000,000 - 120,000) / (100,000 + 1,000,000 - 100,000) x 100 = 98 %."""
    found = collection_effectiveness(
        Decimal("100000"), Decimal("1000000"), Decimal("120000"), Decimal("100000")
    )
    assert found == Decimal("98.00")


def test_cei_has_no_value_when_nothing_was_collectable() -> None:
    """Nothing owed and nothing sold: no index rather than a division by zero."""
    zero = Decimal(0)
    assert collection_effectiveness(zero, zero, zero, zero) is None


def test_a_period_that_is_not_whole_months_counts_average_months() -> None:
    """A week is 7 / 30.4375 months; whole calendar months count as whole."""
    assert months_in(date(2026, 3, 2), date(2026, 3, 8)) == Decimal(7) / Decimal("30.4375")
    assert months_in(date(2026, 2, 1), date(2026, 2, 28)) == 1
