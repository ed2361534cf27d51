"""Rules "open amounts" and "unapplied cash" (docs/rules/ladder.md), through the daily list.

The policy is ``make_policy()`` unless a test says otherwise; ``INV_1`` is described in
tests/engine/builders.py.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine.model.actions import Evaluation
from tests.engine.builders import (
    account,
    invoice,
    m,
    make_policy,
    run,
    unapplied,
)


def opens(evaluation: Evaluation) -> list[tuple[str, str, Decimal]]:
    """Return (step, invoice, open) of every invoice in every action."""
    return [(a.step, i.id, i.open) for a in evaluation.actions for i in a.invoices]


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
