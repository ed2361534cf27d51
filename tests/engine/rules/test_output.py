"""Rules "action id" and "deterministic output" (docs/rules/ladder.md): the action records,
their ids and the order of the list.
"""

from __future__ import annotations

import hashlib

from engine.evaluate import action_id
from engine.rules.output import action_order, superseded_order, suppression_order
from tests.engine.builders import (
    INV_1,
    account,
    customer_file,
    dispute,
    done,
    invoice,
    ladder,
    make_policy,
    only,
    run,
    step,
)


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


def test_a_step_tone_wins_over_the_customer_tone() -> None:
    """Rule "tone per step": as each Odoo follow-up level carries its own message
    (https://www.odoo.com/documentation/17.0/applications/finance/accounting/payments/follow_up.html),
    a ladder may send its later steps firmer. Customer C1's file says sympathetic; the second
    reminder (due+14d, 15 Oct 2026) has no tone of its own and goes out sympathetic, the final
    notice (due+45d, 15 Nov 2026) sets firm and goes out firm."""
    steps = [
        step("second-reminder", "due+14d"),
        step("final-notice", "due+45d", "letter", tone="firm"),
    ]
    policy = make_policy(
        ladders=[ladder("standard", steps)],
        customers=[customer_file("C1", tone="sympathetic")],
    )
    second = only(run(policy, account("C1", INV_1), on="2026-10-16"))
    assert (second.step, second.tone) == ("second-reminder", "sympathetic")
    history = [done("second-reminder", ["INV-1"], "2026-10-16")]
    final = only(run(policy, account("C1", INV_1, history=history), on="2026-11-16"))
    assert (final.step, final.tone) == ("final-notice", "firm")


def test_customers_in_id_order_or_not_give_one_sorted_list() -> None:
    """Rule "deterministic output": customers streamed in id order (as the store reads them) are
    joined as they come, in any other order sorted; the list is the same."""
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
