"""Rule "as of a date" (docs/rules/as-of.md): records dated after the day never count.

Worked example after Xero's receivables report, which shows an invoice "awaiting payment on the
report date ... even if [it was] paid afterward" and shows "payments as at a certain date" (Xero
Help, "Accounts Receivable Invoices report", https://help.xero.com/us/Report_AgedreceivableInvoices).
INV-1, GBP 1,200.00 issued 2026-09-01 on 30-day terms (due 10-01), is evaluated on 2026-10-16
(due+15: the second reminder). Everything recorded after that day (its payment in full on 10-20,
a dispute opened on 10-18, a promise made on 10-17, a plan agreed on 10-19, the second reminder
logged as done on 10-17, unapplied cash of 10-25, an invoice issued on 10-17) leaves the list for
10-16 as it was: the second reminder on GBP 1,200.00.
"""

from __future__ import annotations

from engine.model.actions import Evaluation
from engine.rules.as_of import ledger_as_of
from tests.engine.builders import (
    account,
    d,
    dispute,
    done,
    invoice,
    m,
    make_policy,
    plan,
    promise,
    run,
    unapplied,
)

DAY = "2026-10-16"


def said(evaluation: Evaluation) -> list[tuple[str, str, str]]:
    """Return (step, invoice, open amount) of each action, and what is held back."""
    return [(a.step, i.id, str(i.open)) for a in evaluation.actions for i in a.invoices] + [
        (s.code, ",".join(s.invoice_ids), s.step or "") for s in evaluation.suppressions
    ]


def test_records_dated_after_the_day_never_change_its_list() -> None:
    policy = make_policy()
    as_it_stood = account("C1", invoice("INV-1", "2026-09-01", "1200.00"))
    with_later = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-10-20", "1200.00")]),
        invoice("INV-2", "2026-10-17", "300.00"),
        history=[done("second-reminder", ["INV-1"], "2026-10-17")],
        unapplied=[unapplied("CASH-1", "2026-10-25", "500.00")],
        disputes=[dispute("INV-1", "2026-10-18")],
        promises=[promise("2026-10-17", "2026-10-30", "1200.00", invoices=["INV-1"])],
        plans=[plan("2026-10-19", ["INV-1"], [("2026-11-01", "1200.00")])],
    )
    expected = [("second-reminder", "INV-1", "1200.00")]
    assert said(run(policy, as_it_stood, on=DAY)) == expected
    assert said(run(policy, with_later, on=DAY)) == expected
    # Once its day comes, a record counts: the reminder logged as done on 10-17 is not due again.
    assert said(run(policy, with_later, on="2026-10-17")) == []


def test_a_dispute_resolved_after_the_day_was_open_on_it() -> None:
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00"),
        disputes=[dispute("INV-1", "2026-10-10", resolved="2026-10-20")],
    )
    on_the_day = ledger_as_of(ledger, d(DAY))
    assert [(x.id, x.resolved) for x in on_the_day.disputes] == [("D-INV-1", None)]
    assert said(run(make_policy(), ledger, on=DAY))[0][0] == "dispute"


def test_a_ledger_with_nothing_later_is_handed_back_as_it_is() -> None:
    ledger = account("C1", invoice("INV-1", "2026-09-01", "1200.00", paid=[(DAY, "200.00")]))
    assert ledger_as_of(ledger, d(DAY)) is ledger
    later = ledger_as_of(ledger, d("2026-10-15"))
    assert later.invoices[0].settlements == ()
    assert later.invoices[0].amount == m("1200.00")
