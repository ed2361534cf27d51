"""Rule "statement of account" (engine/rules/statement.py): the amount due per currency."""

from __future__ import annotations

from engine.model.ledger import ActionRecord
from engine.rules.balances import account_balances
from engine.rules.charges_owed import charges_owed
from engine.rules.context import EvaluationContext
from engine.rules.statement import Statement, statement_of
from tests.engine.builders import account, d, done, invoice, m, make_policy, unapplied


def statement(*charges: ActionRecord, cash: str | None = None) -> Statement:
    ledger = account(
        "C1",
        invoice("INV-A", "2026-09-01", "1200.00", due="2026-10-10"),
        invoice("INV-E", "2026-09-01", "300.00", due="2026-11-10", currency="EUR"),
        unapplied=[unapplied("PAY-9", "2026-10-05", cash)] if cash else [],
        history=charges,
    )
    policy, day = make_policy(), d("2026-10-16")
    balances = account_balances(EvaluationContext(policy), ledger, day)
    return statement_of(balances, charges_owed(policy, ledger, day))


def test_the_amount_due_is_the_balance_plus_the_charges_owed_per_currency() -> None:
    found = statement(
        done("second-reminder", ["INV-A"], "2026-10-14", fee="15.00"),
        done("final-notice", ["INV-A"], "2026-10-15", interest="2.345"),
    )
    assert dict(found.due) == {"EUR": m("300.00"), "GBP": m("1217.35")}
    assert dict(found.charges_owed) == {"GBP": m("17.35")}
    assert found.overdue_invoices == 1


def test_cash_on_the_account_lowers_the_amount_due() -> None:
    assert dict(statement(cash="200.00").due) == {"EUR": m("300.00"), "GBP": m("1000.00")}


def test_a_currency_paid_in_full_or_in_credit_is_not_asked_for() -> None:
    assert dict(statement(cash="1500.00").due) == {"EUR": m("300.00")}
