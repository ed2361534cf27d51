"""Rules "closed day" and "contact limit" (docs/rules/ladder.md), through the daily list."""

from __future__ import annotations

from typing import Any

import pytest

from engine.model.ledger import ActionStatus
from engine.model.policy import Guardrails
from tests.engine.builders import (
    INV_1,
    account,
    d,
    done,
    invoice,
    make_policy,
    run,
    steps_of,
)


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


def test_a_sent_message_is_a_contact_and_its_action_is_never_held() -> None:
    """Rule "contact limit": a message sent for an action that a person still has to work (the
    log says ``sent``, not ``done``) counts as a contact, and that action, still on the list,
    made its contact already: it needs no room and is not held back."""
    policy = make_policy(guardrails=Guardrails(1, "any", None))
    ledger = account("C1", INV_1)
    (first,) = run(policy, ledger, on="2026-10-16").actions
    sent = done(first.step, first.invoice_ids, "2026-10-16", status=ActionStatus.SENT,
                action_id=first.id)  # fmt: skip
    again = run(policy, ledger._replace(history=(sent,)), on="2026-10-17")
    assert [a.id for a in again.actions] == [first.id]
    assert again.suppressions == ()
    # A second invoice reaches its first reminder: the limit of one is used up by the message
    # sent, so the new contact waits while the sent action stays.
    other = account("C1", INV_1, invoice("INV-2", "2026-09-15", "300.00"), history=[sent])
    later = run(policy, other, on="2026-10-17")
    assert [a.id for a in later.actions] == [first.id]
    assert [(s.code, s.step) for s in later.suppressions] == [("contact_limit", "first-reminder")]
