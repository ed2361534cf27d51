"""Tests for engine/rules/terms.py: due dates, discount deadlines and discounts from terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.model.policy import CalendarSpec, DiscountTier, Term, TermInstalment
from engine.rules.calendar import BusinessCalendar
from engine.rules.terms import (
    TermDates,
    describe_term,
    discount_amount,
    term_dates,
    terms_start,
    unrolled_due,
)

# England and Wales, with the policy closed on Christmas Eve: 25 Dec 2026 (Fri) is Christmas Day,
# 26 (Sat) Boxing Day, 28 (Mon) its substitute day.
ENGLAND = BusinessCalendar(CalendarSpec("GB", "ENG", frozenset({date(2026, 12, 24)})))

NET30 = Term("net30", net_days=30)
NET30_EOM = Term("net30-eom", net_days=30, from_end_of_month=True)
TWO_10_NET30 = Term("2-10-net30", net_days=30, discounts=(DiscountTier(10, Decimal("2")),))
PROX_10 = Term("10th-prox", day_of_next_month=10)
PROX_31 = Term("31st-prox", day_of_next_month=31)
ON_RECEIPT = Term("due-on-receipt", net_days=0)

NEXT = "next_business_day"
PREVIOUS = "previous_business_day"

# (id, term, issued, roll, due, discount deadline, unrolled due)
DATE_CASES: list[tuple[str, Term, date, str, date, date | None, date]] = [
    ("net30", NET30, date(2026, 9, 1), NEXT, date(2026, 10, 1), None, date(2026, 10, 1)),
    # 31 Jan + 30 days = 2 Mar.
    ("eom-15-jan", NET30_EOM, date(2026, 1, 15), NEXT, date(2026, 3, 2), None, date(2026, 3, 2)),
    ("eom-31-jan", NET30_EOM, date(2026, 1, 31), NEXT, date(2026, 3, 2), None, date(2026, 3, 2)),
    # 31 Dec + 30 days = Sat 30 Jan 2027, rolled to Mon 1 Feb.
    (
        "eom-across-year-end",
        NET30_EOM,
        date(2026, 12, 10),
        NEXT,
        date(2027, 2, 1),
        None,
        date(2027, 1, 30),
    ),
    ("prox-28-jan", PROX_10, date(2026, 1, 28), NEXT, date(2026, 2, 10), None, date(2026, 2, 10)),
    ("prox-1-jan", PROX_10, date(2026, 1, 1), NEXT, date(2026, 2, 10), None, date(2026, 2, 10)),
    # 10 Jan 2027 is a Sunday.
    (
        "prox-across-year-end",
        PROX_10,
        date(2026, 12, 5),
        NEXT,
        date(2027, 1, 11),
        None,
        date(2027, 1, 10),
    ),
    (
        "prox-31-leap-february",
        PROX_31,
        date(2028, 1, 15),
        NEXT,
        date(2028, 2, 29),
        None,
        date(2028, 2, 29),
    ),
    # 28 Feb 2027 is a Sunday.
    (
        "prox-31-february",
        PROX_31,
        date(2027, 1, 15),
        "none",
        date(2027, 2, 28),
        None,
        date(2027, 2, 28),
    ),
    ("prox-31-april", PROX_31, date(2026, 3, 5), NEXT, date(2026, 4, 30), None, date(2026, 4, 30)),
    ("on-receipt", ON_RECEIPT, date(2026, 9, 1), NEXT, date(2026, 9, 1), None, date(2026, 9, 1)),
    (
        "on-receipt-saturday",
        ON_RECEIPT,
        date(2026, 10, 3),
        NEXT,
        date(2026, 10, 5),
        None,
        date(2026, 10, 3),
    ),
    # Rolling back would make it due before it was issued: it rolls forward instead.
    (
        "on-receipt-saturday-previous-roll",
        ON_RECEIPT,
        date(2026, 10, 3),
        PREVIOUS,
        date(2026, 10, 5),
        None,
        date(2026, 10, 3),
    ),
    # 25 Nov + 30 = Christmas Day: next open day is Tue 29 Dec (Boxing Day substitute on the 28th).
    (
        "roll-next-over-bank-holidays",
        NET30,
        date(2026, 11, 25),
        NEXT,
        date(2026, 12, 29),
        None,
        date(2026, 12, 25),
    ),
    (
        "roll-previous-over-closed-day",
        NET30,
        date(2026, 11, 25),
        PREVIOUS,
        date(2026, 12, 23),
        None,
        date(2026, 12, 25),
    ),
    (
        "roll-none",
        NET30,
        date(2026, 11, 25),
        "none",
        date(2026, 12, 25),
        None,
        date(2026, 12, 25),
    ),
    (
        "discount-deadline",
        TWO_10_NET30,
        date(2026, 9, 1),
        NEXT,
        date(2026, 10, 1),
        date(2026, 9, 11),
        date(2026, 10, 1),
    ),
    # 12 Sep 2026 is a Saturday: the discount deadline is not rolled.
    (
        "discount-deadline-not-rolled",
        TWO_10_NET30,
        date(2026, 9, 2),
        NEXT,
        date(2026, 10, 2),
        date(2026, 9, 12),
        date(2026, 10, 2),
    ),
    (
        "net30-over-leap-day",
        NET30,
        date(2028, 2, 1),
        NEXT,
        date(2028, 3, 2),
        None,
        date(2028, 3, 2),
    ),
]


@pytest.mark.parametrize(
    ("term", "issued", "roll", "expected"),
    [(c[1], c[2], c[3], TermDates(c[4], c[5], c[6])) for c in DATE_CASES],
    ids=[case[0] for case in DATE_CASES],
)
def test_term_dates(term: Term, issued: date, roll: str, expected: TermDates) -> None:
    """Due = invoice date + net days (from month end for EOM), or day N of the next month clamped
    to its length; it rolls off closed days; the discount deadline is invoice date + discount days.
    """
    assert term_dates(term, issued, ENGLAND, roll) == expected


def test_term_dates_are_cached() -> None:
    """The same term, date, calendar and roll give the very same answer from the cache."""
    first = term_dates(NET30_EOM, date(2026, 5, 5), ENGLAND, NEXT)
    assert term_dates(NET30_EOM, date(2026, 5, 5), ENGLAND, NEXT) is first


def test_term_without_due_date_rule_is_a_bug() -> None:
    """A term with neither net_days nor day_of_next_month raises: the validator refuses it."""
    with pytest.raises(ValueError, match="term 'broken' has neither"):
        term_dates(Term("broken"), date(2026, 1, 1), ENGLAND, NEXT)


# (id, term, amount, currency, discount)
DISCOUNT_CASES: list[tuple[str, Term, Decimal, str, Decimal]] = [
    ("2-10-net30-on-1000-gbp", TWO_10_NET30, Decimal("1000.00"), "GBP", Decimal("20.00")),
    ("half-a-penny-rounds-up", TWO_10_NET30, Decimal("1234.25"), "GBP", Decimal("24.69")),
    ("jpy-no-minor-units", TWO_10_NET30, Decimal("12345"), "JPY", Decimal("247")),
    ("jpy-half-yen-rounds-up", TWO_10_NET30, Decimal("12325"), "JPY", Decimal("247")),
    ("no-discount-gbp", NET30, Decimal("1000.00"), "GBP", Decimal("0.00")),
    ("no-discount-jpy", NET30, Decimal("12345"), "JPY", Decimal("0")),
]


@pytest.mark.parametrize(
    ("term", "amount", "currency", "expected"),
    [case[1:] for case in DISCOUNT_CASES],
    ids=[case[0] for case in DISCOUNT_CASES],
)
def test_discount_amount(term: Term, amount: Decimal, currency: str, expected: Decimal) -> None:
    """The discount is amount × percent / 100, rounded half up to the currency's minor unit."""
    result = discount_amount(term, amount, currency)
    assert result == expected
    assert result.as_tuple().exponent == expected.as_tuple().exponent


