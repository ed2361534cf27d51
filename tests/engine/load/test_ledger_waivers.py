"""Ledger files carry waivers of charges, with the store's checks (rule "charges owed",
docs/rules/charges.md).

Worked example after the UK guidance "Late commercial payments: charging interest and debt
recovery" (https://www.gov.uk/late-commercial-payments-interest-debt-recovery): the fixed sum and
interest are claimed on top of the debt, so paying the invoice's GBP 1,200.00 leaves the GBP 15.00
reminder fee owed until it is paid or waived; a supplier may waive it (a goodwill gesture), and
from that day the customer owes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from engine.load.ledger_file import ledger_from_data
from engine.model.ledger import ChargeWaiver
from engine.rules.charges_owed import charges_owed
from tests.engine.builders import make_policy

CHARGED = date(2026, 10, 15)


def ledger(*waivers: dict[str, Any]) -> dict[str, Any]:
    """ACME's INV-1 (GBP 1,200.00), paid on 18 October; a GBP 15.00 fee charged on the 15th."""
    return {
        "invoices": [{"id": "INV-1", "customer": "ACME", "issued": "2026-09-01",
                      "amount": "1200.00", "currency": "GBP"}],
        "payments": [{"id": "PAY-1", "customer": "ACME", "date": "2026-10-18",
                      "amount": "1200.00", "currency": "GBP", "invoice": "INV-1"}],
        "history": [
            {"action_id": "A-FEE", "customer": "ACME", "step": "second-reminder",
             "invoices": ["INV-1"], "date": "2026-10-15", "status": "done", "fee": "15.00",
             "currency": "GBP"},
            {"action_id": "A-NONE", "customer": "ACME", "step": "first-reminder",
             "invoices": ["INV-1"], "date": "2026-10-02", "status": "done"},
        ],
        "waivers": list(waivers),
    }  # fmt: skip


def waiver(**fields: str) -> dict[str, str]:
    return {"id": "W-1", "customer": "ACME", "action_id": "A-FEE", "date": "2026-10-22",
            "reason": "Goodwill: first late payment", "who": "ann", **fields}  # fmt: skip


def test_a_waiver_in_a_ledger_file_takes_the_fee_off_from_its_day() -> None:
    snapshot, problems = ledger_from_data(ledger(waiver()), "ledger.yaml")
    assert problems == []
    assert snapshot is not None
    acme = snapshot.customers[0]
    assert acme.waivers == (
        ChargeWaiver("W-1", "ACME", "A-FEE", date(2026, 10, 22), "Goodwill: first late payment",
                     "ann"),
    )  # fmt: skip
    policy = make_policy()
    assert charges_owed(policy, acme, date(2026, 10, 21)).owed() == {"GBP": Decimal("15.00")}
    assert charges_owed(policy, acme, date(2026, 10, 22)).owed() == {}


@pytest.mark.parametrize(
    ("fields", "path", "code", "words"),
    [
        ({"action_id": "A-NONE"}, "action_id", "L017", "charged no fee or interest"),
        ({"action_id": "A-OTHER"}, "action_id", "L017", "charged no fee or interest"),
        ({"date": "2026-10-14"}, "action_id", "L017", "on or before 2026-10-14"),
        ({"customer": "OTHER"}, "customer", "L009", "customer 'OTHER'"),
        ({"reason": "  "}, "reason", "L003", "a waiver needs a reason"),
        ({"date": "1700000000"}, "date", "L005", "Unix timestamp"),
        ({"by": "ann"}, "by", "L002", "'by' is not a field here"),
    ],
    ids=["no-charge", "unknown-action", "before-the-charge", "unknown-customer", "blank-reason",
         "timestamp", "unknown-field"],
)  # fmt: skip
def test_a_waiver_of_nothing_is_refused(
    fields: dict[str, str], path: str, code: str, words: str
) -> None:
    snapshot, problems = ledger_from_data(ledger(waiver(**fields)), "ledger.yaml")
    assert snapshot is None
    assert [(p.path, p.code) for p in problems] == [(f"waivers[0].{path}", code)]
    assert words in problems[0].message


def test_an_actions_charges_are_waived_once() -> None:
    twice = ledger(waiver(), waiver(id="W-2", date="2026-10-25"))
    snapshot, problems = ledger_from_data(twice, "ledger.yaml")
    assert snapshot is None
    assert [(p.path, p.code) for p in problems] == [("waivers[1].action_id", "L008")]
    assert "waived twice" in problems[0].message
