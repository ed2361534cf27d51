"""Ledger files (docs/policy-format.md, "Ledger"): read from YAML or JSON, every problem located."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine.load.ledger_file import ledger_from_data, read_ledger_file
from engine.model.ledger import ActionRecord, ActionStatus, Customer, Settlement
from engine.model.ledger_fields import CODES
from tests.engine.builders import d, m

LEDGER_YAML = """\
apiVersion: dunning/v1
kind: Ledger
customers:
  - {id: ACME-0001, name: Acme Trading Ltd, country: GB, segment: strategic,
     email: ap@acme.example}
invoices:
  - {id: INV-1001, customer: ACME-0001, issued: 2026-09-01, amount: "1200.00", currency: GBP}
  - {id: INV-1002, customer: ACME-0001, issued: 2026-09-03, amount: "80.00", currency: GBP,
     terms: net14, delivered: 2026-09-05}
payments:
  - {id: PAY-1, customer: ACME-0001, date: 2026-10-05, amount: "200.00", currency: GBP,
     invoice: INV-1001}
  - {id: PAY-2, customer: ACME-0001, date: 2026-10-06, amount: "20.00", currency: GBP}
credit_notes:
  - {id: CN-1, customer: ACME-0001, date: 2026-10-01, amount: "50.00", currency: GBP,
     invoice: INV-1001}
disputes:
  - {id: D-1, invoice: INV-1001, opened: 2026-10-10, resolved: 2026-10-20,
     reason: "Wrong quantity"}
promises:
  - {id: PTP-1, customer: ACME-0001, made: 2026-10-15, pay_by: 2026-10-30, amount: "1000.00",
     currency: GBP}
payment_plans:
  - id: PLAN-1
    customer: ACME-0001
    agreed: 2026-10-01
    invoices: [INV-1001]
    instalments: [{due: 2026-11-01, amount: "400.00"}, {due: 2026-12-01, amount: "800.00"}]
    currency: GBP
history:
  - {action_id: "a-1", customer: ACME-0001, step: first-reminder, invoices: [INV-1001],
     date: 2026-10-02, status: done}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_the_documented_example(tmp_path: Path) -> None:
    """The example of docs/policy-format.md reads without problems into one customer ledger."""
    snapshot, problems = read_ledger_file(write(tmp_path, "ledger.yaml", LEDGER_YAML))
    assert problems == []
    assert snapshot is not None
    (acme,) = snapshot.customers
    assert acme.customer == Customer(
        "ACME-0001", "Acme Trading Ltd", "GB", "strategic", "ap@acme.example"
    )
    inv = acme.invoices[0]
    assert (inv.id, inv.amount, inv.currency, inv.issued) == (
        "INV-1001", m("1200.00"), "GBP", d("2026-09-01"),
    )  # fmt: skip
    assert inv.settlements == (
        Settlement(d("2026-10-01"), m("50.00"), "credit_note", "CN-1"),
        Settlement(d("2026-10-05"), m("200.00"), "payment", "PAY-1"),
    )
    assert acme.invoices[1].terms == "net14"
    assert (acme.invoices[0].delivered, acme.invoices[1].delivered) == (None, d("2026-09-05"))
    assert [p.id for p in acme.unapplied] == ["PAY-2"]
    assert [x.id for x in acme.disputes] == ["D-1"]
    assert [x.id for x in acme.promises] == ["PTP-1"]
    assert [i.amount for i in acme.plans[0].instalments] == [m("400.00"), m("800.00")]
    assert acme.history == (
        ActionRecord("a-1", "ACME-0001", "first-reminder", ("INV-1001",), d("2026-10-02")),
    )


