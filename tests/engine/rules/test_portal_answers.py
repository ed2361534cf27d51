"""Rule "portal answers" (engine/rules/portal_answers.py): promises, "I have paid", disputes."""

from __future__ import annotations

from datetime import date

import pytest

from engine.model.payment import PortalRules
from engine.rules.balances import account_balances
from engine.rules.context import EvaluationContext
from engine.rules.portal_answers import (
    AnswerProblem,
    PromiseTerms,
    disputable,
    paid_hold,
    promise_from_answer,
)
from engine.rules.statement import Statement, statement_of
from tests.engine.builders import account, d, dispute, invoice, m, make_policy

TODAY = date(2026, 10, 16)
OUT_OF_DATES = AnswerProblem(
    "pay_on", "promise_date", {"first": "2026-10-16", "last": "2026-11-15"}
)
RULES = PortalRules(paid_hold_days=5, promise_max_days=30, promise_min_amount={"GBP": m("50.00")})


def statement() -> Statement:
    ledger = account(
        "C1",
        invoice("INV-A", "2026-09-01", "1200.00", due="2026-10-10"),
        invoice("INV-S", "2026-09-01", "30.00", due="2026-10-10", currency="USD"),
        invoice("INV-D", "2026-09-02", "80.00", due="2026-10-10"),
        disputes=[dispute("INV-D", "2026-10-12")],
    )
    return statement_of(account_balances(EvaluationContext(make_policy()), ledger, TODAY), None)


@pytest.mark.parametrize(
    ("currency", "amount", "pay_on", "wanted"),
    [
        ("GBP", "1280.00", "2026-11-15", PromiseTerms(TODAY, d("2026-11-15"), m("1280.00"), "GBP")),
        ("GBP", "50.00", "2026-10-16", PromiseTerms(TODAY, TODAY, m("50.00"), "GBP")),
        ("USD", "30.00", "2026-10-20", PromiseTerms(TODAY, d("2026-10-20"), m("30.00"), "USD")),
        ("GBP", "100.00", "2026-11-16", OUT_OF_DATES),
        ("GBP", "100.00", "2026-10-15", OUT_OF_DATES),
        ("GBP", "49.99", "2026-10-20", AnswerProblem("amount", "below_minimum",
                                                     {"least": "50.00", "currency": "GBP"})),
        ("USD", "29.99", "2026-10-20", None),  # no USD minimum: any amount up to what is due
        ("GBP", "1280.01", "2026-10-20", AnswerProblem("amount", "more_than_due",
                                                       {"due": "1280.00", "currency": "GBP"})),
        ("GBP", "0", "2026-10-20", "not_an_amount"),
        ("GBP", "10.001", "2026-10-20", "not_an_amount"),
        ("GBP", "1e3", "2026-10-20", "not_an_amount"),
        ("GBP", "100.00", "2026-02-30", "not_a_date"),
        ("EUR", "100.00", "2026-10-20",
         AnswerProblem("currency", "nothing_due", {"currency": "EUR"})),
    ],
    ids=["all", "minimum-today", "small-currency", "too-late", "in-the-past", "below-minimum",
         "no-minimum", "more-than-due", "zero", "decimals", "exponent", "no-such-day", "currency"],
)  # fmt: skip
def test_a_promise_is_taken_within_the_policys_limits(
    currency: str, amount: str, pay_on: str, wanted: object
) -> None:
    found = promise_from_answer(RULES, statement(), currency=currency, amount=amount,
                                pay_on=pay_on, today=TODAY)  # fmt: skip
    if wanted is None:
        assert isinstance(found, PromiseTerms)
    elif isinstance(wanted, str):
        assert isinstance(found, AnswerProblem) and found.code == wanted
    else:
        assert found == wanted


def test_a_small_amount_due_is_promised_in_full_even_below_the_minimum() -> None:
    rules = PortalRules(promise_min_amount={"USD": m("50.00")})
    found = promise_from_answer(rules, statement(), currency="USD", amount="30.00",
                                pay_on="2026-10-20", today=TODAY)  # fmt: skip
    assert isinstance(found, PromiseTerms)
    short = promise_from_answer(rules, statement(), currency="USD", amount="29.00",
                                pay_on="2026-10-20", today=TODAY)  # fmt: skip
    assert isinstance(short, AnswerProblem) and short.code == "below_minimum"


@pytest.mark.parametrize(
    ("paid_on", "wanted"),
    [
        ("2026-10-14", PromiseTerms(d("2026-10-14"), d("2026-10-21"), m("500.00"), "GBP")),
        ("2026-10-16", PromiseTerms(TODAY, d("2026-10-21"), m("500.00"), "GBP")),
        ("2025-10-15", PromiseTerms(d("2025-10-15"), d("2026-10-21"), m("500.00"), "GBP")),
        ("2025-10-14", "paid_date"),
        ("2026-10-17", "paid_date"),
    ],
    ids=["days-ago", "today", "a-year-ago", "too-long-ago", "tomorrow"],
)
def test_i_have_paid_holds_for_the_policys_days_from_the_answer(
    paid_on: str, wanted: object
) -> None:
    found = paid_hold(RULES, statement(), currency="GBP", amount="500.00", paid_on=paid_on,
                      today=TODAY)  # fmt: skip
    if isinstance(wanted, str):
        assert isinstance(found, AnswerProblem) and found.code == wanted
    else:
        assert found == wanted


@pytest.mark.parametrize(
    ("invoice_id", "code"),
    [("INV-A", None), ("INV-D", "already_disputed"), ("INV-X", "not_open")],
    ids=["open", "disputed", "not-this-customers"],
)
def test_only_an_open_undisputed_invoice_is_disputed(invoice_id: str, code: str | None) -> None:
    found = disputable(statement(), invoice_id)
    assert (found.code if found else None) == code
