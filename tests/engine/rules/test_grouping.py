"""Rules "one action per step", "escalation" and "write-off review" (docs/rules/ladder.md),
through the daily list.
"""

from __future__ import annotations

from engine.model.policy import Contact
from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    done,
    invoice,
    m,
    make_policy,
    only,
    run,
    steps_of,
)


def test_one_action_per_customer_step_and_currency_totals() -> None:
    """Rule "one action per step": invoices that reached the same step make one action, whatever
    their currency; its totals are per currency."""
    ledger = account(
        "C1",
        invoice("INV-2", "2026-09-01", "800.00", "EUR"),
        invoice("INV-1", "2026-09-01", "1200.00"),
        invoice("INV-3", "2026-09-01", "300.00"),
        invoice("INV-4", "2026-09-10", "50.00"),  # due 10 Oct: first-reminder on 11 Oct
    )
    evaluation = run(make_policy(), ledger, on="2026-10-16")
    assert steps_of(evaluation) == [
        ("C1", "first-reminder", ("INV-4",)),
        ("C1", "second-reminder", ("INV-1", "INV-2", "INV-3")),
    ]
    assert evaluation.actions[1].totals == {"EUR": m("800.00"), "GBP": m("1500.00")}
    assert [a.step_index for a in evaluation.actions] == [1, 2]


def test_escalation_carries_what_an_agency_needs() -> None:
    """Rule "escalation": an escalate action names the agency and carries the customer, contacts,
    invoices and the contacts made so far."""
    file = customer_file(
        "C1", name="Acme Trading Ltd", contacts=(Contact("Ann Payable", "ap@acme.example"),)
    )
    history = [
        done("first-reminder", ["INV-1"], "2026-10-02"),
        done("call", ["INV-1"], "2026-10-22"),
        done("credit-hold", ["INV-1"], "2026-10-31"),
        done("final-notice", ["INV-1"], "2026-11-15"),
    ]
    inv = invoice("INV-1", "2026-09-01", "600.00")
    action = only(
        run(make_policy(customers=[file]), account("C1", inv, history=history), on="2026-12-15")
    )
    assert (action.kind, action.escalate_to, action.step) == ("escalate", "agency", "agency")
    facts = action.reasons[-1].facts
    assert facts["customer_name"] == "Acme Trading Ltd"
    assert facts["contacts"] == "Ann Payable <ap@acme.example>"
    assert facts["invoices"] == "INV-1 issued 2026-09-01, due 2026-10-01, GBP 600.00 open"
    assert facts["contact_history"] == (
        "2026-10-02 first-reminder (INV-1); 2026-10-22 call (INV-1); "
        "2026-11-15 final-notice (INV-1)"
    )


def test_write_off_review() -> None:
    """Rule "write-off review": the step makes a write_off_review action."""
    history = [done("agency", ["INV-1"], "2026-12-15")]
    action = only(run(make_policy(), account("C1", INV_1, history=history), on="2027-03-30"))
    assert (action.kind, action.step, action.channel) == (
        "write_off_review",
        "write-off-review",
        None,
    )
