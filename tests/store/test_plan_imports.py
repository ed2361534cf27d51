"""Payment plans from CSV: one row per instalment, all plans or none, the same file twice is one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from store.models import customers, invoices
from store.payment_plans import customer_plans
from store.plan_imports import import_plans_csv

HEADER = "plan,customer,agreed,currency,invoices,due,amount,note\n"
GOOD = (
    HEADER
    + "P-1,ACME,2026-11-20,GBP,INV-1;INV-2,2026-12-15,100.00,By direct debit\n"
    + "P-1,,,,,2027-01-15,\"1,100.00\",\n"
    + "P-2,ACME,2026-11-21,GBP,INV-2,2026-12-01,50.00,\n"
)


@pytest.fixture
def ledger(ledger_engine: Engine) -> Engine:
    with ledger_engine.begin() as conn:
        conn.execute(customers.insert(), [{"id": "ACME", "name": "Acme"}])
        conn.execute(invoices.insert(), [
            {"id": f"INV-{n}", "customer_id": "ACME", "issued": date(2026, 9, n),
             "amount": Decimal("1500.00"), "currency": "GBP"} for n in (1, 2)
        ])
    return ledger_engine


def _import(engine: Engine, tmp_path: Path, text: str) -> tuple[int, int, list[str]]:
    path = tmp_path / "plans.csv"
    path.write_text(text, encoding="utf-8")
    with engine.connect() as conn:
        result = import_plans_csv(conn, path)
    return result.inserted, result.unchanged, [str(p).replace(str(path), "F") for p in
                                               result.problems]


def test_plans_are_imported_once(ledger: Engine, tmp_path: Path) -> None:
    assert _import(ledger, tmp_path, GOOD) == (2, 0, [])
    assert _import(ledger, tmp_path, GOOD) == (0, 2, [])
    with ledger.connect() as conn:
        plans = customer_plans(conn, "ACME")
    assert [(p.id, p.invoice_ids, [str(i.amount) for i in p.instalments], p.note, p.who)
            for p in plans] == [
        ("P-1", ("INV-1", "INV-2"), ["100.00", "1100.00"], "By direct debit", "import plans.csv"),
        ("P-2", ("INV-2",), ["50.00"], "", "import plans.csv"),
    ]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("plan,customer\nP-1,ACME\n",
         ["F:1: the header lacks agreed, currency, invoices, due, amount: the columns are plan,"
          " customer, agreed, currency, invoices, due, amount"]),
        (HEADER + "P-1,ACME,2026-11-20,GBP,INV-1,2026-12-15,100.001,\n"
                  "P-1,,,,,15/01/2027,100.00,\n",
         ["F:2: amount 100.001 has 3 decimals but GBP has 2 (amounts are taken exactly, never"
          " rounded)",
          "F:3: due date '15/01/2027' is not a date written YYYY-MM-DD, e.g. 2026-11-23"]),
        (HEADER + "P-1,ACME,2026-11-20,GBP,INV-1,2026-12-15,100.00,\n"
                  "P-1,BETA,,,,2027-01-15,100.00,\n",
         ["F:3: customer 'BETA' contradicts the first row of plan P-1 (line 2: 'ACME')"]),
        (HEADER + "P-1,ACME,2026-11-20,GBP,INV-9,2026-12-15,100.00,\n",
         ["F:2: plan P-1: invoice INV-9 is not in the ledger"]),
        (HEADER + GOOD.removeprefix(HEADER) + "P-3,ACME,2026-11-20,GBP,INV-1,2026-11-01,1.00,\n",
         ["F:5: plan P-3: instalment 1 is due 2026-11-01, before the plan was agreed"
          " (2026-11-20)"]),
    ],
    ids=["header", "bad-values", "contradiction", "unknown-invoice", "one-bad-plan-of-three"],
)
def test_a_bad_row_imports_nothing(
    ledger: Engine, tmp_path: Path, text: str, problems: list[str]
) -> None:
    assert _import(ledger, tmp_path, text) == (0, 0, problems)
    with ledger.connect() as conn:
        assert customer_plans(conn, "ACME") == []


def test_a_windows_file_is_named_and_read_in_its_encoding(ledger: Engine, tmp_path: Path) -> None:
    """As every import: a byte that is not UTF-8 gets its line and the encoding to use."""
    path = tmp_path / "plans.csv"
    path.write_bytes((HEADER + "P-1,ACME,2026-11-20,GBP,INV-1,2026-12-15,100.00,Café\n").encode(
        "cp1252"
    ))
    with ledger.connect() as conn:
        refused = import_plans_csv(conn, path)
        assert [p.line for p in refused.problems] == [2]
        assert refused.problems[0].message.endswith("import it with --encoding cp1252")
        imported = import_plans_csv(conn, path, encoding="cp1252")
    assert (imported.inserted, imported.problems) == (1, ())
    with ledger.connect() as conn:
        assert [plan.note for plan in customer_plans(conn, "ACME")] == ["Café"]
