"""Tests for engine/rules/fees.py: fees and fixed compensation, to the penny.

Published sources the worked examples are checked against:

- GOV.UK, "Late commercial payments: charging interest and debt recovery"
  (https://www.gov.uk/late-commercial-payments-interest-debt-recovery) and the Late Payment of
  Commercial Debts (Interest) Act 1998 s. 5A: fixed compensation is £40 for a debt less than
  £1,000, £70 from £1,000 to less than £10,000, and £100 from £10,000.
- Directive 2011/7/EU on combating late payment in commercial transactions, Art. 6: the creditor
  is entitled to a fixed sum of at least EUR 40 as compensation.
- Bands stated "not exceeding" an amount (an inclusive bound, ``up_to``), as member states'
  transpositions word them ("not exceeding EUR 1,000"), hold a debt of exactly that amount.

Late-payment interest is tested in tests/engine/rules/test_interest.py.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.model.policy import CompensationBand, Fee, InterestScheme
from engine.rules.fees import compensation, fee_amount

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


EU_SCHEME = InterestScheme(
    "statutory-eu",
    reference="ecb-mro",
    margin_percent=D("8"),
    fixing="half_year",
    compensation_currency="EUR",
    compensation=(CompensationBand(D("40.00")),),
)

# Bands with inclusive upper bounds: "not exceeding EUR 1,000", "not exceeding EUR 10,000".
NOT_EXCEEDING = InterestScheme(
    "not-exceeding",
    reference="ecb-mro",
    margin_percent=D("8"),
    compensation_currency="EUR",
    compensation=(
        CompensationBand(D("40.00"), up_to=D("1000.00")),
        CompensationBand(D("70.00"), up_to=D("10000.00")),
        CompensationBand(D("100.00")),
    ),
)

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
    ("not-exceeding-1000-holds-1000", NOT_EXCEEDING, D("1000.00"), "EUR", D("40.00")),
    ("not-exceeding-1000-not-1000.01", NOT_EXCEEDING, D("1000.01"), "EUR", D("70.00")),
    ("not-exceeding-10000-holds-10000", NOT_EXCEEDING, D("10000.00"), "EUR", D("70.00")),
    ("above-every-bound", NOT_EXCEEDING, D("10000.01"), "EUR", D("100.00")),
]


@pytest.mark.parametrize(
    ("scheme", "principal", "currency", "expected"),
    [case[1:] for case in COMPENSATION_CASES],
    ids=[case[0] for case in COMPENSATION_CASES],
)
def test_compensation(
    scheme: InterestScheme, principal: Decimal, currency: str, expected: Decimal | None
) -> None:
    """Fixed compensation is the first band that holds the debt, in the scheme's currency only:
    ``below`` is exclusive, ``up_to`` inclusive.

    Sources: GOV.UK and the 1998 Act s. 5A (£40 for less than £1,000, £70 from £1,000 to less
    than £10,000, £100 from £10,000); Directive 2011/7/EU Art. 6 (at least EUR 40); bands "not
    exceeding" an amount hold that amount.
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


