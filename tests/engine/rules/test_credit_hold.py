"""Rule "credit hold" (docs/rules/ladder.md), through the daily list."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    done,
    invoice,
    make_policy,
    only,
    run,
)

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
