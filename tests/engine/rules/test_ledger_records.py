"""Write-offs, refunds, chargebacks and reversals in a ledger file, through the daily list.

Rules in docs/rules/ledger-records.md. The story: INV-1, GBP 1,200.00 issued 2026-09-01 on
30-day terms (due 10-01), evaluated on 2026-10-16 (due+15: the second reminder) under
``make_policy()``.

- A write-off settles what it writes off from its date (Xero Help, "Record a bad debt in Xero",
  https://help.xero.com/int/Q_BadDebts: a credit note to the bad-debts account, for all or part
  of the invoice).
- Reversing a payment is "a transaction with the exact opposite amount", and the invoice awaits
  payment again (AccountEdge Help, "Finding, removing and reversing customer payments",
  https://help.acclivitysoftware.com/ae01/mac/05CustPay-09.htm); a chargeback withdraws the
  disputed amount from the merchant (Stripe Docs, "Disputes", https://docs.stripe.com/disputes).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.evaluate import evaluate
from engine.load.ledger_file import ledger_from_data
from engine.model.ledger import LedgerSnapshot
from tests.engine.builders import VERSION, d, make_policy

INVOICE = {"id": "INV-1", "customer": "C1", "issued": "2026-09-01", "amount": "1200.00",
           "currency": "GBP"}  # fmt: skip
PAID = {"id": "PAY-1", "customer": "C1", "date": "2026-10-05", "amount": "1200.00",
        "currency": "GBP", "invoice": "INV-1"}  # fmt: skip


def ledger(**sections: list[dict[str, Any]]) -> LedgerSnapshot:
    """Return the ledger file holding INV-1 and ``sections``, read as a ledger file is."""
    data: dict[str, object] = {"invoices": [INVOICE], **sections}
    snapshot, problems = ledger_from_data(data, "ledger.yaml")
    assert not problems, problems
    assert snapshot is not None
    return snapshot


def chased(snapshot: LedgerSnapshot, on: str = "2026-10-16") -> list[tuple[str, str, Decimal]]:
    """Return (step, invoice, open amount) of every action on ``on``."""
    evaluation = evaluate(make_policy(), snapshot, d(on), VERSION)
    return [(a.step, i.id, i.open) for a in evaluation.actions for i in a.invoices]


def reversal(kind: str, amount: str, on: str = "2026-10-10", **target: str) -> dict[str, Any]:
    """Return a reversal of ``kind`` giving back ``amount`` of the payment (or ``target``)."""
    return {"id": f"{kind}-1", "customer": "C1", "kind": kind, "date": on, "amount": amount,
            "currency": "GBP", **(target or {"payment": "PAY-1"})}  # fmt: skip


def write_off(amount: str, on: str = "2026-10-10") -> dict[str, Any]:
    """Return a write-off of ``amount`` of INV-1."""
    return {"id": "WO-1", "customer": "C1", "invoice": "INV-1", "date": on, "amount": amount,
            "currency": "GBP", "reason": "Customer insolvent",
            "by": "credit-controller"}  # fmt: skip


CASES = [
    ("paid-in-full", {"payments": [PAID]}, []),
    ("refund-reopens-part", {"payments": [PAID], "reversals": [reversal("refund", "300.00")]},
     [("second-reminder", "INV-1", Decimal("300.00"))]),
    ("chargeback-reopens-all", {"payments": [PAID],
                                "reversals": [reversal("chargeback", "1200.00")]},
     [("second-reminder", "INV-1", Decimal("1200.00"))]),
    ("bounced-payment-reversed", {"payments": [PAID],
                                  "reversals": [reversal("reversal", "1200.00")]},
     [("second-reminder", "INV-1", Decimal("1200.00"))]),
    ("credit-note-reversed", {
        "credit_notes": [{**PAID, "id": "CN-1", "amount": "200.00"}],
        "reversals": [reversal("reversal", "200.00", credit_note="CN-1")]},
     [("second-reminder", "INV-1", Decimal("1200.00"))]),
    ("refund-after-the-day", {"payments": [PAID],
                              "reversals": [reversal("refund", "300.00", on="2026-10-20")]}, []),
    ("full-write-off", {"write_offs": [write_off("1200.00")]}, []),
    ("partial-write-off", {"write_offs": [write_off("1000.00")]},
     [("second-reminder", "INV-1", Decimal("200.00"))]),
    ("write-off-after-the-day", {"write_offs": [write_off("1200.00", on="2026-10-17")]},
     [("second-reminder", "INV-1", Decimal("1200.00"))]),
    ("refund-of-cash-on-account", {
        "payments": [{**PAID, "invoice": None, "amount": "1200.00"}],
        "reversals": [reversal("refund", "500.00")]},
     [("second-reminder", "INV-1", Decimal("500.00"))]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("sections", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_what_is_written_off_or_given_back_changes_what_is_owed(
    sections: dict[str, list[dict[str, Any]]], expected: list[tuple[str, str, Decimal]]
) -> None:
    for records in sections.values():
        for record in records:
            if record.get("invoice", "") is None:
                del record["invoice"]
    assert chased(ledger(**sections)) == expected


def test_a_refund_no_longer_keeps_a_promise() -> None:
    """A promise to pay GBP 1,200.00 by 10-12, kept by the payment of 10-05, is broken once
    GBP 300.00 of it is refunded on 10-10 (cash given back is not paid)."""
    promise = {"id": "PTP-1", "customer": "C1", "made": "2026-10-02", "pay_by": "2026-10-12",
               "amount": "1200.00", "currency": "GBP", "invoices": ["INV-1"]}  # fmt: skip
    kept = ledger(payments=[PAID], promises=[promise])
    refunded = ledger(
        payments=[PAID], promises=[promise], reversals=[reversal("refund", "300.00")]
    )
    assert chased(kept) == []
    evaluation = evaluate(make_policy(), refunded, d("2026-10-16"), VERSION)
    assert [(a.step, a.invoices[0].open) for a in evaluation.actions] == [
        ("second-reminder", Decimal("300.00"))
    ]
    assert any("promise" in r.text.lower() for r in evaluation.actions[0].reasons)


BAD = [
    ("unknown-payment", {"payments": [PAID], "reversals": [reversal("refund", "1.00",
                                                                    payment="PAY-9")]},
     [("L015", "reversals[0].payment")]),
    ("refund-above-payment", {"payments": [PAID], "reversals": [
        reversal("refund", "1000.00"), {**reversal("refund", "300.00"), "id": "refund-2"}]},
     [("L016", "reversals[1].amount")]),
    ("credit-note-refunded", {"credit_notes": [{**PAID, "id": "CN-1"}],
                              "reversals": [reversal("refund", "1.00", credit_note="CN-1")]},
     [("L013", "reversals[0].kind")]),
    ("neither", {"payments": [PAID], "reversals": [
        {k: v for k, v in reversal("refund", "1.00").items() if k != "payment"}]},
     [("L003", "reversals[0]")]),
    ("unknown-kind", {"payments": [PAID], "reversals": [reversal("void", "1.00")]},
     [("L013", "reversals[0].kind")]),
    ("write-off-above-invoice", {"write_offs": [write_off("1200.01")]},
     [("L016", "write_offs[0].amount")]),
    ("write-off-without-reason", {"write_offs": [
        {k: v for k, v in write_off("1.00").items() if k != "reason"}]},
     [("L003", "write_offs[0]")]),
]  # fmt: skip


@pytest.mark.parametrize(("sections", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_bad_record_is_reported_where_it_is(
    sections: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    snapshot, problems = ledger_from_data({"invoices": [INVOICE], **sections}, "ledger.yaml")
    assert snapshot is None
    assert [(p.code, p.path) for p in problems] == expected