# (id, term, description)
DESCRIBE_CASES: list[tuple[str, Term, str]] = [
    ("net", NET30, "net 30 days"),
    ("net-1-day", Term("net1", net_days=1), "net 1 day"),
    ("eom", NET30_EOM, "net 30 days from the end of the month"),
    ("discount", TWO_10_NET30, "2 % discount within 10 days, otherwise net 30 days"),
    (
        "discount-decimal-percent",
        Term("x", net_days=60, discounts=(DiscountTier(14, Decimal("1.50")),)),
        "1.5 % discount within 14 days, otherwise net 60 days",
    ),
    ("prox-10th", PROX_10, "due on the 10th of the following month"),
    ("prox-1st", Term("p1", day_of_next_month=1), "due on the 1st of the following month"),
    ("prox-22nd", Term("p22", day_of_next_month=22), "due on the 22nd of the following month"),
    ("prox-13th", Term("p13", day_of_next_month=13), "due on the 13th of the following month"),
    ("on-receipt", ON_RECEIPT, "due on receipt"),
    (
        "end-of-month",
        Term("eom0", net_days=0, from_end_of_month=True),
        "due at the end of the month",
    ),
]


@pytest.mark.parametrize(
    ("term", "text"), [case[1:] for case in DESCRIBE_CASES], ids=[c[0] for c in DESCRIBE_CASES]
)
def test_describe_term(term: Term, text: str) -> None:
    """Terms read as finance staff say them: net days, month end, prox day, discount first."""
    assert describe_term(term) == text


