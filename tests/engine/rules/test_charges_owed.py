"""Rule "charges owed" (docs/rules/charges.md): reminder fees and interest, once charged, are owed,
paid down in the policy's allocation order, waived with a reason, and chased.

Worked examples: German Civil Code (BGB) section 367(1), "If the obligor, in addition to the
principal performance, must pay interest and costs, then a performance that is insufficient to
discharge the entire debt is credited first to the costs, then to the interest and finally to
the principal performance" (https://www.gesetze-im-internet.de/englisch_bgb/englisch_bgb.html#p1324);
and the UK guidance "Late commercial payments: charging interest and debt recovery"
(https://www.gov.uk/late-commercial-payments-interest-debt-recovery), where interest and the
fixed compensation are claimed on top of the debt, which the payment of the invoice settles.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from engine.model.ledger import ChargeWaiver, CustomerLedger
from engine.model.policy import Policy
from engine.rules.balances import account_balances
from engine.rules.charges_owed import charges_owed
from engine.rules.context import EvaluationContext
from tests.engine.builders import account, d, done, invoice, m, make_policy, run, unapplied

FEE = done("second-reminder", ["INV-1"], "2026-10-15", fee="15.00", action_id="A-FEE")
INTEREST = done("final-notice", ["INV-1"], "2026-11-15", interest="87.75", action_id="A-INT")


def policy(allocation: str = "principal_first") -> Policy:
    return replace(make_policy(), charge_allocation=allocation)


def owed(ledger: CustomerLedger, on: str, allocation: str = "principal_first") -> dict[str, str]:
    result = charges_owed(policy(allocation), ledger, d(on))
    return {c.action_id: f"{c.kind} {c.amount} paid {c.paid} owed {c.owed}" for c in result.charges}


def test_charges_are_owed_until_paid() -> None:
    """Rule "charges owed": a fee and interest recorded done belong to the invoice and are owed;
    the invoice itself is still open for its whole amount."""
    ledger = account("C1", invoice("INV-1", "2026-09-01", "1200.00"), history=[FEE, INTEREST])
    result = charges_owed(policy(), ledger, d("2026-11-20"))
    assert [(c.kind, c.invoice_id, c.owed) for c in result.charges] == [
        ("fee", "INV-1", m("15.00")),
        ("interest", "INV-1", m("87.75")),
    ]
    assert result.owed() == {"GBP": m("102.75")}
    # Before the fee was charged, nothing is owed (rule "as of a date").
    assert charges_owed(policy(), ledger, d("2026-10-14")).charges == ()


@pytest.mark.parametrize(
    ("allocation", "open_principal", "charges_left"),
    [
        # BGB s. 367(1): 500.00 pays costs (15.00), then interest (87.75), then 397.25 of the
        # principal: 1,200.00 - 397.25 = 802.75 stays open, nothing is owed in charges.
        ("charges_first", "802.75", "0"),
        # Principal first: 500.00 pays the invoice (700.00 open); the charges stay owed.
        ("principal_first", "700.00", "102.75"),
    ],
    ids=["charges-first-bgb-367", "principal-first"],
)
def test_a_part_payment_in_the_allocation_order(
    allocation: str, open_principal: str, charges_left: str
) -> None:
    """Rule "charges owed": a payment too small for the whole debt is shared in the policy's
    order, and the customer page shows the invoice open by what is left of its amount."""
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-11-20", "500.00")]),
        history=[FEE, INTEREST],
    )
    pol = policy(allocation)
    result = charges_owed(pol, ledger, d("2026-11-25"))
    assert sum((c.owed for c in result.charges), Decimal(0)) == m(charges_left)
    balances = account_balances(EvaluationContext(pol), ledger, d("2026-11-25"))
    assert [(e.invoice.id, e.open) for e in balances.invoices] == [("INV-1", m(open_principal))]


def test_charges_first_pays_only_the_charges_made_by_the_day_of_payment() -> None:
    """Rule "charges owed": under charges_first a payment pays the charges owed on its day; a
    charge made later is owed in full (the payment went to the principal)."""
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-11-01", "500.00")]),
        history=[FEE, INTEREST],
    )
    assert owed(ledger, "2026-11-25", "charges_first") == {
        "A-FEE": "fee 15.00 paid 15.00 owed 0.00",
        "A-INT": "interest 87.75 paid 0 owed 87.75",
    }


def test_paid_beyond_the_invoice_pays_its_charges() -> None:
    """Rule "charges owed": under principal_first what is paid beyond the invoice's amount pays
    its charges, fees before interest (costs before interest, BGB s. 367(1))."""
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-11-20", "1250.00")]),
        history=[FEE, INTEREST],
    )
    assert owed(ledger, "2026-11-25") == {
        "A-FEE": "fee 15.00 paid 15.00 owed 0.00",
        "A-INT": "interest 87.75 paid 35.00 owed 52.75",
    }


def test_cash_on_the_account_pays_charges_once_the_invoices_are_paid() -> None:
    """Rule "charges owed": unapplied cash pays the open invoices first (rule "unapplied cash"),
    and what is left of it the charges."""
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-10-20", "1200.00")]),
        history=[FEE],
        unapplied=[unapplied("PAY-9", "2026-10-21", "10.00")],
    )
    assert owed(ledger, "2026-10-25") == {"A-FEE": "fee 15.00 paid 10.00 owed 5.00"}
    ignoring = replace(policy(), unapplied_cash="ignore")
    result = charges_owed(ignoring, ledger, d("2026-10-25"))
    assert result.owed() == {"GBP": m("15.00")}


def test_a_waiver_takes_the_charges_off_from_its_date() -> None:
    """Rule "charges owed": a waiver takes an action's charges off the account from its date,
    with who and why; before that date they were owed."""
    waiver = ChargeWaiver("W-1", "C1", "A-FEE", d("2026-10-20"), "goodwill", "ann")
    ledger = account(
        "C1", invoice("INV-1", "2026-09-01", "1200.00"), history=[FEE], waivers=[waiver]
    )
    after = charges_owed(policy(), ledger, d("2026-10-21"))
    assert [(c.waived, c.owed, c.waiver) for c in after.charges] == [(m("15.00"), m("0.00"), "W-1")]
    assert after.owed() == {}
    assert charges_owed(policy(), ledger, d("2026-10-19")).owed() == {"GBP": m("15.00")}


def test_an_invoice_paid_but_owing_charges_is_still_chased() -> None:
    """Rule "charges owed": an invoice whose amount is paid but whose fee is still owed stays on
    the list for the fee (the call at due+21d), and is not charged compensation again; once the
    fee is waived it leaves the list."""
    paid = invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-10-18", "1200.00")])
    ledger = account("C1", paid, history=[FEE])
    actions = run(policy(), ledger, on="2026-10-22").actions
    assert [(a.step, [(i.id, i.open, i.charges_owed) for i in a.invoices]) for a in actions] == [
        ("call", [("INV-1", m("0"), m("15.00"))])
    ]
    assert actions[0].totals == {"GBP": m("15.00")}  # what the call chases
    waived = ledger._replace(
        waivers=(ChargeWaiver("W-1", "C1", "A-FEE", d("2026-10-21"), "goodwill"),)
    )
    assert run(policy(), waived, on="2026-10-22").actions == ()


def test_charges_first_keeps_the_invoice_open_on_the_list() -> None:
    """Rule "charges owed": under charges_first the invoice paid in its amount stays open by
    the fee its payment paid first, and is chased for that."""
    paid = invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-10-18", "1200.00")])
    ledger = account("C1", paid, history=[FEE])
    action = run(policy("charges_first"), ledger, on="2026-10-22").actions[0]
    assert [(i.id, i.open) for i in action.invoices] == [("INV-1", m("15.00"))]
    assert charges_owed(policy("charges_first"), ledger, d("2026-10-22")).owed() == {}


def test_the_list_shows_charges_owed_beside_what_is_open() -> None:
    """Rule "charges owed": an invoice chased with a fee still owed on it shows both, and the
    action chases their sum; the list counts each invoice's charges once."""
    ledger = account("C1", invoice("INV-1", "2026-09-01", "1200.00"), history=[FEE])
    evaluation = run(policy(), ledger, on="2026-10-22")
    (action,) = evaluation.actions
    assert [(i.open, i.charges_owed) for i in action.invoices] == [(m("1200.00"), m("15.00"))]
    assert action.totals == {"GBP": m("1215.00")}
    assert evaluation.totals_by_currency() == {"GBP": m("1200.00")}
    assert evaluation.charges_owed_by_currency() == {"GBP": m("15.00")}
