"""Rule "hand-off" (docs/rules/handoff.md): a customer handed to an agency or a solicitor is not
chased internally until the case is recalled, and every held step is reported."""

from __future__ import annotations

import pytest

from engine.model.handoff import Handoff
from engine.rules.handoff import handoff_in_force
from tests.engine.builders import account, d, invoice, make_policy, run

CASE = Handoff("C1-case", "C1", "agency", d("2026-10-01"))


@pytest.mark.parametrize(
    ("handoff", "day", "chased"),
    [
        (CASE, "2026-10-16", False),
        (CASE._replace(opened=d("2026-10-16")), "2026-10-16", False),
        (CASE._replace(opened=d("2026-10-17")), "2026-10-16", True),
        (CASE._replace(recalled=d("2026-10-16")), "2026-10-16", True),
        (CASE._replace(recalled=d("2026-10-17")), "2026-10-16", False),
    ],
    ids=["open", "opened-on-D", "opened-after-D", "recalled-on-D", "recalled-after-D"],
)
def test_a_handed_off_customer_is_not_chased_until_recalled(
    handoff: Handoff, day: str, chased: bool
) -> None:
    ledger = account(
        "C1",
        invoice("INV-1", "2026-09-01", "1200.00"),
        invoice("INV-2", "2026-09-02", "300.00"),
        handoffs=[handoff],
    )
    evaluation = run(make_policy(), ledger, on=day)
    if chased:
        assert [a.step for a in evaluation.actions] == ["second-reminder"]
        assert all(s.code != "handoff" for s in evaluation.suppressions)
    else:
        assert evaluation.actions == ()
        held = [(s.code, s.step, s.invoice_ids) for s in evaluation.suppressions]
        assert held == [("handoff", "second-reminder", ("INV-1", "INV-2"))]
        assert "handed to the collection agency on" in evaluation.suppressions[0].text
        assert handoff.id in evaluation.suppressions[0].text


def test_the_latest_open_case_is_the_one_in_force() -> None:
    older = Handoff("old", "C1", "agency", d("2026-01-01"), d("2026-02-01"))
    newer = Handoff("new", "C1", "legal", d("2026-03-01"))
    assert handoff_in_force([older, newer], d("2026-01-15")) == older
    assert handoff_in_force([older, newer], d("2026-02-15")) is None
    assert handoff_in_force([newer, older], d("2026-03-01")) == newer