def test_json_reads_the_same_ledger(tmp_path: Path) -> None:
    """JSON ledgers hold the same data; numbers are read exactly (never through a float)."""
    data = {
        "apiVersion": "dunning/v1",
        "kind": "Ledger",
        "invoices": [
            {"id": "INV-1", "customer": "C1", "issued": "2026-09-01", "amount": "10.10",
             "currency": "GBP"},
        ],
        "payments": [
            {"id": "P-1", "customer": "C1", "date": "2026-09-05", "amount": 0.1,
             "currency": "GBP", "invoice": "INV-1"},
        ],
    }  # fmt: skip
    path = write(tmp_path, "ledger.json", json.dumps(data))
    snapshot, problems = read_ledger_file(path)
    assert problems == []
    assert snapshot is not None
    (c1,) = snapshot.customers
    # Customers that appear only through their invoices get a bare record.
    assert c1.customer == Customer("C1")
    assert c1.invoices[0].settlements[0].amount == Decimal("0.1")
    assert str(c1.invoices[0].settlements[0].amount) == "0.1"


PROBLEM_CASES = [
    # (id, YAML body after apiVersion/kind, expected (line, column, code))
    ("unknown-field",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '1.00', currency: GBP,"
     " ammount: '2'}\n", [(4, 88, "L002")]),
    ("missing-field", "invoices:\n  - {id: I1, customer: C1, amount: '1.00', currency: GBP}\n",
     [(4, 5, "L003")]),
    ("not-a-list", "invoices: {id: I1}\n", [(3, 11, "L004")]),
    ("not-a-date",
     "invoices:\n  - {id: I1, customer: C1, issued: '1 Sep 2026', amount: '1.00', currency: GBP}\n",
     [(4, 36, "L005")]),
    ("not-an-amount",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: 'ten', currency: GBP}\n",
     [(4, 56, "L006")]),
    ("zero-amount",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '0.00', currency: GBP}\n",
     [(4, 56, "L006")]),
    ("too-many-decimals-for-the-currency",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '100.5', currency: JPY}\n",
     [(4, 56, "L006")]),
    ("unknown-currency",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '1.00', currency: XXY}\n",
     [(4, 74, "L007")]),
    ("duplicate-invoice",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '1.00', currency: GBP}\n"
     "  - {id: I1, customer: C1, issued: 2026-09-02, amount: '2.00', currency: GBP}\n",
     [(5, 10, "L008")]),
    ("invoice-of-an-unlisted-customer",
     "customers: [{id: C1}]\n"
     "invoices:\n  - {id: I1, customer: C2, issued: 2026-09-01, amount: '1.00', currency: GBP}\n",
     [(5, 24, "L009")]),
    ("payment-of-an-unknown-customer",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '1.00', currency: GBP}\n"
     "payments:\n  - {id: P1, customer: C9, date: 2026-09-02, amount: '1.00', currency: GBP}\n",
     [(6, 24, "L009")]),
    ("payment-of-an-unknown-invoice",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '1.00', currency: GBP}\n"
     "payments:\n  - {id: P1, customer: C1, date: 2026-09-02, amount: '1.00', currency: GBP,"
     " invoice: I9}\n", [(6, 86, "L010")]),
    ("payment-in-another-currency",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '1.00', currency: GBP}\n"
     "payments:\n  - {id: P1, customer: C1, date: 2026-09-02, amount: '1.00', currency: EUR,"
     " invoice: I1}\n", [(6, 72, "L011")]),
    ("dispute-resolved-before-opened",
     "invoices:\n  - {id: I1, customer: C1, issued: 2026-09-01, amount: '1.00', currency: GBP}\n"
     "disputes:\n  - {id: D1, invoice: I1, opened: 2026-09-05, resolved: 2026-09-04}\n",
     [(6, 57, "L012")]),
    ("unknown-status",
     "history:\n  - {customer: C1, step: call, date: 2026-09-05, status: finished}\n",
     [(4, 58, "L013"), (4, 16, "L009")]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in PROBLEM_CASES], ids=[c[0] for c in PROBLEM_CASES]
)
def test_problems_are_located(
    tmp_path: Path, body: str, expected: list[tuple[int, int, str]]
) -> None:
    """Every problem comes with its file, line, column and code; no snapshot is returned."""
    text = "apiVersion: dunning/v1\nkind: Ledger\n" + body
    snapshot, problems = read_ledger_file(write(tmp_path, "ledger.yaml", text))
    assert snapshot is None
    assert sorted((p.line, p.column, p.code) for p in problems) == sorted(expected)
    assert all(p.file.endswith("ledger.yaml") and p.message for p in problems)
    assert all(p.code in CODES for p in problems)


