"""The daily action list, rule by rule (docs/rules/ladder.md).

Unless a test says otherwise the policy is ``make_policy()``: the ``standard`` ladder below, net30
terms, no guardrails, no minimum balance. INV-1, issued Tue 1 Sep 2026 for GBP 1,200.00, is due
Thu 1 Oct; its steps fall due on:

    courtesy 28 Sep, first-reminder 2 Oct, second-reminder 15 Oct (fee), call 22 Oct,
    credit-hold 31 Oct, final-notice 15 Nov (interest), agency 15 Dec (GBP 500 or more),
    write-off-review 30 Mar 2027
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from typing import Any

import pytest

from engine.evaluate import EvaluationContext, action_id, evaluate_customer
from engine.model.actions import Action, Evaluation
from engine.model.ledger import ActionStatus, Customer
from engine.model.policy import Contact, Guardrails, RatePeriod, ReferenceRate
from tests.engine.builders import (
    VERSION,
    account,
    customer_file,
    d,
    dispute,
    done,
    invoice,
    ladder,
    m,
    make_policy,
    plan,
    promise,
    run,
    step,
    steps_of,
    unapplied,
)

INV_1 = invoice("INV-1", "2026-09-01", "1200.00")


def opens(evaluation: Evaluation) -> list[tuple[str, str, Decimal]]:
    """Return (step, invoice, open) of every invoice in every action."""
    return [(a.step, i.id, i.open) for a in evaluation.actions for i in a.invoices]


def only(evaluation: Evaluation) -> Action:
    assert len(evaluation.actions) == 1, steps_of(evaluation)
    return evaluation.actions[0]


# -- rule "open amounts" -------------------------------------------------------------------------

OPEN_CASES = [
    ("partial-payment-before-D", invoice("INV-1", "2026-09-01", "1200.00",
     paid=[("2026-10-05", "200.00")]), [("second-reminder", "INV-1", m("1000.00"))]),
    ("payment-after-D-is-ignored", invoice("INV-1", "2026-09-01", "1200.00",
     paid=[("2026-10-20", "1200.00")]), [("second-reminder", "INV-1", m("1200.00"))]),
    ("credit-note", invoice("INV-1", "2026-09-01", "1200.00",
     credited=[("2026-10-01", "50.00")]), [("second-reminder", "INV-1", m("1150.00"))]),
    ("paid-in-full", invoice("INV-1", "2026-09-01", "1200.00",
     paid=[("2026-10-05", "1200.00")]), []),
    ("paid-in-two-parts", invoice("INV-1", "2026-09-01", "1200.00",
     paid=[("2026-10-05", "700.00"), ("2026-10-06", "500.00")]), []),
    ("paid-and-credited", invoice("INV-1", "2026-09-01", "1200.00",
     paid=[("2026-10-05", "1000.00")], credited=[("2026-10-06", "200.00")]), []),
    ("issued-after-D", invoice("INV-1", "2026-10-17", "1200.00"), []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inv", "expected"), [c[1:] for c in OPEN_CASES], ids=[c[0] for c in OPEN_CASES]
)
def test_open_amounts(inv: Any, expected: list[tuple[str, str, Decimal]]) -> None:
    """Rule "open amounts": amount less settlements dated on or before D; later invoices ignored."""
    assert opens(run(make_policy(), account("C1", inv), on="2026-10-16")) == expected


# INV-B falls due before INV-A although it was issued later: unapplied cash pays it first.
INV_A = invoice("INV-A", "2026-09-01", "1200.00", due="2026-10-10")
INV_B = invoice("INV-B", "2026-09-05", "1200.00", due="2026-10-01")

UNAPPLIED_CASES = [
    ("oldest-due-first", [unapplied("PAY-9", "2026-10-05", "500.00")], {},
     [("first-reminder", "INV-A", m("1200.00")), ("second-reminder", "INV-B", m("700.00"))]),
    ("clears-one-then-the-next", [unapplied("PAY-9", "2026-10-05", "1500.00")], {},
     [("first-reminder", "INV-A", m("900.00"))]),
    ("credit-notes-too", [unapplied("CN-9", "2026-10-05", "500.00", credit=True)], {},
     [("first-reminder", "INV-A", m("1200.00")), ("second-reminder", "INV-B", m("700.00"))]),
    ("same-currency-only", [unapplied("PAY-9", "2026-10-05", "500.00", "EUR")], {},
     [("first-reminder", "INV-A", m("1200.00")), ("second-reminder", "INV-B", m("1200.00"))]),
    ("dated-after-D", [unapplied("PAY-9", "2026-10-17", "500.00")], {},
     [("first-reminder", "INV-A", m("1200.00")), ("second-reminder", "INV-B", m("1200.00"))]),
    ("policy-switches-it-off", [unapplied("PAY-9", "2026-10-05", "500.00")],
     {"unapplied_cash": "ignore"},
     [("first-reminder", "INV-A", m("1200.00")), ("second-reminder", "INV-B", m("1200.00"))]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("cash", "options", "expected"),
    [c[1:] for c in UNAPPLIED_CASES],
    ids=[c[0] for c in UNAPPLIED_CASES],
)
def test_unapplied_cash(cash: list[Any], options: dict[str, Any], expected: list[Any]) -> None:
    """Rule "unapplied cash": reduces the oldest open invoices of its currency first."""
    ledger = account("C1", INV_A, INV_B, unapplied=cash)
    assert opens(run(make_policy(**options), ledger, on="2026-10-16")) == expected


# -- rules "due date" and "step dates" -----------------------------------------------------------

DUE_CASES = [
    ("explicit-due-date", invoice("INV-1", "2026-09-01", "1200.00", due="2026-09-15"),
     "2026-09-30", "second-reminder", "2026-09-15"),
    ("invoice-terms-override-the-customer", invoice("INV-1", "2026-09-01", "1200.00",
     terms="net14"), "2026-09-30", "second-reminder", "2026-09-15"),
    ("customer-terms", INV_1, "2026-09-30", "courtesy", "2026-10-01"),
    ("due-on-a-saturday-rolls-to-monday", invoice("INV-1", "2026-09-03", "1200.00"),
     "2026-10-06", "first-reminder", "2026-10-05"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inv", "on", "step_id", "due"), [c[1:] for c in DUE_CASES], ids=[c[0] for c in DUE_CASES]
)
def test_due_date(inv: Any, on: str, step_id: str, due: str) -> None:
    """Rule "due date": the invoice's due date, else its own terms, else the customer's."""
    action = only(run(make_policy(), account("C1", inv), on=on))
    assert action.step == step_id
    assert action.invoices[0].due == d(due)


def test_unknown_invoice_terms_fall_back_and_say_so() -> None:
    """Rule "due date": terms the policy lacks fall back to the customer's terms, with a note."""
    inv = invoice("INV-1", "2026-09-01", "1200.00", terms="net99")
    action = only(run(make_policy(), account("C1", inv), on="2026-09-30"))
    assert action.step == "courtesy"
    assert any("names terms 'net99'" in r.text for r in action.reasons)


