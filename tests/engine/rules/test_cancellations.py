"""Cancelled invoices in a ledger file: open before the cancellation, never chased after it.

Rule "ledger records", cancellations (docs/rules/ledger-records.md). The story: INV-1, GBP
1,200.00 issued 2026-09-01 on 30-day terms (due 10-01), cancelled on 2026-10-10 as a duplicate;
the second reminder falls on 10-16 under ``make_policy()``.

Worked examples from public sources:

- Odoo: "If your invoice is still in draft, you can modify it the way you want. However, if your
  invoice is validated, you can not change it anymore": it is voided and a new one made (Odoo
  documentation 11.0, *How to modify a validated invoice?*,
  https://www.odoo.com/documentation/user/11.0/accounting/receivables/customer_invoices/modify_validated.html).
  A cancelled invoice keeps its record with the state "Cancelled"; it is no longer receivable.
- An invoice with a payment reconciled cannot be cancelled or reset to draft until the payment is
  unreconciled (OCA module *Account Move Reconcile Forbid Cancel*,
  https://apps.odoo.com/apps/modules/13.0/account_move_reconcile_forbid_cancel; and the Odoo
  steps "Un-Reconcile, then Cancel Invoice",
  https://www.erpincloud.com/un-reconcile-cancel-paid-invoice-erp/): here, L019.
- ERPNext keeps a cancelled document cancelled; its correction is an amendment, "a new document
  (with a suffix -1)" (Frappe forum, *Changing the Cancellation Workflow*,
  https://discuss.frappe.io/t/version-12-proposal-changing-the-cancellation-workflow/45655):
  a cancellation is not undone here either, the invoice is issued again under a new number.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.evaluate import evaluate
from engine.load.ledger_file import ledger_from_data
from engine.model.ledger import LedgerSnapshot
from engine.rules.balances import account_balances
from engine.rules.charges_owed import charges_owed
from engine.rules.context import EvaluationContext
from tests.engine.builders import VERSION, d, make_policy

INVOICE = {"id": "INV-1", "customer": "C1", "issued": "2026-09-01", "amount": "1200.00",
           "currency": "GBP"}  # fmt: skip
OTHER = {**INVOICE, "id": "INV-2", "amount": "300.00"}
PAID = {"id": "PAY-1", "customer": "C1", "date": "2026-10-05", "amount": "1200.00",
        "currency": "GBP", "invoice": "INV-1"}  # fmt: skip
CANCELLED = {"id": "CAN-1", "customer": "C1", "invoice": "INV-1", "date": "2026-10-10",
             "reason": "duplicate of INV-2", "cancelled_by": "ar-clerk"}  # fmt: skip


def ledger(**sections: list[dict[str, Any]]) -> LedgerSnapshot:
    """Return the ledger file holding INV-1 and INV-2 and ``sections``, read as a file is."""
    snapshot, problems = ledger_from_data({"invoices": [INVOICE, OTHER], **sections}, "l.yaml")
    assert not problems, problems
    assert snapshot is not None
    return snapshot


def chased(snapshot: LedgerSnapshot, on: str) -> list[tuple[str, str, Decimal]]:
    """Return (step, invoice, open amount) of every action on ``on``."""
    evaluation = evaluate(make_policy(), snapshot, d(on), VERSION)
    return [(a.step, i.id, i.open) for a in evaluation.actions for i in a.invoices]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        # Before the cancellation the invoice was open: reminded on 10-02 (due+1bd).
        ("2026-10-09", [("first-reminder", "INV-1", Decimal("1200.00")),
                        ("first-reminder", "INV-2", Decimal("300.00"))]),
        # From the day of the cancellation on it owes nothing and is never chased.
        ("2026-10-10", [("first-reminder", "INV-2", Decimal("300.00"))]),
        ("2026-10-16", [("second-reminder", "INV-2", Decimal("300.00"))]),
    ],
    ids=["before", "on-the-day", "after"],
)  # fmt: skip
def test_a_cancelled_invoice_is_open_before_and_never_chased_after(
    on: str, expected: list[tuple[str, str, Decimal]]
) -> None:
    assert chased(ledger(cancellations=[CANCELLED]), on) == expected


def test_a_cancellation_dated_after_the_day_does_not_count_on_it() -> None:
    """As of a date: a cancellation dated after D changes nothing for D."""
    later = ledger(cancellations=[{**CANCELLED, "date": "2026-10-20"}])
    none = ledger()
    assert chased(later, "2026-10-16") == chased(none, "2026-10-16")
    assert ("second-reminder", "INV-1", Decimal("1200.00")) in chased(later, "2026-10-16")


def test_a_cancelled_invoice_is_in_no_balance_aging_or_total() -> None:
    """The customer page and every report start from the same open amounts: after the
    cancellation only INV-2 is owed, overdue and aged."""
    context = EvaluationContext(make_policy())
    (customer,) = ledger(cancellations=[CANCELLED])
    before = account_balances(context, customer, d("2026-10-09"))
    after = account_balances(context, customer, d("2026-10-16"))
    assert [i.invoice.id for i in before.invoices] == ["INV-1", "INV-2"]
    assert before.balance == {"GBP": Decimal("1500.00")}
    assert [i.invoice.id for i in after.invoices] == ["INV-2"]
    assert after.balance == after.overdue == {"GBP": Decimal("300.00")}
    assert sum(bucket.invoices for bucket in after.aging) == 1


def test_the_charges_of_a_cancelled_invoice_are_owed_no_more() -> None:
    """A reminder fee charged on INV-1 on 10-05 is owed until INV-1 is cancelled on 10-10: it
    was charged for chasing an invoice that is void."""
    fee = {"action_id": "A-1", "customer": "C1", "step": "second-reminder",
           "invoices": ["INV-1"], "date": "2026-10-05", "status": "done", "fee": "15.00",
           "currency": "GBP"}  # fmt: skip
    (customer,) = ledger(cancellations=[CANCELLED], history=[fee])
    policy = make_policy()
    assert charges_owed(policy, customer, d("2026-10-09")).owed() == {"GBP": Decimal("15.00")}
    after = charges_owed(policy, customer, d("2026-10-16"))
    assert after.owed() == {}
    assert [(c.waived, c.waiver) for c in after.charges] == [(Decimal("15.00"), "CAN-1")]


def test_cash_on_the_account_is_not_used_up_by_a_cancelled_invoice() -> None:
    """GBP 300.00 paid on account on 10-12 pays INV-2, not the cancelled INV-1."""
    cash = {**PAID, "date": "2026-10-12", "amount": "300.00"}
    del cash["invoice"]
    assert chased(ledger(cancellations=[CANCELLED], payments=[cash]), "2026-10-16") == []


BAD = [
    ("paid-invoice", {"payments": [PAID], "cancellations": [CANCELLED]},
     [("L019", "cancellations[0].invoice")]),
    ("cancelled-twice", {"cancellations": [CANCELLED, {**CANCELLED, "id": "CAN-2"}]},
     [("L018", "cancellations[1].invoice")]),
    ("unknown-invoice", {"cancellations": [{**CANCELLED, "invoice": "INV-9"}]},
     [("L010", "cancellations[0].invoice")]),
    ("another-customers", {"customers": [{"id": "C1"}, {"id": "C2"}],
                           "cancellations": [{**CANCELLED, "customer": "C2"}]},
     [("L011", "cancellations[0].customer")]),
    ("without-reason", {"cancellations": [
        {k: v for k, v in CANCELLED.items() if k != "reason"}]},
     [("L003", "cancellations[0]")]),
]  # fmt: skip


@pytest.mark.parametrize(("sections", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_bad_cancellation_is_reported_where_it_is(
    sections: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    data = {"invoices": [INVOICE, OTHER], **sections}
    snapshot, problems = ledger_from_data(data, "ledger.yaml")
    assert snapshot is None
    assert [(p.code, p.path) for p in problems] == expected


def test_a_payment_given_back_in_full_lets_the_invoice_be_cancelled() -> None:
    """Reversed first (the payment bounced), the invoice can be cancelled: nothing is applied."""
    bounced = {"id": "REV-1", "customer": "C1", "kind": "reversal", "date": "2026-10-08",
               "amount": "1200.00", "currency": "GBP", "payment": "PAY-1"}  # fmt: skip
    snapshot = ledger(payments=[PAID], reversals=[bounced], cancellations=[CANCELLED])
    assert chased(snapshot, "2026-10-16") == [("second-reminder", "INV-2", Decimal("300.00"))]
