"""Rules "suppressions", "broken promise", "plan in arrears" and "minimum balance"
(docs/rules/ladder.md), through the daily list.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    dispute,
    invoice,
    make_policy,
    only,
    plan,
    promise,
    run,
)

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
    """Rule "minimum balance": below the policy's min_balance in a currency, nobody is chased.
    A currency without a minimum is chased here (``other_currencies: chased``; rule
    "currencies" has the default, not chased)."""
    policy = replace(make_policy(min_balance={"GBP": "10.00"}), other_currencies="chased")
    evaluation = run(policy, account("C1", *invoices), on=on)
    assert [a.step for a in evaluation.actions] == expected_actions
    assert [s.step for s in evaluation.suppressions if s.code == "min_balance"] == expected_held