DISCOUNT_LADDER = ladder(
    "standard",
    [
        step("delivery-check", "invoice+2d"),
        step("discount-nudge", "discount-2d"),
        step("courtesy", "due-3d"),
    ],
)


@pytest.mark.parametrize(
    ("terms", "expected"),
    [("2-10-net30", ["discount-nudge"]), ("net30", ["delivery-check"])],
    ids=["discount-terms", "no-discount-no-nudge"],
)
def test_discount_steps_apply_only_to_discount_terms(terms: str, expected: list[str]) -> None:
    """Rule "step dates": a `discount` step does not apply to an invoice without a discount."""
    inv = invoice("INV-1", "2026-09-01", "1200.00", terms=terms)
    evaluation = run(make_policy(ladders=[DISCOUNT_LADDER]), account("C1", inv), on="2026-09-09")
    assert [a.step for a in evaluation.actions] == expected


def test_discount_facts() -> None:
    """Rule "reasons": the discount deadline and amount are facts of a discount invoice."""
    inv = invoice("INV-1", "2026-09-01", "1200.00", terms="2-10-net30")
    action = only(run(make_policy(ladders=[DISCOUNT_LADDER]), account("C1", inv), on="2026-09-09"))
    facts = action.reasons[0].facts
    assert (facts["discount_deadline"], facts["discount_amount"]) == ("2026-09-11", "24.00")


@pytest.mark.parametrize(
    ("on", "expected"),
    [("2026-10-02", []), ("2026-10-05", ["first-reminder"])],
    ids=["friday-due-date-saturday-is-not-a-business-day", "next-monday"],
)
def test_business_day_offsets(on: str, expected: list[str]) -> None:
    """Rule "step dates": `bd` offsets count business days of the policy calendar."""
    bd = ladder("standard", [step("first-reminder", "due+1bd")])
    inv = invoice("INV-1", "2026-09-02", "1200.00")  # due Fri 2 Oct
    evaluation = run(make_policy(ladders=[bd]), account("C1", inv), on=on)
    assert [a.step for a in evaluation.actions] == expected


@pytest.mark.parametrize(
    ("delay", "expected"),
    [({}, "call"), ({"call": 5}, "second-reminder")],
    ids=["no-delay", "call-delayed-5-days"],
)
def test_customer_delay(delay: dict[str, int], expected: str) -> None:
    """Rule "step dates": the customer's delay moves that step later."""
    policy = make_policy(customers=[customer_file("C1", delay=delay)])
    assert only(run(policy, account("C1", INV_1), on="2026-10-23")).step == expected


# -- rules "step reached", "history", "catch-up" -------------------------------------------------