def test_two_ten_net_thirty_published_example() -> None:
    """Early-payment discount, checked against a published worked example.

    Investopedia, "2/10 Net 30: Definition, Calculation, Example": on a USD 1,000 invoice with
    terms 2/10 net 30, a buyer paying within 10 days pays USD 980 (a USD 20 discount); otherwise
    the full USD 1,000 is due in 30 days. Invoice dated Thursday 1 October 2026: the discount may
    be taken until 11 October, the invoice falls due on Saturday 31 October and, rolled to the
    next business day, on Monday 2 November.
    """
    dates = term_dates(TWO_10_NET30, date(2026, 10, 1), ENGLAND, NEXT)
    assert dates.discount_deadline == date(2026, 10, 11)
    assert dates.unrolled_due == date(2026, 10, 31)
    assert dates.due == date(2026, 11, 2)
    discount = discount_amount(TWO_10_NET30, Decimal("1000.00"), "USD")
    assert discount == Decimal("20.00")
    assert Decimal("1000.00") - discount == Decimal("980.00")


# The terms of docs/rules/terms.md, each with its worked example: (id, term, start date, due
# before rolling).
TWO_MONTHS_EOM = Term("2m-eom", net_months=2, from_end_of_month=True)
ONE_MONTH = Term("1m", net_months=1)
THIRTY_EOM_10 = Term("30-eom-10", net_days=30, then_end_of_month=True, then_days=10)
EOM_CUTOFF_25 = Term("eom-25", net_days=30, from_end_of_month=True, cutoff_day=25)
PROX_CUTOFF_25 = Term("prox-25", day_of_next_month=10, cutoff_day=25)
UNROLLED_CASES: list[tuple[str, Term, date, date]] = [
    ("2-months-end-of-month", TWO_MONTHS_EOM, date(2027, 1, 15), date(2027, 3, 31)),
    ("2-months-end-of-month-from-31st", TWO_MONTHS_EOM, date(2027, 12, 31), date(2028, 2, 29)),
    ("1-month-clamped-to-february", ONE_MONTH, date(2027, 1, 31), date(2027, 2, 28)),
    ("1-month-same-day", ONE_MONTH, date(2027, 3, 15), date(2027, 4, 15)),
    ("1-month-across-year-end", ONE_MONTH, date(2027, 12, 20), date(2028, 1, 20)),
    ("30-days-end-of-month-10th", THIRTY_EOM_10, date(2027, 1, 10), date(2027, 3, 10)),
    ("30-days-end-of-month-no-days", Term("30-eom", net_days=30, then_end_of_month=True),
     date(2027, 1, 10), date(2027, 2, 28)),
    ("eom-on-the-cut-off-day", EOM_CUTOFF_25, date(2027, 1, 25), date(2027, 3, 2)),
    ("eom-after-the-cut-off-day", EOM_CUTOFF_25, date(2027, 1, 26), date(2027, 3, 30)),
    ("eom-cut-off-in-december", EOM_CUTOFF_25, date(2027, 12, 28), date(2028, 3, 1)),
    ("prox-after-the-cut-off-day", PROX_CUTOFF_25, date(2027, 1, 26), date(2027, 3, 10)),
    ("prox-before-the-cut-off-day", PROX_CUTOFF_25, date(2027, 1, 24), date(2027, 2, 10)),
    ("months-and-days", Term("1m10d", net_months=1, net_days=10), date(2027, 1, 31),
     date(2027, 3, 10)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("term", "start", "expected"),
    [case[1:] for case in UNROLLED_CASES],
    ids=[case[0] for case in UNROLLED_CASES],
)
def test_unrolled_due_counts_months_month_ends_and_cut_off_days(
    term: Term, start: date, expected: date
) -> None:
    """Rule "terms": end of month (next month's past the cut-off), months, days, then end of
    month plus days, in that order."""
    assert unrolled_due(term, start) == expected


def test_split_terms_are_due_in_full_with_their_last_instalment() -> None:
    """Rule "terms": the due date of split terms as a whole is their last part's."""
    split = Term(
        "30-70",
        instalments=(
            TermInstalment(Decimal("30"), Term("p1", net_days=0)),
            TermInstalment(Decimal("70"), Term("p2", net_days=60)),
        ),
    )
    assert unrolled_due(split, date(2027, 3, 1)) == date(2027, 4, 30)


@pytest.mark.parametrize(
    ("basis", "delivered", "expected"),
    [
        ("delivery", date(2027, 3, 10), date(2027, 3, 10)),
        ("delivery", None, date(2027, 3, 1)),
        ("invoice", date(2027, 3, 10), date(2027, 3, 1)),
    ],
    ids=["delivery-date", "no-delivery-date-stated", "invoice-basis-ignores-delivery"],
)
def test_terms_start_from_the_delivery_date_when_they_say_so(
    basis: str, delivered: date | None, expected: date
) -> None:
    """Rule "terms": with basis delivery the terms count from the delivery date when the
    invoice states one; otherwise from the invoice date."""
    term = Term("net30-delivery", net_days=30, basis=basis)
    assert terms_start(term, date(2027, 3, 1), delivered) == expected


NEW_DESCRIBE_CASES: list[tuple[str, Term, str]] = [
    ("months-end-of-month", TWO_MONTHS_EOM, "net 2 months from the end of the month"),
    ("then-end-of-month", THIRTY_EOM_10,
     "net 30 days, then at the end of that month plus 10 days"),
    ("cut-off", PROX_CUTOFF_25,
     "due on the 10th of the following month (invoices after the 25th count as the next "
     "month's)"),
    ("delivery", Term("d", net_days=30, basis="delivery"),
     "net 30 days, counted from the delivery date"),
    ("instalments", Term("30-70", instalments=(
        TermInstalment(Decimal("30"), Term("p1", net_days=0)),
        TermInstalment(Decimal("70.0"), Term("p2", net_days=60)),
    )), "30 % due on receipt, 70 % net 60 days"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("term", "text"),
    [case[1:] for case in NEW_DESCRIBE_CASES],
    ids=[c[0] for c in NEW_DESCRIBE_CASES],
)
def test_describe_new_terms(term: Term, text: str) -> None:
    """Months, end of month after days, cut-off days, delivery and split terms read as said."""
    assert describe_term(term) == text
