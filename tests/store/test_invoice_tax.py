"""The tax included in an invoice travels from every source to the engine, so a discount taken
net of tax (``discounts: {base: net}``) is the same from the database as from a ledger file
(docs/rules/discounts.md, "The base: gross or net of tax").

Worked example after OCA ``account_cash_discount_base`` (Odoo: the discount computed on the total
with or without taxes, https://github.com/OCA/account-payment/tree/14.0/account_cash_discount_base)
and the 2/10 net 30 convention (AccountingCoach, https://www.accountingcoach.com/blog/what-does-2-10-net-30-mean):
INV-1 of GBP 1,200.00 including GBP 200.00 VAT, on 2/10 net 30, dated 1 September, and 1,176.00
paid on 10 September. Gross the discount is 2 % of 1,200.00 = 24.00 and 1,176.00 settles it; net
of tax it is 2 % of 1,000.00 = 20.00, 1,176.00 is 4.00 short of the 1,180.00 that earns it, so the
discount is not taken and 24.00 stays open. Xero's invoice export states the tax as ``TaxTotal``
(examples/xero-invoices.csv).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from engine.evaluate import evaluate
from engine.load.ledger_file import ledger_from_data
from engine.model.actions import Evaluation
from engine.model.ledger import LedgerSnapshot
from engine.model.policy import DiscountSettings, Policy
from store.imports import import_rows
from store.reader import iter_customer_ledgers, load_snapshot
from tests.engine.builders import VERSION, make_policy
from tests.store.test_same_list_everywhere import said

NET = make_policy(discounts=DiscountSettings(base="net"))
GROSS = make_policy()
ROWS: dict[str, list[dict[str, str]]] = {
    "customers": [{"id": "ACME"}],
    "invoices": [
        {"id": "INV-1", "customer": "ACME", "issued": "2026-09-01", "amount": "1200.00",
         "currency": "GBP", "terms": "2-10-net30", "tax": "200.00"},
        {"id": "INV-2", "customer": "ACME", "issued": "2026-09-01", "amount": "600.00",
         "currency": "GBP", "terms": "2-10-net30"},
    ],
    "payments": [
        {"id": "PAY-1", "customer": "ACME", "date": "2026-09-10", "amount": "1176.00",
         "currency": "GBP", "invoice": "INV-1"},
        {"id": "PAY-2", "customer": "ACME", "date": "2026-09-10", "amount": "588.00",
         "currency": "GBP", "invoice": "INV-2"},
    ],
}  # fmt: skip


def imported(engine: Engine, rows: dict[str, list[dict[str, str]]]) -> None:
    with engine.connect() as conn:
        for kind in ("customers", "invoices", "payments"):
            result = import_rows(conn, kind, rows[kind], "tax")
            assert result.ok, result.problems
        conn.commit()


def from_file(policy: Policy, on: date) -> Evaluation:
    snapshot, problems = ledger_from_data(ROWS, "ledger.yaml")
    assert snapshot is not None, problems
    return evaluate(policy, snapshot, on, VERSION)


def from_database(engine: Engine, policy: Policy, on: date) -> Evaluation:
    return evaluate(policy, iter_customer_ledgers(engine, ["ACME"], as_of=on), on, VERSION)


def open_amounts(evaluation: Evaluation) -> dict[str, Decimal]:
    return {i.id: i.open for action in evaluation.actions for i in action.invoices}


def test_the_database_keeps_the_tax_an_import_states(ledger_engine: Engine) -> None:
    imported(ledger_engine, ROWS)
    snapshot: LedgerSnapshot = load_snapshot(ledger_engine, ["ACME"], date(2026, 9, 5))
    taxes = {i.id: i.tax for i in snapshot.customers[0].invoices}
    assert taxes == {"INV-1": Decimal("200.00"), "INV-2": None}


@pytest.mark.parametrize("on", [date(2026, 10, 15), date(2026, 12, 1)], ids=["overdue", "later"])
def test_a_database_ledger_and_a_ledger_file_take_the_discount_net_of_tax_alike(
    ledger_engine: Engine, on: date
) -> None:
    imported(ledger_engine, ROWS)
    for policy in (NET, GROSS):
        assert said(from_database(ledger_engine, policy, on)) == said(from_file(policy, on))
    # Gross the 1,176.00 settled INV-1; net of tax it earned no discount and 24.00 is chased.
    # INV-2 states no tax: 2 % of its 600.00 either way, settled by 588.00.
    assert open_amounts(from_database(ledger_engine, NET, on)) == {"INV-1": Decimal("24.00")}
    assert open_amounts(from_database(ledger_engine, GROSS, on)) == {}


@pytest.mark.parametrize(
    ("tax", "code", "words"),
    [
        ("1200.01", "L016", "is more than the amount 1200.00 that includes it"),
        ("-1.00", "L006", "tax included"),
        ("200.001", "L006", "has 3 decimals but GBP has 2"),
        ("VAT", "L006", "is not a plain decimal amount"),
    ],
    ids=["above-the-amount", "negative", "too-many-decimals", "not-an-amount"],
)
def test_an_import_with_an_impossible_tax_imports_nothing(
    ledger_engine: Engine, tax: str, code: str, words: str
) -> None:
    rows: dict[str, Any] = {**ROWS["invoices"][0], "tax": tax}
    with ledger_engine.connect() as conn:
        assert import_rows(conn, "customers", ROWS["customers"], "tax").ok
        result = import_rows(conn, "invoices", [rows], "tax")
    assert not result.ok
    assert [(p.line, p.code, p.field) for p in result.problems] == [(2, code, "tax")]
    assert words in result.problems[0].message


def test_a_ledger_file_with_a_tax_above_the_amount_is_refused() -> None:
    data = {**ROWS, "invoices": [{**ROWS["invoices"][0], "tax": "1200.01"}, ROWS["invoices"][1]]}
    snapshot, problems = ledger_from_data(data, "ledger.yaml")
    assert snapshot is None
    assert [(p.path, p.code) for p in problems] == [("invoices[0].tax", "L016")]
