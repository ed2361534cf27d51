"""Rule "promise kept or broken": payments in the currency since the promise was made."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from engine.model.ledger import Payment, Promise
from engine.rules.promises import promise_state

PROMISE = Promise("PTP-1", "ACME", date(2026, 11, 1), date(2026, 11, 15), Decimal("300.00"), "GBP")


def _paid(on: date, amount: str, currency: str = "GBP") -> Payment:
    return Payment(f"P-{on}-{amount}", "ACME", on, Decimal(amount), currency)


@pytest.mark.parametrize(
    ("payments", "as_of", "status", "paid"),
    [
        ([], date(2026, 11, 10), "pending", "0"),
        ([], date(2026, 11, 15), "pending", "0"),
        ([], date(2026, 11, 16), "broken", "0"),
        ([_paid(date(2026, 11, 5), "300.00")], date(2026, 11, 6), "kept", "300.00"),
        ([_paid(date(2026, 11, 5), "100.00"), _paid(date(2026, 11, 14), "200.00")],
         date(2026, 11, 20), "kept", "300.00"),
        ([_paid(date(2026, 11, 5), "299.99")], date(2026, 11, 20), "broken", "299.99"),
        ([_paid(date(2026, 10, 31), "300.00")], date(2026, 11, 20), "broken", "0"),
        ([_paid(date(2026, 11, 5), "300.00", "EUR")], date(2026, 11, 20), "broken", "0"),
        ([_paid(date(2026, 11, 18), "300.00")], date(2026, 11, 17), "broken", "0"),
        ([_paid(date(2026, 11, 18), "300.00")], date(2026, 11, 18), "kept", "300.00"),
    ],
    ids=["before", "on-the-day", "day-after", "paid-in-full", "paid-in-parts", "a-penny-short",
         "paid-before-the-promise", "other-currency", "paid-late-not-yet", "paid-late"],
)
def test_a_promise_is_kept_by_payments_since_it_was_made(
    payments: list[Payment], as_of: date, status: str, paid: str
) -> None:
    state = promise_state(PROMISE, payments, as_of)
    assert (state.status, state.paid) == (status, Decimal(paid))