REACHED_CASES = [
    ("no-history-highest-step-only", [], "2026-10-23",
     ["call"], ["courtesy", "first-reminder", "second-reminder"]),
    ("supersedes-only-above-the-last-step-worked",
     [done("first-reminder", ["INV-1"], "2026-10-02")], "2026-10-23",
     ["call"], ["second-reminder"]),
    ("done-step-is-not-repeated", [done("call", ["INV-1"], "2026-10-22")], "2026-10-23", [], []),
    ("failed-step-is-retried",
     [done("call", ["INV-1"], "2026-10-22", status=ActionStatus.FAILED)], "2026-10-23",
     ["call"], ["courtesy", "first-reminder", "second-reminder"]),
    ("skipped-step-counts-as-worked",
     [done("call", ["INV-1"], "2026-10-22", status=ActionStatus.SKIPPED)], "2026-10-23", [], []),
    ("superseded-step-is-passed",
     [done("call", ["INV-1"], "2026-10-22", status=ActionStatus.SUPERSEDED)], "2026-10-23",
     [], []),
    ("never-back-down-the-ladder", [done("final-notice", ["INV-1"], "2026-10-22")],
     "2026-10-23", [], []),
    ("history-of-another-invoice-does-not-count", [done("call", ["INV-9"], "2026-10-22")],
     "2026-10-23", ["call"], ["courtesy", "first-reminder", "second-reminder"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "on", "expected_steps", "expected_superseded"),
    [c[1:] for c in REACHED_CASES],
    ids=[c[0] for c in REACHED_CASES],
)
def test_step_reached_history_and_catch_up(
    history: list[Any], on: str, expected_steps: list[str], expected_superseded: list[str]
) -> None:
    """Rules "step reached", "history", "catch-up": only the highest pending step is sent;
    the lower ones due since the last step worked are superseded by it."""
    evaluation = run(make_policy(), account("C1", INV_1, history=history), on=on)
    assert [a.step for a in evaluation.actions] == expected_steps
    assert sorted(s.step for s in evaluation.superseded) == sorted(expected_superseded)
    for item in evaluation.superseded:
        assert item.action_id == evaluation.actions[0].id
        assert (item.by_step, item.invoice_ids) == ("call", ("INV-1",))
    if expected_steps:
        assert list(evaluation.actions[0].supersedes) == expected_superseded


HOLD_CATCH_UP_CASES = [
    ("hold-jumped-over-is-placed-beside-the-letter", [],
     ["credit-hold", "final-notice"], ["call", "courtesy", "first-reminder", "second-reminder"]),
    ("already-on-hold-no-second-hold",
     [done("credit-hold", ["INV-9"], "2026-10-31")], ["final-notice"],
     ["call", "courtesy", "first-reminder", "second-reminder"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "expected_steps", "expected_superseded"),
    [c[1:] for c in HOLD_CATCH_UP_CASES],
    ids=[c[0] for c in HOLD_CATCH_UP_CASES],
)
def test_catch_up_never_supersedes_a_credit_hold(
    history: list[Any], expected_steps: list[str], expected_superseded: list[str]
) -> None:
    """Rules "catch-up" and "credit hold": catch-up sends only the highest letter, but a hold
    step jumped over is still placed (unless the account is already on hold), never superseded."""
    evaluation = run(make_policy(), account("C1", INV_1, history=history), on="2026-11-15")
    assert [a.step for a in evaluation.actions] == expected_steps
    assert sorted(s.step for s in evaluation.superseded) == expected_superseded


MIN_BALANCE_CASES = [
    ("one-invoice-below-the-step-minimum", [invoice("INV-1", "2026-09-01", "400.00")], []),
    ("the-customer-total-counts", [invoice("INV-1", "2026-09-01", "300.00"),
     invoice("INV-2", "2026-09-01", "300.00")], [("agency", ("INV-1", "INV-2"))]),
    ("above-the-minimum", [invoice("INV-1", "2026-09-01", "600.00")], [("agency", ("INV-1",))]),
    ("a-currency-the-step-does-not-name", [invoice("INV-1", "2026-09-01", "100.00", "EUR")],
     [("agency", ("INV-1",))]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("invoices", "expected"),
    [c[1:] for c in MIN_BALANCE_CASES],
    ids=[c[0] for c in MIN_BALANCE_CASES],
)
def test_step_min_balance(invoices: list[Any], expected: list[tuple[str, tuple[str, ...]]]) -> None:
    """Rule "step reached": a step below its min_balance (customer's total open balance in the
    currency) is not eligible; the step below it (already done here) stays the one reached."""
    history = [done("final-notice", [i.id for i in invoices], "2026-11-15")]
    ledger = account("C1", *invoices, history=history)
    evaluation = run(make_policy(), ledger, on="2026-12-16")
    assert [(a.step, a.invoice_ids) for a in evaluation.actions] == expected


def test_skipped_step() -> None:
    """Rule "step reached": a step the customer skips is never reached."""
    policy = make_policy(customers=[customer_file("C1", skip=["call"])])
    action = only(run(policy, account("C1", INV_1), on="2026-10-23"))
    assert action.step == "second-reminder"


REPEAT = ladder(
    "standard",
    [
        step("first-reminder", "due+1d"),
        step("final-reminder", "due+30d", "letter", repeat_days=14, fee="reminder-fee"),
    ],
)

REPEAT_CASES = [
    ("first-time", [], "2026-10-31", [("final-reminder", 0)]),
    ("not-before-14-days", [done("final-reminder", ["INV-1"], "2026-10-31")], "2026-11-13", []),
    ("repeats-after-14-days", [done("final-reminder", ["INV-1"], "2026-10-31")], "2026-11-14",
     [("final-reminder", 1)]),
    ("second-repetition", [done("final-reminder", ["INV-1"], "2026-10-31", action_id="a"),
     done("final-reminder", ["INV-1"], "2026-11-14", action_id="b")], "2026-11-28",
     [("final-reminder", 2)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("history", "on", "expected"), [c[1:] for c in REPEAT_CASES], ids=[c[0] for c in REPEAT_CASES]
)
def test_repeat_steps(history: list[Any], on: str, expected: list[tuple[str, int]]) -> None:
    """Rule "repeat": a repeat step comes back every N days until paid; repetitions charge no
    new fee."""
    evaluation = run(make_policy(ladders=[REPEAT]), account("C1", INV_1, history=history), on=on)
    assert [(a.step, a.occurrence) for a in evaluation.actions] == expected
    for action in evaluation.actions:
        assert [c.kind for c in action.charges] == ([] if action.occurrence else ["fee"])


# -- rule "suppressions" -------------------------------------------------------------------------

PLAN = plan("2026-10-05", ["INV-1"], [("2026-10-10", "400.00"), ("2026-11-10", "800.00")])
Held = tuple[str, str, str | None]

SUPPRESSION_CASES: list[tuple[str, dict[str, Any], list[Any], list[Held]]] = [
    ("dispute-open", {"disputes": [dispute("INV-1", "2026-10-10", reason="Wrong quantity")]}, [],
     [("dispute", "second-reminder", None)]),
    ("dispute-resolved-before-D", {"disputes": [dispute("INV-1", "2026-10-10", "2026-10-14")]},
     ["second-reminder"], []),
    ("dispute-resolved-on-D", {"disputes": [dispute("INV-1", "2026-10-10", "2026-10-16")]},
     ["second-reminder"], []),
    ("dispute-opened-after-D", {"disputes": [dispute("INV-1", "2026-10-17")]},
     ["second-reminder"], []),
    ("pause", {"file": {"pause": ("2026-10-31", "Restructuring agreed")}}, [],
     [("pause", "second-reminder", "2026-10-31")]),
    ("pause-ends-on-D", {"file": {"pause": ("2026-10-16", "Restructuring agreed")}}, [],
     [("pause", "second-reminder", "2026-10-16")]),
    ("pause-ended", {"file": {"pause": ("2026-10-15", "Restructuring agreed")}},
     ["second-reminder"], []),
    ("promise-not-yet-due", {"promises": [promise("2026-10-10", "2026-10-20", "1200.00")]}, [],
     [("promise", "second-reminder", "2026-10-20")]),
    ("promise-for-another-invoice",
     {"promises": [promise("2026-10-10", "2026-10-20", "100.00", invoices=["INV-2"])]},
     ["second-reminder"], []),
    ("promise-made-after-D", {"promises": [promise("2026-10-17", "2026-10-20", "1200.00")]},
     ["second-reminder"], []),
    ("plan-in-good-standing",
     {"paid": [("2026-10-09", "400.00")], "plans": [PLAN]},
     [], [("payment_plan", "second-reminder", "2026-11-10")]),
    ("plan-not-yet-agreed",
     {"plans": [plan("2026-10-17", ["INV-1"], [("2026-10-20", "1200.00")])]},
     ["second-reminder"], []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "expected_actions", "expected_held"),
    [c[1:] for c in SUPPRESSION_CASES],
    ids=[c[0] for c in SUPPRESSION_CASES],
)
def test_suppressions(
    setup: dict[str, Any],
    expected_actions: list[str],
    expected_held: list[tuple[str, str, str | None]],
) -> None:
    """Rule "suppressions": disputes, pauses, promises and plans hold chasing back, and each is
    reported with its reason and end."""
    files = [customer_file("C1", **setup["file"])] if "file" in setup else []
    inv = invoice("INV-1", "2026-09-01", "1200.00", paid=setup.get("paid", ()))
    ledger = account(
        "C1",
        inv,
        disputes=setup.get("disputes", ()),
        promises=setup.get("promises", ()),
        plans=setup.get("plans", ()),
    )
    evaluation = run(make_policy(customers=files), ledger, on="2026-10-16")
    assert [a.step for a in evaluation.actions] == expected_actions
    held = [
        (s.code, s.step, s.until.isoformat() if s.until else None) for s in evaluation.suppressions
    ]
    assert held == expected_held
    for item in evaluation.suppressions:
        assert item.invoice_ids == ("INV-1",)
        assert item.text


def test_suppression_texts() -> None:
    """Rule "suppressions": the reason in words names what holds the invoice back."""
    files = [customer_file("C2", pause=("2026-10-31", "Restructuring agreed with their CFO"))]
    ledgers = [
        account("C1", INV_1, disputes=[dispute("INV-1", "2026-10-10", reason="Wrong quantity")]),
        account("C2", invoice("INV-2", "2026-09-01", "50.00", customer="C2")),
        account(
            "C3",
            invoice("INV-3", "2026-09-01", "80.00", customer="C3"),
            promises=[promise("2026-10-10", "2026-10-20", "80.00", customer="C3")],
        ),
    ]
    evaluation = run(make_policy(customers=files), *ledgers, on="2026-10-16")
    assert [s.text for s in evaluation.suppressions] == [
        "Invoice INV-1 is disputed (D-INV-1, opened 2026-10-10: Wrong quantity); the step "
        "'second-reminder' waits until the dispute is resolved.",
        "Dunning is paused until 2026-10-31: Restructuring agreed with their CFO (customer file "
        "customers/C2.yaml); the step 'second-reminder' waits.",
        "Promised to pay GBP 80.00 by 2026-10-20 (PTP-1, made 2026-10-10); the step "
        "'second-reminder' waits until then.",
    ]


RESUMED_CASES = [
    ("broken-promise", {"promises": [promise("2026-10-05", "2026-10-10", "1200.00")]},
     "The promise to pay GBP 1,200.00 by 2026-10-10 (PTP-1, made 2026-10-05) was broken: "
     "GBP 0.00 paid since, so chasing resumes."),
    ("partly-kept-promise-is-broken",
     {"promises": [promise("2026-10-05", "2026-10-10", "500.00")],
      "paid": [("2026-10-08", "200.00")]},
     "The promise to pay GBP 500.00 by 2026-10-10 (PTP-1, made 2026-10-05) was broken: "
     "GBP 200.00 paid since, so chasing resumes."),
    ("kept-promise-says-nothing",
     {"promises": [promise("2026-10-05", "2026-10-10", "500.00")],
      "paid": [("2026-10-08", "500.00")]},
     None),
    ("plan-in-arrears",
     {"plans": [PLAN]},
     "Payment plan PLAN-1 is in arrears: GBP 0.00 paid of GBP 400.00 due by 2026-10-16, so its "
     "invoices are chased again."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "note"), [c[1:] for c in RESUMED_CASES], ids=[c[0] for c in RESUMED_CASES]
)
def test_broken_promises_and_plans_in_arrears_resume_chasing(
    setup: dict[str, Any], note: str | None
) -> None:
    """Rules "broken promise" and "plan in arrears": chasing resumes and the action says why."""
    inv = invoice("INV-1", "2026-09-01", "1200.00", paid=setup.get("paid", ()))
    ledger = account("C1", inv, promises=setup.get("promises", ()), plans=setup.get("plans", ()))
    action = only(run(make_policy(), ledger, on="2026-10-16"))
    texts = [r.text for r in action.reasons]
    if note is None:
        assert not any("promise" in t or "plan" in t for t in texts)
    else:
        assert note in texts


@pytest.mark.parametrize(
    ("invoices", "on", "expected_actions", "expected_held"),
    [
        ([invoice("INV-1", "2026-09-01", "8.00")], "2026-10-16", [], ["second-reminder"]),
        ([invoice("INV-1", "2026-09-01", "8.00"), invoice("INV-2", "2026-09-20", "500.00")],
         "2026-10-17", ["courtesy"], ["second-reminder"]),
        ([invoice("INV-1", "2026-09-01", "8.00"), invoice("INV-2", "2026-09-02", "5.00")],
         "2026-10-17", ["second-reminder"], []),
        ([invoice("INV-1", "2026-09-01", "8.00", "USD")], "2026-10-16", ["second-reminder"], []),
    ],
    ids=[
        "overdue-balance-below-the-minimum",
        "courtesy-reminder-uses-the-open-balance",
        "overdue-balance-is-the-customer-total",
        "currency-without-a-minimum",
    ],
)  # fmt: skip
def test_minimum_balance(
    invoices: list[Any], on: str, expected_actions: list[str], expected_held: list[str]
) -> None:
    """Rule "minimum balance": below the policy's min_balance in a currency, nobody is chased."""
    policy = make_policy(min_balance={"GBP": "10.00"})
    evaluation = run(policy, account("C1", *invoices), on=on)
    assert [a.step for a in evaluation.actions] == expected_actions
    assert [s.step for s in evaluation.suppressions if s.code == "min_balance"] == expected_held


def test_closed_day_holds_contacts_not_holds() -> None:
    """Rule "closed day": no contact on a closed day; a credit hold still goes out, and the
    contact comes back on the next business day."""
    policy = make_policy(guardrails=Guardrails(None, "business", None))
    ledger = account(
        "C1",
        INV_1,  # second-reminder due 15 Oct
        invoice("INV-2", "2026-08-15", "900.00"),  # due Mon 14 Sep, credit-hold due 14 Oct
    )
    saturday = run(policy, ledger, on="2026-10-17")
    assert steps_of(saturday) == [("C1", "credit-hold", ("INV-2",))]
    assert [(s.code, s.step, s.until) for s in saturday.suppressions] == [
        ("closed_day", "second-reminder", d("2026-10-19"))
    ]
    assert saturday.suppressions[0].text == (
        "2026-10-17 is a closed day (Saturday): no contact on closed days "
        "(guardrails.contact_days: business); 'second-reminder' goes out on 2026-10-19."
    )
    history = [done("credit-hold", ["INV-2"], "2026-10-17")]
    monday = run(policy, ledger._replace(history=tuple(history)), on="2026-10-19")
    assert steps_of(monday) == [("C1", "second-reminder", ("INV-1",))]


CONTACT_CASES = [
    ("limit-reached", 2, [done("courtesy", ["INV-9"], "2026-10-12", action_id="a"),
     done("first-reminder", ["INV-9"], "2026-10-13", action_id="b")], [INV_1],
     [], [("contact_limit", "second-reminder", "2026-10-19")]),
    ("older-contacts-do-not-count", 2, [done("courtesy", ["INV-9"], "2026-10-09", action_id="a"),
     done("first-reminder", ["INV-9"], "2026-10-13", action_id="b")], [INV_1],
     ["second-reminder"], []),
    ("lowest-ranked-contact-waits", 3, [done("courtesy", ["INV-9"], "2026-10-12", action_id="a"),
     done("first-reminder", ["INV-9"], "2026-10-13", action_id="b")],
     [invoice("INV-1", "2026-08-25", "1200.00"), invoice("INV-2", "2026-09-05", "100.00")],
     ["call"], [("contact_limit", "first-reminder", "2026-10-19")]),
    ("holds-are-not-contacts", 1, [done("courtesy", ["INV-9"], "2026-10-12", action_id="a")],
     [invoice("INV-1", "2026-09-15", "1200.00")], ["credit-hold"], []),
]  # fmt: skip


@pytest.mark.parametrize(
    ("limit", "history", "invoices", "expected_actions", "expected_held"),
    [c[1:] for c in CONTACT_CASES],
    ids=[c[0] for c in CONTACT_CASES],
)
def test_contact_limit(
    limit: int,
    history: list[Any],
    invoices: list[Any],
    expected_actions: list[str],
    expected_held: list[tuple[str, str, str]],
) -> None:
    """Rule "contact limit": contacts done in D-6..D plus today's stay within the guardrail; the
    lowest-ranked of today's contacts wait."""
    policy = make_policy(guardrails=Guardrails(limit, "any", None))
    on = "2026-10-16" if expected_actions != ["credit-hold"] else "2026-11-15"
    evaluation = run(policy, account("C1", *invoices, history=history), on=on)
    assert [a.step for a in evaluation.actions] == expected_actions
    held = [
        (s.code, s.step, s.until.isoformat() if s.until else "") for s in evaluation.suppressions
    ]
    assert held == expected_held


# -- rule "one action per step" ------------------------------------------------------------------


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


# -- rule "fees and interest" --------------------------------------------------------------------


def charges(action: Action) -> list[tuple[str, str | None, str, Decimal]]:
    return [(c.kind, c.invoice_id, c.currency, c.amount) for c in action.charges]


def test_fee_per_currency() -> None:
    """Rule "fees and interest": one fee per currency of the action; none where the fee has no
    amount in that currency."""
    ledger = account(
        "C1",
        INV_1,
        invoice("INV-2", "2026-09-01", "800.00", "EUR"),
        invoice("INV-3", "2026-09-01", "100.00", "USD"),
    )
    action = only(run(make_policy(), ledger, on="2026-10-16"))
    assert charges(action) == [
        ("fee", None, "EUR", m("15.00")),
        ("fee", None, "GBP", m("15.00")),
    ]
    assert "rounded half-up to the currency's minor unit" in action.charges[0].detail


INTEREST_CASES = [
    # 1,200.00 at 12 % (4 % base + 8 %) from 2 Oct to 15 Nov, 45 days: 17.7534... -> 17.75;
    # compensation for a debt from 1,000 to 10,000: 70.00.
    ("interest-and-compensation", INV_1, [], {},
     [("interest", "INV-1", "GBP", m("17.75")), ("compensation", "INV-1", "GBP", m("70.00"))]),
    # 13 days on 1,200.00 then 32 days on 1,000.00: (15,600 + 32,000) x 12 / 36,500 = 15.649...
    ("principal-net-of-payments", invoice("INV-1", "2026-09-01", "1200.00",
     paid=[("2026-10-15", "200.00")]), [], {},
     [("interest", "INV-1", "GBP", m("15.65")), ("compensation", "INV-1", "GBP", m("70.00"))]),
    # Interest was charged up to 1 Nov by an earlier step: 14 more days, 5.523... -> 5.52;
    # compensation is once per invoice.
    ("no-second-compensation", INV_1,
     [done("second-reminder", ["INV-1"], "2026-11-01", interest="10.00")], {},
     [("interest", "INV-1", "GBP", m("5.52"))]),
    ("exempt-from-interest", INV_1, [], {"exempt": ["interest"]}, []),
    # max_fee_share 5 % of 1,200.00 = 60.00: 27.75 trimmed from the compensation.
    ("capped-by-the-fee-share", INV_1, [], {"cap": "0.05"},
     [("interest", "INV-1", "GBP", m("17.75")), ("compensation", "INV-1", "GBP", m("42.25"))]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("inv", "history", "options", "expected"),
    [c[1:] for c in INTEREST_CASES],
    ids=[c[0] for c in INTEREST_CASES],
)
def test_interest_and_compensation(
    inv: Any, history: list[Any], options: dict[str, Any], expected: list[Any]
) -> None:
    """Rule "fees and interest": statutory interest per overdue invoice and fixed compensation
    once per invoice, rounded half up, capped by the fee share."""
    files = [customer_file("C1", exempt=options["exempt"])] if "exempt" in options else []
    cap = Guardrails(None, "any", m(options["cap"])) if "cap" in options else None
    policy = make_policy(customers=files, guardrails=cap)
    history = [*history, done("credit-hold", ["INV-1"], "2026-10-31")]
    action = only(run(policy, account("C1", inv, history=history), on="2026-11-15"))
    assert action.step == "final-notice"
    assert charges(action) == expected


def test_trimmed_charges_and_exemptions_are_explained() -> None:
    """Rule "fees and interest": a trimmed charge and an exemption each come with a reason."""
    policy = make_policy(guardrails=Guardrails(None, "any", m("0.05")))
    history = [done("credit-hold", ["INV-1"], "2026-10-31")]
    action = only(run(policy, account("C1", INV_1, history=history), on="2026-11-15"))
    assert (
        "Fees and interest trimmed from GBP 87.75 to GBP 60.00: at most 5 % of the overdue "
        "GBP 1,200.00 (guardrails.max_fee_share)."
    ) in [r.text for r in action.reasons]
    assert action.charges[1].detail.endswith(
        "; trimmed from GBP 70.00 to GBP 42.25 by guardrails.max_fee_share"
    )
    exempt = make_policy(customers=[customer_file("C1", exempt=["fees"])])
    action = only(run(exempt, account("C1", INV_1), on="2026-10-16"))
    assert action.charges == ()
    assert (
        "No fee with 'second-reminder': the customer is exempt from fees "
        "(customer file customers/C1.yaml)."
    ) in [r.text for r in action.reasons]


def test_missing_reference_rate_is_explained() -> None:
    """Rule "fees and interest": no rate for a day that accrues -> no interest, and why."""
    rates = {"boe-base": ReferenceRate("boe-base", (RatePeriod(d("2026-11-01"), m("4.00")),))}
    policy = make_policy(reference_rates=rates)
    history = [done("credit-hold", ["INV-1"], "2026-10-31")]
    action = only(run(policy, account("C1", INV_1, history=history), on="2026-11-15"))
    assert charges(action) == [("compensation", "INV-1", "GBP", m("70.00"))]
    assert any(r.text.startswith("No interest on invoice INV-1: ") for r in action.reasons)


# -- rule "credit hold" --------------------------------------------------------------------------

LIMIT = {"credit_limit": ("1000.00", "GBP")}
NOT_YET_DUE = invoice("INV-1", "2026-10-10", "1200.00")  # due 9 Nov: no step yet on 16 Oct

CREDIT_CASES = [
    ("hold-step", {}, [INV_1], [], "2026-10-31", [("credit-hold", "credit_hold", ("INV-1",), 0)]),
    ("over-the-credit-limit", LIMIT, [NOT_YET_DUE], [], "2026-10-16",
     [("credit-limit", "credit_hold", ("INV-1",), 0)]),
    ("within-the-credit-limit", LIMIT, [invoice("INV-1", "2026-10-10", "1000.00")], [],
     "2026-10-16", []),
    ("already-on-hold", LIMIT, [NOT_YET_DUE], [done("credit-limit", ["INV-1"], "2026-10-12")],
     "2026-10-16", []),
    ("released-then-over-again", LIMIT, [NOT_YET_DUE],
     [done("credit-limit", ["INV-1"], "2026-10-12"), done("credit-release", [], "2026-10-14")],
     "2026-10-16", [("credit-limit", "credit_hold", ("INV-1",), 1)]),
    ("release-when-paid", LIMIT,
     [invoice("INV-1", "2026-10-10", "1200.00", paid=[("2026-10-14", "1200.00")])],
     [done("credit-limit", ["INV-1"], "2026-10-12")], "2026-10-16",
     [("credit-release", "credit_release", (), 0)]),
    ("release-after-a-hold-step-when-paid", {},
     [invoice("INV-1", "2026-09-01", "1200.00", paid=[("2026-11-03", "1200.00")])],
     [done("credit-hold", ["INV-1"], "2026-10-31")], "2026-11-05",
     [("credit-release", "credit_release", (), 0)]),
    ("no-release-while-an-invoice-is-past-its-hold-step", {}, [INV_1],
     [done("credit-hold", ["INV-1"], "2026-10-31"), done("final-notice", ["INV-1"], "2026-11-15")],
     "2026-11-20", []),
    ("the-hold-step-covers-the-limit", LIMIT, [INV_1], [], "2026-10-31",
     [("credit-hold", "credit_hold", ("INV-1",), 0)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "invoices", "history", "on", "expected"),
    [c[1:] for c in CREDIT_CASES],
    ids=[c[0] for c in CREDIT_CASES],
)
def test_credit_hold_and_release(
    file: dict[str, Any], invoices: list[Any], history: list[Any], on: str, expected: list[Any]
) -> None:
    """Rule "credit hold": placed by a hold step or when the balance exceeds the credit limit;
    released when no invoice is past a hold step and the balance is within the limit."""
    policy = make_policy(customers=[customer_file("C1", **file)] if file else [])
    evaluation = run(policy, account("C1", *invoices, history=history), on=on)
    got = [(a.step, a.kind, a.invoice_ids, a.occurrence) for a in evaluation.actions]
    assert got == expected


def test_credit_limit_reason() -> None:
    """Rule "credit hold": the limit hold says what the balance and the limit are."""
    policy = make_policy(customers=[customer_file("C1", **LIMIT)])
    action = only(run(policy, account("C1", NOT_YET_DUE), on="2026-10-16"))
    assert [r.text for r in action.reasons] == [
        "The open balance of GBP 1,200.00 exceeds the credit limit of GBP 1,000.00 (customer file "
        "customers/C1.yaml): put the account on credit hold."
    ]
    assert (action.channel, action.template, action.step_index) == (None, None, 8)


# -- rules "escalation" and "write-off review" ---------------------------------------------------


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


# -- rules "action id", "reasons", tone and language ---------------------------------------------


def test_action_id_is_stable() -> None:
    """Rule "action id": act_ + 20 hex of SHA-256 over customer, step, occurrence, sorted
    invoices; the same inputs give the same id on every run."""
    text = "C1\x1fsecond-reminder\x1f0\x1fINV-1\x1fINV-2"
    expected = "act_" + hashlib.sha256(text.encode()).hexdigest()[:20]
    assert action_id("C1", "second-reminder", 0, ["INV-2", "INV-1"]) == expected
    assert action_id("C1", "second-reminder", 1, ["INV-1", "INV-2"]) != expected
    ledger = account("C1", INV_1, invoice("INV-2", "2026-09-01", "10.00"))
    first = run(make_policy(), ledger, on="2026-10-16")
    again = run(make_policy(), ledger, on="2026-10-16")
    assert first.actions[0].id == again.actions[0].id == expected


def test_reason_in_words_and_facts() -> None:
    """Rule "reasons": one sentence per invoice, with the facts behind it."""
    action = only(run(make_policy(), account("C1", INV_1), on="2026-10-16"))
    reason = action.reasons[0]
    assert reason.text == (
        "Invoice INV-1 (GBP 1,200.00 open) is 15 days overdue; the step 'second-reminder' "
        "(due+14d) fell due on 2026-10-15."
    )
    assert {k: reason.facts[k] for k in (
        "anchor", "anchor_date", "offset", "step_date", "days_overdue", "ladder",
        "ladder_decided_by", "terms", "terms_decided_by",
    )} == {
        "anchor": "due", "anchor_date": "2026-10-01", "offset": "due+14d",
        "step_date": "2026-10-15", "days_overdue": "15", "ladder": "standard",
        "ladder_decided_by": "policy defaults", "terms": "net30",
        "terms_decided_by": "policy defaults",
    }  # fmt: skip
    assert action.invoices[0].days_overdue == 15
    assert action.invoices[0].step_date == d("2026-10-15")


def test_reason_before_the_due_date() -> None:
    """Rule "reasons": a reminder before the due date says when the invoice falls due."""
    action = only(run(make_policy(), account("C1", INV_1), on="2026-09-29"))
    assert action.reasons[0].text == (
        "Invoice INV-1 (GBP 1,200.00 open) falls due on 2026-10-01, in 2 days; the step "
        "'courtesy' (due-3d) fell due on 2026-09-28."
    )
    assert action.invoices[0].days_overdue == 0


def test_template_tone_and_language_come_from_the_effective_policy() -> None:
    """Rule "reasons": the template is the step's; tone and language are the customer's."""
    policy = make_policy(customers=[customer_file("C1", tone="sympathetic", language="de")])
    action = only(run(policy, account("C1", INV_1), on="2026-10-16"))
    assert (action.template, action.tone, action.language) == (
        "second-reminder",
        "sympathetic",
        "de",
    )
    assert (action.channel, action.kind) == ("email", "email")


# -- rule "deterministic output" -----------------------------------------------------------------


def test_shuffled_input_gives_the_same_list() -> None:
    """Rule "deterministic output": the order of customers, invoices and history changes nothing."""
    ledgers = [
        account(
            f"C{c}",
            *[invoice(f"INV-{c}{i}", f"2026-0{7 + i % 3}-1{i}", f"{100 * (i + c)}.00",
                      customer=f"C{c}") for i in range(6)],
            history=[done("courtesy", [f"INV-{c}1"], "2026-08-10", customer=f"C{c}"),
                     done("first-reminder", [f"INV-{c}2"], "2026-09-15", customer=f"C{c}")],
        )
        for c in range(1, 5)
    ]  # fmt: skip
    policy = make_policy(guardrails=Guardrails(3, "business", m("0.10")))
    expected = run(policy, *ledgers, on="2026-10-16")
    assert expected.actions
    rng = random.Random(4)
    for _ in range(5):
        shuffled = [
            lg._replace(
                invoices=tuple(rng.sample(lg.invoices, len(lg.invoices))),
                history=tuple(rng.sample(lg.history, len(lg.history))),
            )
            for lg in rng.sample(ledgers, len(ledgers))
        ]
        assert run(policy, *shuffled, on="2026-10-16") == expected


def test_evaluation_is_stamped() -> None:
    """Rule "deterministic output": the list carries the date, the policy version and counts."""
    evaluation = run(
        make_policy(), account("C1", INV_1), account("C2", customer=Customer("C2")), on="2026-10-16"
    )
    assert (evaluation.as_of, evaluation.policy_version) == (d("2026-10-16"), VERSION)
    assert (evaluation.customers_evaluated, evaluation.invoices_evaluated) == (2, 1)


def test_evaluate_customer_reuses_one_context_across_days() -> None:
    """One EvaluationContext serves every customer and day (the per-day answers are reset)."""
    context = EvaluationContext(make_policy())
    ledger = account("C1", INV_1)
    days = ["2026-10-16", "2026-09-29", "2026-10-23"]
    got = [[a.step for a in evaluate_customer(context, ledger, d(on)).actions] for on in days]
    assert got == [["second-reminder"], ["courtesy"], ["call"]]


def test_customers_in_id_order_or_not_give_one_sorted_list() -> None:
    """Rule "deterministic output": customers streamed in id order (as the store reads them) are
    joined as they come, in any other order sorted; the list is the same."""
    from engine.evaluate import action_order, superseded_order, suppression_order

    ledgers = [
        account(cid, invoice(f"INV-{cid}-1", "2026-08-01", "900.00", customer=cid),
                invoice(f"INV-{cid}-2", "2026-09-01", "40.00", customer=cid), history=history)
        for cid, history in [
            ("A1", []), ("B2", [done("courtesy", ["INV-B2-1"], "2026-08-28", customer="B2")]),
            ("C3", []), ("C30", [])]
    ]  # fmt: skip
    ledgers.append(account("D4", invoice("INV-D4-1", "2026-07-01", "120.00", customer="D4"),
                           disputes=[dispute("INV-D4-1", "2026-08-01")]))  # fmt: skip
    policy = make_policy()
    in_order = run(policy, *ledgers, on="2026-10-20")
    assert in_order.actions and in_order.suppressions and in_order.superseded
    assert list(in_order.actions) == sorted(in_order.actions, key=action_order)
    assert list(in_order.suppressions) == sorted(in_order.suppressions, key=suppression_order)
    assert list(in_order.superseded) == sorted(in_order.superseded, key=superseded_order)
    for shuffled in (ledgers[::-1], [ledgers[2], ledgers[0], ledgers[4], ledgers[1], ledgers[3]]):
        assert run(policy, *shuffled, on="2026-10-20") == in_order
