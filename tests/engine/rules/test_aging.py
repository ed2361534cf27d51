"""Rule "aging" (engine/rules/aging.py): the policy's buckets, by due date or by invoice date.

The default is the Credit Research Foundation's aging on the due date, with "current" meaning not
yet due (CRF, "National Summary of Domestic Trade Receivables": percent current, percent over 91
days past due, https://www.crfonline.org/tools/national-summary-of-domestic-trade-receivables-results-summary/).
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.model.policy import ReportSettings
from engine.rules.aging import aging_scheme


def test_the_default_buckets_are_the_crf_aging_on_the_due_date() -> None:
    """Not due, 1-30, 31-60, 61-90, over 90 days past due; the definition is in words."""
    scheme = aging_scheme(ReportSettings())
    assert [b.name for b in scheme.buckets] == ["current", "1-30", "31-60", "61-90", "over-90"]
    assert scheme.describe() == (
        "aged by days past the due date (Credit Research Foundation): Not due, 1–30, 31–60,"
        " 61–90, Over 90; current means not yet due"
    )


@pytest.mark.parametrize(
    ("days_overdue", "bucket"),
    [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (91, "over-90")],
    ids=["before-due", "on-due", "day-1", "day-30", "day-31", "day-91"],
)
def test_an_invoice_falls_in_the_bucket_of_its_days_overdue(days_overdue: int, bucket: str) -> None:
    """Each bound is the last day of its bucket."""
    scheme = aging_scheme(ReportSettings())
    age = scheme.age(date(2026, 1, 1), days_overdue, date(2026, 6, 1))
    assert scheme.buckets[scheme.bucket_index(age)].name == bucket


def test_buckets_are_configurable_and_by_invoice_date() -> None:
    """[15, 45] by invoice date: 0-15, 16-45, over-45, aged from the invoice date."""
    scheme = aging_scheme(ReportSettings(aging_buckets=(45, 15), aging_by="invoice_date"))
    assert [b.name for b in scheme.buckets] == ["0-15", "16-45", "over-45"]
    issued, on = date(2026, 1, 1), date(2026, 1, 20)
    assert scheme.buckets[scheme.bucket_index(scheme.age(issued, -10, on))].name == "16-45"


def test_current_is_not_yet_due_or_the_first_bucket_as_the_policy_says() -> None:
    """"current" = not yet due (CRF); ``first_bucket`` adds 1-30 days past due."""
    crf = aging_scheme(ReportSettings())
    wide = aging_scheme(ReportSettings(current="first_bucket"))
    assert (crf.is_current(0, 0), crf.is_current(10, 1)) == (True, False)
    assert (wide.is_current(10, 1), wide.is_current(40, 2)) == (True, False)
    assert wide.current_words() == "not yet due or in the 1–30 days bucket"


def test_the_definition_is_printed_as_a_sentence() -> None:
    """Only the first letter is raised: the Credit Research Foundation keeps its capitals."""
    assert aging_scheme(ReportSettings()).sentence().startswith(
        "Aged by days past the due date (Credit Research Foundation): Not due, 1–30"
    )
