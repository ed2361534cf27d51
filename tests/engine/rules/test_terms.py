"""Tests for engine/rules/terms.py: due dates, discount deadlines and discounts from terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.model.policy import CalendarSpec, Term
from engine.rules.calendar import BusinessCalendar
from engine.rules.terms import TermDates, describe_term, discount_amount, term_dates

# England and Wales, with the policy closed on Christmas Eve: 25 Dec 2026 (Fri) is Christmas Day,
# 26 (Sat) Boxing Day, 28 (Mon) its substitute day.
ENGLAND = BusinessCalendar(CalendarSpec("GB", "ENG", frozenset({date(2026, 12, 24)})))

NET30 = Term("net30", net_days=30)
NET30_EOM = Term("net30-eom", net_days=30, from_end_of_month=True)
TWO_10_NET30 = Term("2-10-net30", net_days=30, discount_percent=Decimal("2"), discount_days=10)
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
        Term("x", net_days=60, discount_percent=Decimal("1.50"), discount_days=14),
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
