"""Tests for engine/rules/interest.py: late-payment interest as the statutes count it, to the cent.

Published sources the worked examples are checked against (each test names the one it uses):

- GOV.UK, "Late commercial payments: charging interest and debt recovery"
  (https://www.gov.uk/late-commercial-payments-interest-debt-recovery): statutory interest is 8 %
  plus the Bank of England base rate; owed £1,000 at a base rate of 0.5 %, the annual interest is
  £85 and the daily interest 23p (85 / 365).
- The Late Payment of Commercial Debts (Rate of Interest) (No. 3) Order 2002 (SI 2002/1675),
  art. 4: "8 per cent per annum over the official dealing rate in force on the 30th June (in
  respect of interest which starts to run between 1st July and 31st December) or the 31st
  December (in respect of interest which starts to run between 1st January and 30th June)
  immediately before the day on which statutory interest starts to run".
- Late Payment of Commercial Debts (Interest) Act 1998, s. 4: statutory interest runs from the
  day after the relevant day (the due date) until the debt is paid.
- Burgerlijk Wetboek, Boek 6, art. 119a (the Netherlands' transposition of Directive 2011/7/EU):
  (1) commercial interest runs "met ingang van de dag volgend op de dag die is overeengekomen als
  de uiterste dag van betaling tot en met de dag waarop de schuldenaar de geldsom heeft voldaan"
  (from the day after the agreed last day of payment up to and including the day of payment);
  (3) "Telkens na afloop van een jaar wordt het bedrag waarover de wettelijke rente wordt
  berekend, vermeerderd met de over dat jaar verschuldigde rente" (after each year, that year's
  interest is added to the amount interest is calculated on). The published Dutch commercial
  rates: 12 % from 1 July 2023, 12.5 % from 1 January 2024, 12.25 % from 1 July 2024: the ECB main
  refinancing rate in force on the first day of each half-year (4.00 %, 4.50 %, 4.25 %) + 8.
- Directive 2011/7/EU: statutory interest is simple interest at the reference rate plus at least
  eight percentage points (Art. 2(6)); the reference rate for the first semester is the rate in
  force on 1 January and for the second the rate in force on 1 July.
- Bürgerliches Gesetzbuch § 288(2): 9 percentage points above the base rate for transactions
  without a consumer; EGBGB Art. 229 § 34: that rate applies to obligations that arose after 28
  July 2014, the 8 points before it to older ones. Deutsche Bundesbank base rate (§ 247 BGB):
  -0.73 % from 1 July 2014.
- Published worked examples, one per country: go-figure.nl (NL, 11 days late at 8 %) and
  anleiter.de (DE, 25 days at 5.12 %), cited in their tests.
- Bank of England Bank Rate history: 3.50 % from 15 Dec 2022, 4.00 % from 2 Feb 2023, 4.25 % from
  23 Mar 2023, 4.50 % from 11 May 2023, 5.00 % from 22 Jun 2023, 5.25 % from 3 Aug 2023, 5.00 % from
  1 Aug 2024.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.model.ledger import Settlement
from engine.model.policy import CompensationBand, InterestScheme, RatePeriod, ReferenceRate
from engine.rules.interest import (
    InterestPeriod,
    InterestResult,
    MissingReferenceRateError,
    fixing_day,
    reference_rate_on,
    statutory_interest,
)

D = Decimal

GOV_UK_BANDS = (
    CompensationBand(D("40.00"), below=D("1000.00")),
    CompensationBand(D("70.00"), below=D("10000.00")),
    CompensationBand(D("100.00")),
)


def scheme(fixing: str = "half_year", **options: Any) -> InterestScheme:
    """Return a statutory scheme: reference rate + 8 points, 365-day year, simple interest unless
    ``options`` (``day_basis``, ``compound``, ``margin_changes``, ``margin_by``) say otherwise."""
    return InterestScheme(
        "statutory",
        reference="boe-base",
        margin_percent=D("8"),
        fixing=fixing,
        compensation_currency="GBP",
        compensation=GOV_UK_BANDS,
        **options,
    )


def rates(name: str, *entries: tuple[str, str]) -> ReferenceRate:
    """Return a reference rate from (first day, percent) pairs."""
    return ReferenceRate(name, tuple(RatePeriod(date.fromisoformat(s), D(p)) for s, p in entries))


# The GOV.UK example's hypothetical base rate of 0.5 %.
HALF_PERCENT = rates("boe-base", ("2020-01-01", "0.50"))
BOE = rates(
    "boe-base",
    ("2022-12-15", "3.50"), ("2023-02-02", "4.00"), ("2023-03-23", "4.25"),
    ("2023-05-11", "4.50"), ("2023-06-22", "5.00"), ("2023-08-03", "5.25"),
    ("2024-08-01", "5.00"),
)  # fmt: skip
ECB = rates(
    "ecb-mro",
    ("2023-06-21", "4.00"), ("2023-08-02", "4.25"), ("2023-09-20", "4.50"),
    ("2024-06-12", "4.25"),
)  # fmt: skip
BASISZINS = rates("basiszins", ("2014-01-01", "-0.63"), ("2014-07-01", "-0.73"))

DUE = date(2026, 10, 1)


def days_after(day: date, n: int) -> date:
    """Return the date ``n`` days after ``day``."""
    return day + timedelta(days=n)


def interest(
    amount: str, due: date, as_of: date, *, fixing: str = "half_year",
    rate: ReferenceRate = HALF_PERCENT, paid: tuple[Settlement, ...] = (),
    since: date | None = None, issued: date | None = None, **options: Any,
) -> InterestResult:  # fmt: skip
    """Return the interest on ``amount`` due on ``due``, to ``as_of``, in GBP."""
    return statutory_interest(
        scheme(fixing, **options), rate, D(amount), paid, due, as_of, "GBP", since, issued
    )


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
    result = interest("1000.00", DUE, days_after(DUE, days))
    assert result.amount == expected
    assert result.unrounded == D(1000) * D("8.5") * days / 36500


def test_explain_one_period() -> None:
    """The explanation states rate, principal, days, dates, day basis and the rounded charge.

    Source: GOV.UK worked example (owed £1,000 at 8.5 %), here for 30 days.
    """
    assert interest("1000.00", DUE, date(2026, 10, 31)).explain() == (
        "8.5 % a year on GBP 1,000.00 for 30 days (2026-10-02 to 2026-10-31, 365-day year): "
        "GBP 6.99"
    )


@pytest.mark.parametrize(
    "as_of", [date(2026, 9, 15), DUE], ids=["as-of-before-due", "as-of-on-due-date"]
)
def test_no_interest_until_the_day_after_due(as_of: date) -> None:
    """Interest runs from the day after the due date: on or before it, there is none.

    Source: Late Payment Act 1998 s. 4 (from the day after the relevant day); BW 6:119a(1).
    """
    result = interest("1000.00", DUE, as_of)
    assert result == InterestResult(D("0.00"), D(0), (), "GBP", 365)
    assert result.explain() == "no interest accrued: GBP 0.00"


def test_interest_runs_up_to_and_including_the_day_of_payment() -> None:
    """Days of interest = payment date − due date: due 1 Oct, paid 11 Oct is 10 days (2–11 Oct).

    Source: BW 6:119a(1) ("tot en met de dag waarop de schuldenaar de geldsom heeft voldaan");
    GOV.UK rate of the worked example (8.5 %): 1000 × 8.5 × 10 / 36500 = 2.3288 → £2.33.
    """
    paid = (Settlement(date(2026, 10, 11), D("1000.00")),)
    result = interest("1000.00", DUE, date(2026, 10, 31), paid=paid)
    assert [(p.start, p.end, p.days) for p in result.periods] == [
        (date(2026, 10, 2), date(2026, 10, 11), 10)
    ]
    assert result.amount == D("2.33")


def test_a_part_payment_stops_interest_on_the_part_paid_from_the_day_after() -> None:
    """£1,000 due 1 Oct 2026, £400 paid 11 Oct, to 31 Oct at 8.5 %: 10 days on £1,000 (2–11 Oct,
    the payment day included) and 20 days on £600 (12–31 Oct).

    (1000 × 8.5 × 10 + 600 × 8.5 × 20) / 36500 = 2.3288 + 2.7945 = 5.1233 → £5.12.
    Source: BW 6:119a(1) and the GOV.UK rate of the worked example.
    """
    paid = (Settlement(date(2026, 10, 11), D("400.00")),)
    result = interest("1000.00", DUE, date(2026, 10, 31), paid=paid)
    assert result.amount == D("5.12")
    assert result.explain() == (
        "8.5 % a year on GBP 1,000.00 for 10 days (2026-10-02 to 2026-10-11, 365-day year): "
        "GBP 2.33; "
        "8.5 % a year on GBP 600.00 for 20 days (2026-10-12 to 2026-10-31, 365-day year): "
        "GBP 2.79; total GBP 5.12"
    )


def test_explain_says_when_the_total_is_not_the_sum_of_the_shown_periods() -> None:
    """Interest is rounded once on the exact sum, not period by period, and the text says so.

    £333.33 paid on 3 Oct: 2 days on £1,000 (0.4658) and 28 days on £666.67 (4.3471) at 8.5 %:
    exact total 4.8128 → £4.81, while the periods shown rounded add up to £4.82.
    """
    paid = (Settlement(date(2026, 10, 3), D("333.33")),)
    result = interest("1000.00", DUE, date(2026, 10, 31), paid=paid)
    assert result.amount == D("4.81")
    assert result.explain().endswith("GBP 4.35; total GBP 4.81 (the exact sum, rounded once)")


# (id, settlements, expected interest to 31 Oct 2026 on £1,000 due 1 Oct at 8.5 %)
SETTLEMENT_CASES: list[tuple[str, tuple[Settlement, ...], Decimal]] = [
    # 800 × 8.5 × 30 / 36500 = 5.5890
    ("paid-before-due", (Settlement(date(2026, 9, 20), D("200.00")),), D("5.59")),
    (
        "credit-note-then-payment",
        (
            Settlement(date(2026, 9, 20), D("200.00"), "credit_note"),
            Settlement(date(2026, 10, 11), D("800.00")),
        ),
        D("1.86"),  # 800 × 8.5 × 10 / 36500 = 1.8630
    ),
    ("over-paid", (Settlement(date(2026, 9, 20), D("1200.00")),), D("0.00")),
    # Paid on the due date itself: nothing is late.
    ("paid-on-the-due-date", (Settlement(DUE, D("1000.00")),), D("0.00")),
    # Paid on the first day of interest: that day is owed (1000 × 8.5 / 36500 = 0.2329).
    ("paid-on-the-first-day", (Settlement(date(2026, 10, 2), D("1000.00")),), D("0.23")),
]


@pytest.mark.parametrize(
    ("paid", "expected"),
    [case[1:] for case in SETTLEMENT_CASES],
    ids=[case[0] for case in SETTLEMENT_CASES],
)
def test_settlements_reduce_the_principal_from_the_day_after(
    paid: tuple[Settlement, ...], expected: Decimal
) -> None:
    """Principal on a day = amount − settlements dated before that day; nothing owed earns
    nothing. Source: BW 6:119a(1), the GOV.UK rate of the worked example."""
    result = interest("1000.00", DUE, date(2026, 10, 31), paid=paid)
    assert result.amount == expected
    assert all(period.principal > 0 for period in result.periods)


def test_since_leaves_out_the_days_already_charged() -> None:
    """``since`` starts the charge the day after it: 16 days (16–31 Oct) at 8.5 % on £1,000.

    1000 × 8.5 × 16 / 36500 = 3.7260 → £3.73. A ``since`` before the due date changes nothing.
    """
    later = interest("1000.00", DUE, date(2026, 10, 31), since=date(2026, 10, 15))
    assert later.amount == D("3.73")
    assert later.periods[0].start == date(2026, 10, 16)
    assert interest("1000.00", DUE, date(2026, 10, 31), since=date(2026, 9, 1)).amount == D("6.99")


# (id, day, fixing, the day whose rate applies, reference rate applied)
FIXING_CASES: list[tuple[str, date, str, date, Decimal | None]] = [
    ("half-year-aug-2023-uses-30-june", date(2023, 8, 15), "half_year", date(2023, 6, 30),
     D("5.00")),
    ("daily-aug-2023-uses-3-aug-rise", date(2023, 8, 15), "daily", date(2023, 8, 15), D("5.25")),
    ("half-year-1-july-uses-30-june", date(2023, 7, 1), "half_year", date(2023, 6, 30),
     D("5.00")),
    ("half-year-30-june-uses-31-december", date(2023, 6, 30), "half_year", date(2022, 12, 31),
     D("3.50")),
    ("first-day-aug-2023-uses-1-july", date(2023, 8, 15), "half_year_first_day",
     date(2023, 7, 1), D("5.00")),
    ("first-day-june-2023-uses-1-january", date(2023, 6, 1), "half_year_first_day",
     date(2023, 1, 1), D("3.50")),
    ("daily-before-the-history", date(2022, 12, 14), "daily", date(2022, 12, 14), None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("day", "fixing", "fixed_on", "expected"),
    [case[1:] for case in FIXING_CASES],
    ids=[c[0] for c in FIXING_CASES],
)
def test_reference_rate_on(
    day: date, fixing: str, fixed_on: date, expected: Decimal | None
) -> None:
    """Half-year fixing reads the rate in force on 30 June / 31 December before the half-year
    (SI 2002/1675 art. 4); first-day fixing the rate in force on 1 January / 1 July (Directive
    2011/7/EU)."""
    assert fixing_day(day, fixing) == fixed_on
    period = reference_rate_on(BOE, day, fixing)
    assert (period.percent if period else None) == expected


def test_unknown_fixing_is_a_bug() -> None:
    """An unknown fixing raises: the schema refuses it before evaluation."""
    with pytest.raises(ValueError, match="unknown rate fixing 'monthly'"):
        reference_rate_on(BOE, date(2024, 1, 1), "monthly")


def test_uk_debt_due_on_30_june_takes_the_next_half_years_rate() -> None:
    """UK: the rate is fixed for the day interest *starts* to run, the day after the due date.

    SI 2002/1675 art. 4: due 30 June 2023, interest starts 1 July 2023, so the official dealing
    rate in force on 30 June 2023 (5.00 %) applies, not the one of 31 December 2022 (3.50 %):
    £10,000 for 31 days (1–31 July) at 13.00 %: 10000 × 13 × 31 / 36500 = 110.4110 → £110.41
    (fixing on the due date would have given 11.50 %: £97.67).
    """
    result = interest(
        "10000.00", date(2023, 6, 30), date(2023, 7, 31), fixing="half_year_at_start", rate=BOE
    )
    assert [(p.start, p.days, p.rate_percent) for p in result.periods] == [
        (date(2023, 7, 1), 31, D("13.00"))
    ]
    assert result.amount == D("110.41")


def test_uk_debt_due_on_31_december_takes_the_rate_of_that_day() -> None:
    """Due 31 December 2023: interest starts 1 January 2024 and takes the rate in force on 31
    December 2023 (5.25 %), for the whole debt. Source: SI 2002/1675 art. 4.

    £10,000 for 10 days at 13.25 %: 10000 × 13.25 × 10 / 36500 = 36.3014 → £36.30.
    """
    result = interest(
        "10000.00", date(2023, 12, 31), date(2024, 1, 10), fixing="half_year_at_start", rate=BOE
    )
    assert [p.rate_percent for p in result.periods] == [D("13.25")]
    assert result.amount == D("36.30")


def test_uk_rate_stays_for_the_whole_debt() -> None:
    """The UK rate fixed when interest starts stays, across 1 January and later Bank Rate moves.

    SI 2002/1675 art. 4 and GOV.UK: £10,000 due 21 Dec 2023 starts 22 Dec, takes the 30 June 2023
    rate (5.00 %) and bears 13.00 % also in January 2024: 10000 × 13 × 20 / 36500 = 71.2329 →
    £71.23 (re-fixing on 1 January at 13.25 % would give £71.92).
    """
    kept = interest(
        "10000.00", date(2023, 12, 21), date(2024, 1, 10), fixing="half_year_at_start", rate=BOE
    )
    assert [(p.start, p.days, p.rate_percent) for p in kept.periods] == [
        (date(2023, 12, 22), 20, D("13.00"))
    ]
    assert kept.amount == D("71.23")
    refixed = interest("10000.00", date(2023, 12, 21), date(2024, 1, 10), rate=BOE)
    assert [p.rate_percent for p in refixed.periods] == [D("13.00"), D("13.25")]
    assert refixed.amount == D("71.92")


def test_rate_of_the_first_day_kept_for_the_whole_debt() -> None:
    """``at_start``: the rate in force on the first day of interest, whatever follows.

    Bank Rate 5.00 % on 1 Aug 2023 (5.25 % from 3 Aug); £10,000 due 31 July, to 10 August:
    10 days at 13.00 %: 10000 × 13 × 10 / 36500 = 35.6164 → £35.62, where the daily rate gives
    2 days at 13.00 % and 8 at 13.25 %: £36.16.
    """
    kept = interest("10000.00", date(2023, 7, 31), date(2023, 8, 10), fixing="at_start", rate=BOE)
    assert [p.rate_percent for p in kept.periods] == [D("13.00")]
    assert kept.amount == D("35.62")
    daily = interest("10000.00", date(2023, 7, 31), date(2023, 8, 10), fixing="daily", rate=BOE)
    assert [(p.start, p.days, p.rate_percent) for p in daily.periods] == [
        (date(2023, 8, 1), 2, D("13.00")),
        (date(2023, 8, 3), 8, D("13.25")),
    ]
    assert daily.amount == D("36.16")


def test_dutch_commercial_interest_compounds_yearly_at_the_first_day_rate() -> None:
    """The Netherlands (BW 6:119a): ECB rate on 1 January / 1 July + 8, compounded yearly.

    €10,000 due 30 June 2023, unpaid to 31 December 2024, interest from 1 July 2023:
    - 1 Jul – 31 Dec 2023, 184 days at 12.00 % (published rate from 1 July 2023): 604.9315;
    - 1 Jan – 30 Jun 2024, 182 days at 12.50 % (from 1 January 2024): 623.2877;
    - 1 July 2024, a year has run: 1,228.2192 is added, interest now runs on 11,228.2192;
    - 1 Jul – 31 Dec 2024, 184 days at 12.25 % (from 1 July 2024): 693.3803.
    Total 1,921.5995 → €1,921.60 (simple interest would give €1,845.75).
    """
    options: dict[str, Any] = {"rate": ECB, "fixing": "half_year_first_day"}
    compound = interest(
        "10000.00", date(2023, 6, 30), date(2024, 12, 31), compound="yearly", **options
    )
    assert [(p.start, p.days, p.rate_percent) for p in compound.periods] == [
        (date(2023, 7, 1), 184, D("12.00")),
        (date(2024, 1, 1), 182, D("12.50")),
        (date(2024, 7, 1), 184, D("12.25")),
    ]
    assert compound.periods[2].principal.quantize(D("0.01")) == D("11228.22")
    assert compound.amount == D("1921.60")
    simple = interest("10000.00", date(2023, 6, 30), date(2024, 12, 31), **options)
    assert simple.amount == D("1845.75")


def test_compounding_counts_the_year_from_the_first_day_even_after_a_charge() -> None:
    """Interest charged part-way (``since``) does not restart the compounding year: what is
    charged later is the total to date less what was charged (BW 6:119a(3))."""
    options: dict[str, Any] = {"rate": ECB, "fixing": "half_year_first_day", "compound": "yearly"}
    whole = interest("10000.00", date(2023, 6, 30), date(2024, 12, 31), **options)
    first = interest("10000.00", date(2023, 6, 30), date(2024, 3, 31), **options)
    rest = interest(
        "10000.00", date(2023, 6, 30), date(2024, 12, 31), since=date(2024, 3, 31), **options
    )
    assert abs(first.unrounded + rest.unrounded - whole.unrounded) < D("1e-15")


# (id, invoice date, margin_by, due, expected): €10,000, 30 days of interest.
GERMAN_CASES: list[tuple[str, date, str, date, Decimal]] = [
    # Obligation from 15 July 2014 (before 29 July): 8 points: -0.73 + 8 = 7.27 %;
    # 10000 × 7.27 × 30 / 36500 = 59.7534 → €59.75.
    ("before-29-july-2014-plus-8", date(2014, 7, 15), "invoice_date", date(2014, 8, 14),
     D("59.75")),
    # From 1 August 2014: 9 points: 8.27 %; 10000 × 8.27 × 30 / 36500 = 67.9726 → €67.97.
    ("after-28-july-2014-plus-9", date(2014, 8, 1), "invoice_date", date(2014, 8, 31),
     D("67.97")),
    # By the day instead: 13 days at 7.27 % (16–28 July), 17 at 8.27 % (29 July – 14 August):
    # (10000 × 7.27 × 13 + 10000 × 8.27 × 17) / 36500 = 64.4110 → €64.41.
    ("by-day-changes-on-29-july", date(2014, 6, 15), "day", date(2014, 7, 15), D("64.41")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("issued", "margin_by", "due", "expected"),
    [case[1:] for case in GERMAN_CASES],
    ids=[case[0] for case in GERMAN_CASES],
)
def test_a_margin_that_changes_over_time(
    issued: date, margin_by: str, due: date, expected: Decimal
) -> None:
    """Germany: base rate + 8 points for obligations that arose before 29 July 2014, + 9 after.

    Sources: BGB § 288(2), EGBGB Art. 229 § 34, Bundesbank base rate -0.73 % from 1 July 2014.
    ``margin_by: invoice_date`` picks the margin by the day the debt arose; ``day`` by each day.
    """
    result = interest(
        "10000.00", due, due + timedelta(days=30), fixing="daily", rate=BASISZINS,
        issued=issued, margin_by=margin_by,
        margin_changes=(RatePeriod(date(2014, 7, 29), D("9")),),
    )  # fmt: skip
    assert result.amount == expected


def test_dutch_published_example_eleven_days_late() -> None:
    """The Netherlands, a published example: go-figure.nl, "Wanbetalers!"
    (https://go-figure.nl/tag/rente/): "Stel je klant betaald 11 dagen te laat en de hoofdsom is
    € 1000,00 dan bereken je de rente als volgt: 11/365 * 8% * € 1000 = € 2,41".

    8 % is the commercial rate while the ECB main refinancing rate was 0.00 % (16 March 2016 to
    26 July 2022) + 8 (BW 6:119a). A debt due 1 March 2021 paid in full on 12 March 2021: interest
    from 2 March up to and including the day of payment, 11 days, and nothing after it.
    """
    paid = (Settlement(date(2021, 3, 12), D("1000.00")),)
    result = statutory_interest(
        scheme("half_year_first_day", compound="yearly"), rates("ecb-mro", ("2016-03-16", "0.00")),
        D("1000.00"), paid, date(2021, 3, 1), date(2021, 4, 30), "EUR",
    )  # fmt: skip
    assert [(p.start, p.end, p.days, p.rate_percent) for p in result.periods] == [
        (date(2021, 3, 2), date(2021, 3, 12), 11, D("8.00"))
    ]
    assert result.amount == D("2.41")  # 1000 × 8 × 11 / 36500 = 2.4110


def test_german_published_example_25_days_at_5_12_percent() -> None:
    """Germany, a published example: anleiter.de, "Wie berechnet man Verzugszinsen?"
    (https://anleiter.de/wie-berechnet-man-verzugszinsen/): interest by the day-count formula
    "Kapital x Tage x Prozentsatz geteilt durch 365 x 100", the period beginning "frühestens
    einen Tag nach dem Fälligkeitsdatum"; "für eine Forderung von 1000,00 € aus einem
    Verbrauchergeschäft, welche seit 25 Tagen fällig ist, bei einem Verzugszinssatz von 5,12 %
    Verzugszinsen i. H. v. 3,51 €".

    5.12 % is the Bundesbank base rate of 0.12 % (§ 247 BGB, all of 2012) + 5 points (§ 288(1)
    BGB, a consumer). A debt due 1 March 2012, 25 days to 26 March: 1000 × 25 × 5.12 / 36500 =
    3.5068 → €3.51.
    """
    consumer = InterestScheme(
        "verzugszinsen", reference="basiszins", margin_percent=D("5"), fixing="half_year_first_day"
    )
    basiszins = rates("basiszins", ("2011-07-01", "0.37"), ("2012-01-01", "0.12"))
    result = statutory_interest(
        consumer, basiszins, D("1000.00"), (), date(2012, 3, 1), date(2012, 3, 26), "EUR"
    )
    assert [(p.days, p.rate_percent) for p in result.periods] == [(25, D("5.12"))]
    assert result.amount == D("3.51")


def test_equal_rates_do_not_split_a_period() -> None:
    """A new period starts only when principal or rate changes, not at every possible change day."""
    result = interest("1000.00", date(2026, 6, 1), date(2027, 2, 1))
    assert result.periods == (
        InterestPeriod(
            date(2026, 6, 2), date(2027, 2, 1), 245, D("1000.00"), D("8.50"),
            D("1000.00") * D("8.50") * 245 / 36500,
        ),
    )  # fmt: skip


def test_missing_reference_rate_is_reported() -> None:
    """Interest on a day before the rate history starts raises an error that says what to add."""
    with pytest.raises(MissingReferenceRateError, match="first rate is from 2022-12-15"):
        interest("1000.00", date(2022, 12, 1), date(2023, 1, 5), fixing="daily", rate=BOE)


def test_eu_directive_reference_rate_plus_eight_points() -> None:
    """Directive 2011/7/EU: reference rate + 8 points, the rate in force on 1 January for the
    first half-year: ECB 4.50 % (from 20 Sep 2023) → 12.50 % in the first half of 2024.

    €10,000 due 31 Jan 2024, 30 days to 1 Mar 2024 (leap February): 10000 × 12.5 × 30 / 36500 =
    102.7397 → €102.74.
    """
    result = statutory_interest(
        scheme("half_year_first_day"), ECB, D("10000.00"), (), date(2024, 1, 31),
        date(2024, 3, 1), "EUR",
    )  # fmt: skip
    assert [(p.days, p.rate_percent) for p in result.periods] == [(30, D("12.50"))]
    assert result.amount == D("102.74")


def test_day_basis_360() -> None:
    """The day basis divides the annual rate: 1000 × 8.5 × 30 / 36000 = 7.0833 → 7.08."""
    result = interest("1000.00", DUE, date(2026, 10, 31), day_basis=360)
    assert result.amount == D("7.08")
    assert "360-day year" in result.explain()


def test_jpy_interest_rounds_to_whole_yen() -> None:
    """Interest rounds half up to the currency's minor unit: none for JPY.

    ¥1,000,000 at 8.5 % for 10 days: 1000000 × 8.5 × 10 / 36500 = 2328.77 → ¥2,329.
    """
    result = statutory_interest(
        scheme(), HALF_PERCENT, D("1000000"), (), DUE, date(2026, 10, 11), "JPY"
    )
    assert result.amount == D("2329")
    assert result.explain().endswith("JPY 2,329")


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("10000000"), places=2),
    due=st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31)),
    first=st.integers(min_value=-30, max_value=800),
    more=st.integers(min_value=0, max_value=800),
    fixing=st.sampled_from(["daily", "half_year", "half_year_first_day", "half_year_at_start"]),
    compound=st.sampled_from(["none", "yearly"]),
)
def test_interest_never_falls_and_charges_add_up(  # noqa: PLR0917 - the generated inputs
    amount: Decimal, due: date, first: int, more: int, fixing: str, compound: str
) -> None:
    """Without settlements, interest is never negative, never falls as as_of moves on, and the
    interest to a day plus the interest charged after it is the interest to the later day."""
    chosen = scheme(fixing, compound=compound)
    early, late = days_after(due, first), days_after(due, first + more)
    earlier = statutory_interest(chosen, BOE, amount, (), due, early, "GBP")
    later = statutory_interest(chosen, BOE, amount, (), due, late, "GBP")
    rest = statutory_interest(chosen, BOE, amount, (), due, late, "GBP", early)
    assert earlier.unrounded >= 0
    assert later.unrounded >= earlier.unrounded
    assert later.amount >= earlier.amount
    assert abs(earlier.unrounded + rest.unrounded - later.unrounded) < D("1e-15")
