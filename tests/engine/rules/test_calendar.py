"""Tests for engine/rules/calendar.py: which days are open; counting and rolling over them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.policy import CalendarSpec
from engine.rules.calendar import BusinessCalendar, calendar_problem

# England and Wales bank holidays around Christmas 2026 (GOV.UK "UK bank holidays"): Christmas Day
# Friday 25 December, Boxing Day on Saturday 26 December with its substitute day on Monday 28
# December. The policy also closes on Christmas Eve and New Year's Eve.
ENGLAND = BusinessCalendar(
    CalendarSpec("GB", "ENG", frozenset({date(2026, 12, 24), date(2026, 12, 31)}))
)
NO_COUNTRY = BusinessCalendar(CalendarSpec(closed=frozenset({date(2026, 12, 24)})))


# (id, calendar, day, reason the day is closed or None when open)
CLOSED_CASES: list[tuple[str, BusinessCalendar, date, str | None]] = [
    ("christmas-day-friday", ENGLAND, date(2026, 12, 25), "Christmas Day (public holiday)"),
    ("boxing-day-saturday", ENGLAND, date(2026, 12, 26), "Boxing Day (public holiday)"),
    ("sunday", ENGLAND, date(2026, 12, 27), "Sunday"),
    (
        "boxing-day-substitute-monday",
        ENGLAND,
        date(2026, 12, 28),
        "Boxing Day (observed, public holiday)",
    ),
    ("christmas-eve-policy-closed", ENGLAND, date(2026, 12, 24), "closed (policy calendar)"),
    ("saturday", ENGLAND, date(2026, 10, 3), "Saturday"),
    ("good-friday", ENGLAND, date(2026, 4, 3), "Good Friday (public holiday)"),
    (
        "late-summer-bank-holiday",
        ENGLAND,
        date(2026, 8, 31),
        "Late Summer Bank Holiday (public holiday)",
    ),
    ("tuesday-after-christmas-open", ENGLAND, date(2026, 12, 29), None),
    ("2-january-open-in-england", ENGLAND, date(2026, 1, 2), None),
    ("no-country-christmas-open", NO_COUNTRY, date(2026, 12, 25), None),
    ("no-country-closed-day", NO_COUNTRY, date(2026, 12, 24), "closed (policy calendar)"),
    ("no-country-weekend", NO_COUNTRY, date(2026, 12, 26), "Saturday"),
]


@pytest.mark.parametrize(
    ("calendar", "day", "reason"),
    [case[1:] for case in CLOSED_CASES],
    ids=[case[0] for case in CLOSED_CASES],
)
def test_closed_days_and_their_reasons(
    calendar: BusinessCalendar, day: date, reason: str | None
) -> None:
    """A day is closed on a weekend, a public holiday or a policy closed day, and says which."""
    assert calendar.closed_reason(day) == reason
    assert calendar.is_business_day(day) is (reason is None)
    # The second answer comes from the cache and must be the same.
    assert calendar.closed_reason(day) == reason
    assert calendar.is_business_day(day) is (reason is None)


def test_scotland_keeps_2_january() -> None:
    """The subdivision picks its own public holidays: Scotland closes on 2 January, England not."""
    scotland = BusinessCalendar(CalendarSpec("GB", "SCT"))
    assert scotland.closed_reason(date(2026, 1, 2)) == "New Year Holiday (public holiday)"


def test_holiday_names_are_in_english() -> None:
    """Holiday names are given in English where the `holidays` package has them in English."""
    germany = BusinessCalendar(CalendarSpec("DE"))
    assert germany.closed_reason(date(2026, 10, 3)) == "German Unity Day (public holiday)"


# (id, start, n, expected)
ADD_CASES: list[tuple[str, date, int, date]] = [
    ("friday-plus-1-over-weekend", date(2026, 10, 2), 1, date(2026, 10, 5)),
    ("monday-minus-1-over-weekend", date(2026, 10, 5), -1, date(2026, 10, 2)),
    ("saturday-plus-1", date(2026, 10, 3), 1, date(2026, 10, 5)),
    ("saturday-minus-1", date(2026, 10, 3), -1, date(2026, 10, 2)),
    ("zero-is-the-day-itself-even-closed", date(2026, 10, 3), 0, date(2026, 10, 3)),
    ("wednesday-plus-1-over-christmas", date(2026, 12, 23), 1, date(2026, 12, 29)),
    ("plus-3-over-christmas-and-new-year", date(2026, 12, 23), 3, date(2027, 1, 4)),
    ("minus-1-back-over-christmas", date(2026, 12, 29), -1, date(2026, 12, 23)),
    # 2026 has 365 - 104 weekend days - 8 weekday bank holidays - 2 closed days = 251 open days.
    ("a-whole-year", date(2025, 12, 31), 251, date(2026, 12, 30)),
    ("a-whole-year-back", date(2027, 1, 4), -251, date(2026, 1, 2)),
]


@pytest.mark.parametrize(
    ("start", "n", "expected"), [case[1:] for case in ADD_CASES], ids=[c[0] for c in ADD_CASES]
)
def test_add_business_days(start: date, n: int, expected: date) -> None:
    """add_business_days counts only open days: the n-th open day after (n < 0: before) a day."""
    assert ENGLAND.add_business_days(start, n) == expected
    assert ENGLAND.add_business_days(start, n) == expected


# (id, day, rule, expected)
ROLL_CASES: list[tuple[str, date, str, date]] = [
    ("none-keeps-a-holiday", date(2026, 12, 25), "none", date(2026, 12, 25)),
    ("next-over-christmas", date(2026, 12, 25), "next_business_day", date(2026, 12, 29)),
    (
        "previous-over-christmas-eve",
        date(2026, 12, 25),
        "previous_business_day",
        date(2026, 12, 23),
    ),
    ("next-over-weekend", date(2026, 10, 3), "next_business_day", date(2026, 10, 5)),
    ("previous-over-weekend", date(2026, 10, 4), "previous_business_day", date(2026, 10, 2)),
    ("next-keeps-an-open-day", date(2026, 10, 2), "next_business_day", date(2026, 10, 2)),
    ("previous-keeps-an-open-day", date(2026, 10, 2), "previous_business_day", date(2026, 10, 2)),
]


@pytest.mark.parametrize(
    ("day", "rule", "expected"), [case[1:] for case in ROLL_CASES], ids=[c[0] for c in ROLL_CASES]
)
def test_roll(day: date, rule: str, expected: date) -> None:
    """A closed day rolls to the next or previous open day per the rule; an open day stays."""
    assert ENGLAND.roll(day, rule) == expected


def test_next_and_previous_business_day() -> None:
    """next/previous_business_day give the day itself when open, else the nearest open day."""
    assert ENGLAND.next_business_day(date(2026, 12, 31)) == date(2027, 1, 4)
    assert ENGLAND.previous_business_day(date(2027, 1, 3)) == date(2026, 12, 30)
    assert ENGLAND.next_business_day(date(2026, 12, 30)) == date(2026, 12, 30)


def test_unknown_roll_rule_is_a_bug() -> None:
    """An unknown roll rule raises: the validator refuses it before evaluation."""
    with pytest.raises(ValueError, match="unknown roll rule 'following'"):
        ENGLAND.roll(date(2026, 12, 25), "following")


# (id, spec, message or None)
PROBLEM_CASES: list[tuple[str, CalendarSpec, str | None]] = [
    ("england", CalendarSpec("GB", "ENG"), None),
    ("country-only", CalendarSpec("DE"), None),
    ("no-country", CalendarSpec(), None),
    (
        "unknown-country",
        CalendarSpec("XX"),
        "calendar country 'XX' has no public holidays in the `holidays` package: "
        "use an ISO 3166-1 alpha-2 code such as GB, DE, FR or US",
    ),
    (
        "uk-is-not-the-iso-code",
        CalendarSpec("UK"),
        "calendar country 'UK' has no public holidays in the `holidays` package: "
        "write its ISO 3166-1 alpha-2 code 'GB'",
    ),
    (
        "lower-case-country",
        CalendarSpec("gb"),
        "calendar country 'gb' has no public holidays in the `holidays` package: "
        "write its ISO 3166-1 alpha-2 code 'GB'",
    ),
    (
        "unknown-subdivision",
        CalendarSpec("GB", "XYZ"),
        "calendar subdivision 'XYZ' is not a subdivision of GB known to the `holidays` "
        "package; use one of ENG, NIR, SCT, WLS",
    ),
    (
        "subdivision-by-name",
        CalendarSpec("GB", "England"),
        "calendar subdivision 'England' of GB: write its code 'ENG'",
    ),
    (
        "subdivision-without-country",
        CalendarSpec(None, "ENG"),
        "calendar subdivision 'ENG' needs a calendar country: "
        "add `country` (for example GB) or remove `subdivision`",
    ),
]


@pytest.mark.parametrize(
    ("spec", "message"), [case[1:] for case in PROBLEM_CASES], ids=[c[0] for c in PROBLEM_CASES]
)
def test_calendar_problem(spec: CalendarSpec, message: str | None) -> None:
    """An unknown country or subdivision is explained in words; building its calendar raises."""
    assert calendar_problem(spec) == message
    if message is None:
        BusinessCalendar(spec)
    else:
        with pytest.raises(ValueError, match="calendar"):
            BusinessCalendar(spec)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    st.integers(min_value=-40, max_value=40).filter(lambda n: n != 0),
)
def test_add_business_days_lands_on_a_business_day(day: date, n: int) -> None:
    """add_business_days(d, n) is a business day for n != 0, with exactly |n| open days passed."""
    result = ENGLAND.add_business_days(day, n)
    assert ENGLAND.is_business_day(result)
    low, high = (day, result) if n > 0 else (result, day)
    between = [low + timedelta(days=i) for i in range(1, (high - low).days + 1)]
    if n < 0:  # counting back includes the result and excludes the start
        between = [d - timedelta(days=1) for d in between]
    assert sum(ENGLAND.is_business_day(d) for d in between) == abs(n)
