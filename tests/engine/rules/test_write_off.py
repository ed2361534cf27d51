"""Rule "write-off" (docs/rules/write-off.md): oldest first up to what is open, the threshold per
currency, and who may approve (four eyes, the approver role, admins when the policy names none)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from engine.model.policy import WriteOffRules
from engine.rules.balances import account_balances
from engine.rules.context import EvaluationContext
from engine.rules.write_off import (
    WriteOffLine,
    WriteOffRefusedError,
    allocate_write_off,
    approval_refused,
    needs_approval,
)
from tests.engine.builders import account, d, invoice, make_policy

POLICY = make_policy(
    roles={"finance-director": ("mark",)},
    write_off=WriteOffRules({"GBP": Decimal("100.00")}, "finance-director"),
)
LEDGER = account(
    "C1",
    invoice("INV-2", "2026-09-10", "300.00"),
    invoice("INV-1", "2026-09-01", "200.00", paid=[("2026-10-01", "50.00")]),
    invoice("INV-3", "2026-09-05", "90.00", currency="EUR"),
)
BALANCES = account_balances(EvaluationContext(POLICY), LEDGER, d("2026-11-16"))


@pytest.mark.parametrize(
    ("amount", "lines"),
    [
        ("100.00", [("INV-1", "100.00")]),
        ("150.00", [("INV-1", "150.00")]),
        ("150.01", [("INV-1", "150.00"), ("INV-2", "0.01")]),
        ("450.00", [("INV-1", "150.00"), ("INV-2", "300.00")]),
    ],
    ids=["part-of-oldest", "all-of-oldest", "into-the-next", "everything"],
)
def test_a_write_off_falls_on_the_oldest_invoice_first(
    amount: str, lines: list[tuple[str, str]]
) -> None:
    got = allocate_write_off(BALANCES, ["INV-2", "INV-1"], Decimal(amount), "GBP")
    assert got == tuple(WriteOffLine(i, Decimal(a)) for i, a in lines)


@pytest.mark.parametrize(
    ("amount", "invoices", "currency", "field", "words"),
    [
        ("450.01", ["INV-1", "INV-2"], "GBP", "amount", "more than the GBP 450.00 open"),
        ("0", ["INV-1"], "GBP", "amount", "more than zero"),
        ("1.001", ["INV-1"], "GBP", "amount", "more decimals than GBP"),
        ("10.00", ["INV-1", "INV-3"], "GBP", "currency", "INV-3 is in EUR"),
        ("10.00", ["INV-9"], "GBP", "invoices", "INV-9 has nothing open"),
        ("10.00", [], "GBP", "invoices", "name the invoices"),
    ],
    ids=["more-than-open", "zero", "too-many-decimals", "two-currencies", "not-open", "none"],
)
def test_a_write_off_that_cannot_be_made_says_why(
    amount: str, invoices: list[str], currency: str, field: str, words: str
) -> None:
    with pytest.raises(WriteOffRefusedError) as refused:
        allocate_write_off(BALANCES, invoices, Decimal(amount), currency)
    assert refused.value.field == field and words in str(refused.value)


def test_the_threshold_is_per_currency_and_a_currency_without_one_needs_approval() -> None:
    assert not needs_approval(POLICY, Decimal("100.00"), "GBP")
    assert needs_approval(POLICY, Decimal("100.01"), "GBP")
    assert needs_approval(POLICY, Decimal("1.00"), "EUR")


def test_four_eyes_and_the_approver_role() -> None:
    assert approval_refused(POLICY, approver="mark", is_admin=False, proposer="nina") is None
    own = approval_refused(POLICY, approver="mark", is_admin=True, proposer="mark")
    assert own is not None and "four eyes" in own
    other = approval_refused(POLICY, approver="fiona", is_admin=True, proposer="nina")
    assert other is not None and "finance-director" in other
    admins = replace(POLICY, write_off=WriteOffRules({}, None))
    assert approval_refused(admins, approver="root", is_admin=True, proposer="nina") is None
    assert approval_refused(admins, approver="fiona", is_admin=False, proposer="nina") is not None