def test_not_a_ledger(tmp_path: Path) -> None:
    """A file without `apiVersion: dunning/v1` and `kind: Ledger` is refused (L001)."""
    _, problems = read_ledger_file(
        write(tmp_path, "x.yaml", "apiVersion: dunning/v1\nkind: Policy\n")
    )
    assert [(p.line, p.column, p.code) for p in problems] == [(1, 1, "L001")]


def test_json_syntax_error_is_located(tmp_path: Path) -> None:
    """A JSON syntax error is reported where the JSON parser found it (L001)."""
    _, problems = read_ledger_file(write(tmp_path, "x.json", '{\n  "kind": "Ledger",\n  oops\n}'))
    assert [(p.line, p.column, p.code) for p in problems] == [(3, 3, "L001")]


def test_json_problems_are_located(tmp_path: Path) -> None:
    """Problems in a JSON ledger are located at their line and column too."""
    text = (
        '{"apiVersion": "dunning/v1", "kind": "Ledger",\n'
        ' "invoices": [\n'
        '  {"id": "I1", "customer": "C1", "issued": "2026-09-01", "amount": "1.00", '
        '"currency": "GBx"}]}\n'
    )
    _, problems = read_ledger_file(write(tmp_path, "x.json", text))
    assert [(p.line, p.column, p.code) for p in problems] == [(3, 88, "L007")]


def test_embedded_ledger_data() -> None:
    """`ledger_from_data` reads a policy test's `ledger:` mapping (no apiVersion or kind)."""
    data = {
        "invoices": [
            {"id": "I1", "customer": "C1", "issued": d("2026-09-01"), "amount": "5.00",
             "currency": "EUR"},
        ],
        "history": [
            {"customer": "C1", "step": "first-reminder", "invoices": ["I1"],
             "date": d("2026-10-02"), "status": "skipped"},
        ],
    }  # fmt: skip
    snapshot, problems = ledger_from_data(data, "policies/tests/example.yaml")
    assert problems == []
    assert snapshot is not None
    assert snapshot.customers[0].history[0].status is ActionStatus.SKIPPED


def test_floats_are_refused_in_data() -> None:
    """A float can only come from code, never from our readers: refused all the same (L006)."""
    data = {
        "invoices": [
            {"id": "I1", "customer": "C1", "issued": "2026-09-01", "amount": 0.1,
             "currency": "GBP"},
        ]
    }  # fmt: skip
    snapshot, problems = ledger_from_data(data, "x.yaml")
    assert snapshot is None
    assert [p.code for p in problems] == ["L006"]
    assert "quoted decimal" in problems[0].message


def test_a_malformed_customer_id_on_an_invoice_is_a_problem_not_a_crash() -> None:
    """An invoice (and a dispute of it) whose customer id breaks the id rule is reported as L013;
    reading the ledger once raised KeyError: 'customer' instead."""
    data = {
        "invoices": [
            {"id": "I1", "customer": "../x", "issued": "2026-09-01", "amount": "5.00",
             "currency": "GBP"},
        ],
        "disputes": [{"id": "D1", "invoice": "I1", "opened": "2026-09-10"}],
    }  # fmt: skip
    snapshot, problems = ledger_from_data(data, "x.yaml")
    assert snapshot is None
    assert [(p.path, p.code) for p in problems] == [("invoices[0].customer", "L013")]
