"""Rule "fees and interest" (docs/rules/ladder.md, docs/rules/dates-and-money.md): what a step
charges, through the daily list.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.model.actions import Action
from engine.model.policy import Guardrails, RatePeriod, ReferenceRate
from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    d,
    done,
    invoice,
    m,
    make_policy,
    only,
    run,
)


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
    # Interest runs to the day of payment included (BW 6:119a(1)): 14 days on 1,200.00 (2-15
    # Oct) then 31 days on 1,000.00: (16,800 + 31,000) x 12 / 36,500 = 15.715... -> 15.72.
    ("principal-net-of-payments", invoice("INV-1", "2026-09-01", "1200.00",
     paid=[("2026-10-15", "200.00")]), [], {},
     [("interest", "INV-1", "GBP", m("15.72")), ("compensation", "INV-1", "GBP", m("70.00"))]),
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
