"""Tests for engine/rules/fees.py: fees, statutory interest and fixed compensation, to the penny.

Published sources the worked examples are checked against:

- GOV.UK, "Late commercial payments: charging interest and debt recovery"
  (https://www.gov.uk/late-commercial-payments-interest-debt-recovery): statutory interest is 8 %
  plus the Bank of England base rate; owed £1,000 at a base rate of 0.5 %, the annual interest is
  £85 and the daily interest 23p (85 / 365); fixed compensation is £40 up to £999.99, £70 from
  £1,000 to £9,999.99 and £100 from £10,000.
- Directive 2011/7/EU on combating late payment in commercial transactions: statutory interest is
  simple interest at the reference rate plus at least eight percentage points (Art. 2(6)); the
  creditor is entitled to a fixed sum of at least EUR 40 as compensation (Art. 6).
- The six-monthly reference rates of the Late Payment legislation as published by the Better
  Payment Practice Campaign (payontime.co.uk): 1 July – 31 December 2023, reference rate 5.00 %
  (interest 13.00 %); 1 January – 30 June 2024, 5.25 % (13.25 %).
- Bank of England Bank Rate history: 3.50 % from 15 Dec 2022, 4.00 % from 2 Feb 2023, 4.25 % from
  23 Mar 2023, 4.50 % from 11 May 2023, 5.00 % from 22 Jun 2023, 5.25 % from 3 Aug 2023, 5.00 % from
  1 Aug 2024. ECB main refinancing rate 4.50 % from 20 Sep 2023.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.ledger import Settlement
from engine.model.policy import CompensationBand, Fee, InterestScheme, RatePeriod, ReferenceRate
from engine.rules.fees import (
    InterestPeriod,
    InterestResult,
    MissingReferenceRateError,
    compensation,
    fee_amount,
    reference_rate_on,
    statutory_interest,
)

D = Decimal

GOV_UK_BANDS = (
    CompensationBand(D("40.00"), below=D("1000.00")),
    CompensationBand(D("70.00"), below=D("10000.00")),
    CompensationBand(D("100.00")),
)


def uk_scheme(fixing: str = "half_year", day_basis: int = 365) -> InterestScheme:
    """Return the UK statutory scheme: base rate + 8 %, 365-day year, GOV.UK compensation."""
    return InterestScheme(
        "statutory-uk",
        reference="boe-base",
        margin_percent=D("8"),
        day_basis=day_basis,
        fixing=fixing,
        compensation_currency="GBP",
        compensation=GOV_UK_BANDS,
    )


# The GOV.UK example's hypothetical base rate of 0.5 %.
HALF_PERCENT = ReferenceRate("boe-base", (RatePeriod(date(2020, 1, 1), D("0.50")),))

BOE = ReferenceRate(
    "boe-base",
    tuple(
        RatePeriod(start, D(percent))
        for start, percent in [
            (date(2022, 12, 15), "3.50"),
            (date(2023, 2, 2), "4.00"),
            (date(2023, 3, 23), "4.25"),
            (date(2023, 5, 11), "4.50"),
            (date(2023, 6, 22), "5.00"),
            (date(2023, 8, 3), "5.25"),
            (date(2024, 8, 1), "5.00"),
        ]
    ),
)

ECB = ReferenceRate("ecb-mro", (RatePeriod(date(2023, 9, 20), D("4.50")),))
EU_SCHEME = InterestScheme(
    "statutory-eu",
    reference="ecb-mro",
    margin_percent=D("8"),
    fixing="half_year",
    compensation_currency="EUR",
    compensation=(CompensationBand(D("40.00")),),
)

DUE = date(2026, 10, 1)


def days_after(day: date, n: int) -> date:
    """Return the date ``n`` days after ``day``."""
    return day + timedelta(days=n)


# (id, days overdue, interest): GOV.UK, owed £1,000 at 8.5 %.
GOV_UK_CASES: list[tuple[str, int, Decimal]] = [
    ("one-day-is-23p", 1, D("0.23")),
    ("thirty-days", 30, D("6.99")),  # 1000 × 0.085 × 30 / 365 = 6.9863
    ("a-year-is-85-pounds", 365, D("85.00")),
    # GOV.UK multiplies the rounded daily 23p (50 × 0.23 = £11.50); the exact figure, rounded
    # once as this engine does, is 1000 × 0.085 × 50 / 365 = 11.6438 → £11.64.
    ("fifty-days-rounded-once", 50, D("11.64")),
]


@pytest.mark.parametrize(
    ("days", "expected"), [case[1:] for case in GOV_UK_CASES], ids=[c[0] for c in GOV_UK_CASES]
)
def test_gov_uk_worked_example(days: int, expected: Decimal) -> None:
    """Statutory interest is simple daily interest at base rate + 8 % on a 365-day year.

    Source: GOV.UK "Late commercial payments: charging interest and debt recovery": owed £1,000,
    base rate 0.5 % → 8.5 %, £85 a year, 23p a day.
    """
    result = statutory_interest(
        uk_scheme(), HALF_PERCENT, D("1000.00"), (), DUE, days_after(DUE, days), "GBP"
    )
    assert result.amount == expected
    assert result.unrounded == D(1000) * D("8.5") * days / 36500


def test_explain_one_period() -> None:
    """The explanation states rate, principal, days, dates, day basis and the rounded charge.

    Source: GOV.UK worked example (owed £1,000 at 8.5 %), here for 30 days.
    """
    result = statutory_interest(
        uk_scheme(), HALF_PERCENT, D("1000.00"), (), DUE, date(2026, 10, 31), "GBP"
    )
    assert result.explain() == (
        "8.5 % a year on GBP 1,000.00 for 30 days (2026-10-02 to 2026-10-31, 365-day year): "
        "GBP 6.99"
    )


@pytest.mark.parametrize(
    "as_of",
    [date(2026, 9, 15), DUE],
    ids=["as-of-before-due", "as-of-on-due-date"],
)
def test_no_interest_until_the_day_after_due(as_of: date) -> None:
    """Interest runs from the day after the due date: on or before it, there is none."""
    result = statutory_interest(uk_scheme(), HALF_PERCENT, D("1000.00"), (), DUE, as_of, "GBP")
    assert result == InterestResult(D("0.00"), D(0), (), "GBP", 365)
    assert result.explain() == "no interest accrued: GBP 0.00"


def test_partial_payment_splits_the_period() -> None:
    """A payment dated d lowers the principal from d on, starting a new period.

    GOV.UK rate (8.5 %) on £1,000 due 1 Oct 2026, £400 paid on 11 Oct: 9 days on £1,000 and 21
    days on £600: (1000 × 8.5 × 9 + 600 × 8.5 × 21) / 36500 = 5.0301 → £5.03.
    """
    paid = (Settlement(date(2026, 10, 11), D("400.00")),)
    result = statutory_interest(
        uk_scheme(), HALF_PERCENT, D("1000.00"), paid, DUE, date(2026, 10, 31), "GBP"
    )
    assert result.amount == D("5.03")
    assert [(p.start, p.end, p.days, p.principal) for p in result.periods] == [
        (date(2026, 10, 2), date(2026, 10, 10), 9, D("1000.00")),
        (date(2026, 10, 11), date(2026, 10, 31), 21, D("600.00")),
    ]
    assert result.explain() == (
        "8.5 % a year on GBP 1,000.00 for 9 days (2026-10-02 to 2026-10-10, 365-day year): "
        "GBP 2.10; "
        "8.5 % a year on GBP 600.00 for 21 days (2026-10-11 to 2026-10-31, 365-day year): "
        "GBP 2.93; total GBP 5.03"
    )


def test_explain_says_when_the_total_is_not_the_sum_of_the_shown_periods() -> None:
    """Interest is rounded once on the exact sum, not period by period, and the text says so.

    1 day on £1,000 (0.2329) and 29 days on £666.67 (4.5023) at 8.5 %: exact total 4.7352 → £4.74,
    while the periods shown rounded add up to £4.73.
    """
    paid = (Settlement(date(2026, 10, 3), D("333.33")),)
    result = statutory_interest(
        uk_scheme(), HALF_PERCENT, D("1000.00"), paid, DUE, date(2026, 10, 31), "GBP"
    )
    assert result.amount == D("4.74")
    assert result.explain() == (
        "8.5 % a year on GBP 1,000.00 for 1 day (2026-10-02 to 2026-10-02, 365-day year): "
        "GBP 0.23; "
        "8.5 % a year on GBP 666.67 for 29 days (2026-10-03 to 2026-10-31, 365-day year): "
        "GBP 4.50; total GBP 4.74 (the exact sum, rounded once)"
    )


# (id, settlements, as_of, expected interest)
SETTLEMENT_CASES: list[tuple[str, tuple[Settlement, ...], date, Decimal]] = [
    # 1000 × 8.5 × 9 / 36500 = 2.0959: nothing accrues once it is paid in full.
    (
        "paid-in-full",
        (Settlement(date(2026, 10, 11), D("1000.00")),),
        date(2026, 10, 31),
        D("2.10"),
    ),
    # 800 × 8.5 × 30 / 36500 = 5.5890
    (
        "paid-before-due",
        (Settlement(date(2026, 9, 20), D("200.00")),),
        date(2026, 10, 31),
        D("5.59"),
    ),
    (
        "credit-note-and-payment",
        (
            Settlement(date(2026, 9, 20), D("200.00"), "credit_note"),
            Settlement(date(2026, 10, 11), D("800.00")),
        ),
        date(2026, 10, 31),
        D("1.68"),  # 800 × 8.5 × 9 / 36500 = 1.6767
    ),
    ("over-paid", (Settlement(date(2026, 9, 20), D("1200.00")),), date(2026, 10, 31), D("0.00")),
    (
        "paid-on-the-first-day",
        (Settlement(date(2026, 10, 2), D("1000.00")),),
        date(2026, 10, 31),
        D("0.00"),
    ),
]


@pytest.mark.parametrize(
    ("settlements", "as_of", "expected"),
    [case[1:] for case in SETTLEMENT_CASES],
    ids=[case[0] for case in SETTLEMENT_CASES],
)
def test_settlements_reduce_the_principal(
    settlements: tuple[Settlement, ...], as_of: date, expected: Decimal
) -> None:
    """Principal = amount − settlements dated on or before each day; nothing owed earns nothing."""
    result = statutory_interest(
        uk_scheme(), HALF_PERCENT, D("1000.00"), settlements, DUE, as_of, "GBP"
    )
    assert result.amount == expected
    assert all(period.principal > 0 for period in result.periods)


def test_since_starts_accrual_after_interest_already_charged() -> None:
    """``since`` starts accrual the day after it: 16 days (16–31 Oct) at 8.5 % on £1,000.

    1000 × 8.5 × 16 / 36500 = 3.7260 → £3.73. A ``since`` before the due date changes nothing.
    """
    scheme, as_of = uk_scheme(), date(2026, 10, 31)
    later = statutory_interest(
        scheme, HALF_PERCENT, D("1000.00"), (), DUE, as_of, "GBP", since=date(2026, 10, 15)
    )
    assert later.amount == D("3.73")
    assert later.periods[0].start == date(2026, 10, 16)
    early = statutory_interest(
        scheme, HALF_PERCENT, D("1000.00"), (), DUE, as_of, "GBP", since=date(2026, 9, 1)
    )
    assert early.amount == D("6.99")


# (id, day, fixing, reference rate applied)
FIXING_CASES: list[tuple[str, date, str, Decimal | None]] = [
    ("half-year-aug-2023-uses-30-june", date(2023, 8, 15), "half_year", D("5.00")),
    ("daily-aug-2023-uses-3-aug-rise", date(2023, 8, 15), "daily", D("5.25")),
    ("half-year-1-july-uses-30-june", date(2023, 7, 1), "half_year", D("5.00")),
    ("half-year-30-june-uses-31-december", date(2023, 6, 30), "half_year", D("3.50")),
    ("half-year-march-2024-uses-31-december", date(2024, 3, 1), "half_year", D("5.25")),
    ("daily-day-before-a-change", date(2023, 6, 21), "daily", D("4.50")),
    ("daily-on-the-change-day", date(2023, 6, 22), "daily", D("5.00")),
    ("daily-before-the-history", date(2022, 12, 14), "daily", None),
    ("half-year-before-the-history", date(2022, 12, 20), "half_year", None),
]


@pytest.mark.parametrize(
    ("day", "fixing", "expected"),
    [case[1:] for case in FIXING_CASES],
    ids=[c[0] for c in FIXING_CASES],
)
def test_reference_rate_on(day: date, fixing: str, expected: Decimal | None) -> None:
    """Half-year fixing takes the rate in force on 30 June (Jul–Dec) or 31 December (Jan–Jun).

    Source: the published Late Payment reference rates: 5.00 % for 1 July – 31 December 2023 even
    though Bank Rate rose to 5.25 % on 3 August 2023; 5.25 % for 1 January – 30 June 2024.
    """
    period = reference_rate_on(BOE, day, fixing)
    assert (period.percent if period else None) == expected


def test_unknown_fixing_is_a_bug() -> None:
    """An unknown fixing raises: the validator refuses it before evaluation."""
    with pytest.raises(ValueError, match="unknown rate fixing 'monthly'"):
        reference_rate_on(BOE, date(2024, 1, 1), "monthly")


def test_half_year_fixing_in_august_2023() -> None:
    """Half-year fixing: a debt late in August 2023 bears 13.00 %, not 13.25 %.

    Source: published reference rate for 1 July – 31 December 2023: 5.00 % (13.00 %). £1,000 due
    31 July 2023, 31 days to 31 August: 1000 × 13 × 31 / 36500 = 11.0411 → £11.04.
    """
    result = statutory_interest(
        uk_scheme(), BOE, D("1000.00"), (), date(2023, 7, 31), date(2023, 8, 31), "GBP"
    )
    assert [p.rate_percent for p in result.periods] == [D("13.00")]
    assert result.amount == D("11.04")


def test_daily_fixing_splits_at_a_rate_change() -> None:
    """Daily fixing: a rate change mid-period starts a new period on the day it takes effect.

    Bank Rate 5.00 % → 5.25 % on 3 Aug 2023; £1,000 due 31 July: 2 days at 13.00 % and 8 days at
    13.25 % to 10 August: (1000 × 13 × 2 + 1000 × 13.25 × 8) / 36500 = 3.6164 → £3.62.
    """
    result = statutory_interest(
        uk_scheme("daily"), BOE, D("1000.00"), (), date(2023, 7, 31), date(2023, 8, 10), "GBP"
    )
    assert [(p.start, p.days, p.rate_percent) for p in result.periods] == [
        (date(2023, 8, 1), 2, D("13.00")),
        (date(2023, 8, 3), 8, D("13.25")),
    ]
    assert result.amount == D("3.62")


def test_half_year_fixing_changes_rate_on_1_january() -> None:
    """Half-year fixing: the rate may change on 1 January and 1 July, and only then.

    Published reference rates: 13.00 % for Jul–Dec 2023, 13.25 % for Jan–Jun 2024. £10,000 due 21
    Dec 2023, to 10 Jan 2024: (10000 × 13 × 10 + 10000 × 13.25 × 10) / 36500 = 71.9178 → £71.92.
    """
    result = statutory_interest(
        uk_scheme(), BOE, D("10000.00"), (), date(2023, 12, 21), date(2024, 1, 10), "GBP"
    )
    assert [(p.start, p.days, p.rate_percent) for p in result.periods] == [
        (date(2023, 12, 22), 10, D("13.00")),
        (date(2024, 1, 1), 10, D("13.25")),
    ]
    assert result.amount == D("71.92")


def test_half_year_at_due_keeps_the_rate_of_the_half_year_the_debt_fell_due() -> None:
    """UK fixing: the rate of the half-year in which the debt fell due stays for its whole life.

    Late Payment of Commercial Debts (Interest) Act 1998 s. 4(2) and GOV.UK ("the reference rate
    ... in force on 30 June or 31 December immediately before the date the debt became due"):
    £10,000 due 21 Dec 2023 bears 13.00 % also in January 2024:
    10000 × 13 × 20 / 36500 = 71.2329 → £71.23.
    """
    result = statutory_interest(
        uk_scheme("half_year_at_due"), BOE, D("10000.00"), (), date(2023, 12, 21),
        date(2024, 1, 10), "GBP",
    )
    assert [(p.start, p.days, p.rate_percent) for p in result.periods] == [
        (date(2023, 12, 22), 20, D("13.00")),
    ]
    assert result.amount == D("71.23")


def test_equal_rates_do_not_split_a_period() -> None:
    """A new period starts only when principal or rate changes, not at every possible change day."""
    result = statutory_interest(
        uk_scheme(), HALF_PERCENT, D("1000.00"), (), date(2026, 6, 1), date(2027, 2, 1), "GBP"
    )
    assert len(result.periods) == 1
    assert result.periods[0] == InterestPeriod(
        date(2026, 6, 2),
        date(2027, 2, 1),
        245,
        D("1000.00"),
        D("8.50"),
        D("1000.00") * D("8.50") * 245 / 36500,
    )


def test_missing_reference_rate_is_reported() -> None:
    """Interest on a day before the rate history starts raises an error that says what to add."""
    with pytest.raises(MissingReferenceRateError, match="first rate is from 2022-12-15"):
        statutory_interest(
            uk_scheme("daily"), BOE, D("1000.00"), (), date(2022, 12, 1), date(2023, 1, 5), "GBP"
        )


def test_eu_directive_reference_rate_plus_eight_points() -> None:
    """Directive 2011/7/EU: statutory interest = reference rate + 8 points, fixed per half-year.

    ECB main refinancing rate 4.50 % (from 20 Sep 2023) → 12.50 % in the first half of 2024.
    €10,000 due 31 Jan 2024, 30 days to 1 Mar 2024 (leap February): 10000 × 12.5 × 30 / 36500 =
    102.7397 → €102.74.
    """
    result = statutory_interest(
        EU_SCHEME, ECB, D("10000.00"), (), date(2024, 1, 31), date(2024, 3, 1), "EUR"
    )
    assert [(p.days, p.rate_percent) for p in result.periods] == [(30, D("12.50"))]
    assert result.amount == D("102.74")


def test_day_basis_360() -> None:
    """The day basis divides the annual rate: 1000 × 8.5 × 30 / 36000 = 7.0833 → 7.08."""
    result = statutory_interest(
        uk_scheme(day_basis=360), HALF_PERCENT, D("1000.00"), (), DUE, date(2026, 10, 31), "GBP"
    )
    assert result.amount == D("7.08")
    assert "360-day year" in result.explain()


def test_jpy_interest_rounds_to_whole_yen() -> None:
    """Interest rounds half up to the currency's minor unit: none for JPY.

    ¥1,000,000 at 8.5 % for 10 days: 1000000 × 8.5 × 10 / 36500 = 2328.77 → ¥2,329.
    """
    result = statutory_interest(
        uk_scheme(), HALF_PERCENT, D("1000000"), (), DUE, date(2026, 10, 11), "JPY"
    )
    assert result.amount == D("2329")
    assert result.explain().endswith("JPY 2,329")


# (id, scheme, principal, currency, compensation)
COMPENSATION_CASES: list[tuple[str, InterestScheme, Decimal, str, Decimal | None]] = [
    ("gov-uk-999.99-is-40", uk_scheme(), D("999.99"), "GBP", D("40.00")),
    ("gov-uk-1000-is-70", uk_scheme(), D("1000.00"), "GBP", D("70.00")),
    ("gov-uk-9999.99-is-70", uk_scheme(), D("9999.99"), "GBP", D("70.00")),
    ("gov-uk-10000-is-100", uk_scheme(), D("10000.00"), "GBP", D("100.00")),
    ("gov-uk-250000-is-100", uk_scheme(), D("250000.00"), "GBP", D("100.00")),
    ("gov-uk-bands-not-for-eur", uk_scheme(), D("500.00"), "EUR", None),
    ("eu-directive-40-euro", EU_SCHEME, D("12345.67"), "EUR", D("40.00")),
    ("no-compensation", InterestScheme("contract", "boe-base", D("4")), D("500.00"), "GBP", None),
]


@pytest.mark.parametrize(
    ("scheme", "principal", "currency", "expected"),
    [case[1:] for case in COMPENSATION_CASES],
    ids=[case[0] for case in COMPENSATION_CASES],
)
def test_compensation(
    scheme: InterestScheme, principal: Decimal, currency: str, expected: Decimal | None
) -> None:
    """Fixed compensation is the first band the debt is below, in the scheme's currency only.

    Sources: GOV.UK (£40 up to £999.99, £70 from £1,000 to £9,999.99, £100 from £10,000);
    Directive 2011/7/EU Art. 6 (at least EUR 40).
    """
    assert compensation(scheme, principal, currency) == expected


REMINDER = Fee("reminder-fee", fixed={"GBP": D("15.00"), "JPY": D("2000")})
ADMIN = Fee("admin-fee", percent=D("1.5"), minimum={"GBP": D("5.00")}, maximum={"GBP": D("50.00")})

# (id, fee, overdue, currency, fee charged)
FEE_CASES: list[tuple[str, Fee, Decimal, str, Decimal | None]] = [
    ("fixed", REMINDER, D("1200.00"), "GBP", D("15.00")),
    ("fixed-jpy", REMINDER, D("150000"), "JPY", D("2000")),
    ("fixed-currency-not-listed", REMINDER, D("1200.00"), "USD", None),
    ("percent", ADMIN, D("1000.00"), "GBP", D("15.00")),
    ("percent-raised-to-minimum", ADMIN, D("100.00"), "GBP", D("5.00")),
    ("percent-lowered-to-maximum", ADMIN, D("10000.00"), "GBP", D("50.00")),
    ("percent-half-penny-up", ADMIN, D("1001.00"), "GBP", D("15.02")),  # 15.015
    ("percent-no-limits-in-currency", ADMIN, D("100.00"), "EUR", D("1.50")),
    ("percent-jpy-half-yen-up", ADMIN, D("1100"), "JPY", D("17")),  # 16.5
    ("percent-nothing-overdue", ADMIN, D("0.00"), "GBP", D("0.00")),
    ("neither-fixed-nor-percent", Fee("empty"), D("100.00"), "GBP", None),
]


@pytest.mark.parametrize(
    ("fee", "overdue", "currency", "expected"),
    [case[1:] for case in FEE_CASES],
    ids=[case[0] for case in FEE_CASES],
)
def test_fee_amount(fee: Fee, overdue: Decimal, currency: str, expected: Decimal | None) -> None:
    """Fixed fees are per currency; percentage fees are clamped to min/max, rounded half up."""
    result = fee_amount(fee, overdue, currency)
    assert result == expected
    if result is not None and expected is not None:
        assert result.as_tuple().exponent == expected.as_tuple().exponent


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2),
    due=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    first=st.integers(min_value=-30, max_value=800),
    more=st.integers(min_value=0, max_value=400),
    fixing=st.sampled_from(["daily", "half_year"]),
)
def test_interest_is_never_negative_and_never_decreases_over_time(
    amount: Decimal, due: date, first: int, more: int, fixing: str
) -> None:
    """Without settlements, interest is never negative and never falls as as_of moves forward."""
    scheme = uk_scheme(fixing)
    earlier = statutory_interest(scheme, BOE, amount, (), due, days_after(due, first), "GBP")
    later = statutory_interest(scheme, BOE, amount, (), due, days_after(due, first + more), "GBP")
    assert earlier.amount >= 0
    assert earlier.unrounded >= 0
    assert later.unrounded >= earlier.unrounded
    assert later.amount >= earlier.amount
