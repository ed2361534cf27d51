"""The plan: the difference between the base and the head action lists (engine/tools/plan.py).

How it is shown is tested in tests/engine/report/test_plan_render.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engine.model.actions import Evaluation
from engine.model.plan import ChargeTotals, FieldChange, MoneyChange, StepCount
from engine.model.source import Problem
from engine.report.plan_json import plan_to_dict
from engine.report.plan_markdown import render_markdown
from engine.report.plan_text import render_text
from engine.report.plan_words import headline
from engine.tools.plan import empty_evaluations, make_plan, simulate
from tests.engine.builders import (
    FEES,
    account,
    customer_file,
    d,
    done,
    invoice,
    m,
    make_policy,
    run,
)
from tests.engine.plan_cases import BASE, C1, C2, C3, DAY, HEAD, SHORTER, both, standard


def test_the_same_list_under_both_policies_is_no_change() -> None:
    """Nothing added, removed or changed; the headline says so in words."""
    day = both(make_policy(), make_policy(), C1, C2, C3)
    assert not day.has_changes
    plan = make_plan([day.base], [day.head])
    assert headline(plan) == (
        "No change: the action list on 2026-11-23 is the same under both policies (2 actions)."
    )


def test_a_shorter_step_adds_removes_and_changes_actions() -> None:
    """Matched by (customer, step, occurrence, invoices): C1 added, C2 swapped, C3 changed."""
    day = both(make_policy(), SHORTER, C1, C2, C3)
    assert [(a.customer_id, a.step) for a in day.added] == [
        ("C1", "second-reminder"),
        ("C2", "second-reminder"),
    ]
    assert [(a.customer_id, a.step) for a in day.removed] == [("C2", "first-reminder")]
    [change] = day.changed
    assert (change.head.customer_id, change.head.step) == ("C3", "second-reminder")
    assert [c.field for c in change.changes] == ["reason"]
    assert "(due+14d) fell due on 2026-11-19" in change.changes[0].base
    assert "(due+10d) fell due on 2026-11-15" in change.changes[0].head


def test_a_different_step_for_a_customer_is_grouped_under_that_customer() -> None:
    """C2's first reminder gives way to the second: one customer, one removal, one addition."""
    day = both(make_policy(), SHORTER, C2)
    [impact] = day.customers
    assert impact.customer_id == "C2"
    assert [a.step for a in impact.removed] == ["first-reminder"]
    assert [a.step for a in impact.added] == ["second-reminder"]
    assert impact.contact_changed


def test_a_higher_fee_is_a_change_of_the_fees_field() -> None:
    """Same action, another fee: the change names the field and both amounts."""
    dearer = make_policy(
        ladders=[standard(second_reminder="due+10d")],
        fees={"reminder-fee": replace(FEES["reminder-fee"], fixed={"GBP": m("25.00")})},
    )
    day = both(SHORTER, dearer, C1)
    [change] = day.changed
    assert change.changes == (FieldChange("fees", "GBP 15.00", "GBP 25.00"),)
    assert day.charges == (
        MoneyChange("GBP", ChargeTotals(fees=m("15.00")), ChargeTotals(fees=m("25.00"))),
    )


def test_a_lower_credit_limit_puts_a_customer_newly_on_credit_hold() -> None:
    """The head policy's credit limit of GBP 1,000.00 holds C2 (GBP 1,500.00 open)."""
    limited = make_policy(customers=[customer_file("C2", credit_limit=("1000.00", "GBP"))])
    day = both(make_policy(), limited, C2)
    assert [(a.customer_id, a.kind) for a in day.newly_on_hold] == [("C2", "credit_hold")]
    plan = make_plan([day.base], [day.head])
    assert [a.customer_id for a in plan.newly("credit_hold")] == ["C2"]
    assert "Newly on credit hold: C2 Customer C2 (2026-11-23)" in render_text(plan)


def test_an_earlier_agency_step_escalates_a_customer_newly() -> None:
    """Agency at due+60d instead of due+75d: C5, 63 days overdue, is newly escalated."""
    c5 = account(
        "C5",
        invoice("E-1", "2026-08-21", "900.00", customer="C5"),
        history=[
            done(step, ["E-1"], when, customer="C5")
            for step, when in [
                ("first-reminder", "2026-09-21"),
                ("second-reminder", "2026-10-04"),
                ("call", "2026-10-11"),
                ("credit-hold", "2026-10-20"),
                ("final-notice", "2026-11-04"),
            ]
        ],
    )
    earlier = make_policy(ladders=[standard(agency="due+60d")])
    day = both(make_policy(), earlier, c5)
    assert [(a.customer_id, a.escalate_to) for a in day.newly_escalated] == [("C5", "agency")]
    assert day.newly_on_hold == ()
    assert "Newly escalated: C5 Customer C5 to agency (2026-11-23)" in render_text(
        make_plan([day.base], [day.head])
    )


def test_a_new_pause_holds_a_customer_back_and_says_why() -> None:
    """C2 paused under head: its reminder is removed and the customer shows as held back."""
    paused = make_policy(customers=[customer_file("C2", pause=("2027-01-31", "Flood"))])
    day = both(make_policy(), paused, C2)
    [impact] = day.customers
    assert [a.step for a in impact.removed] == ["first-reminder"]
    assert [(s.code, s.step) for s in impact.held_back] == [("pause", "first-reminder")]
    assert not impact.added


def test_counts_per_step_and_charges_per_currency() -> None:
    """Per ladder step: base, head, difference, in ladder order; fees in each currency."""
    day = both(make_policy(), SHORTER, C1, C2, C3)
    assert day.steps == (
        StepCount("standard", "first-reminder", 1, 0),
        StepCount("standard", "second-reminder", 1, 3),
    )
    assert day.charges == (
        MoneyChange("GBP", ChargeTotals(fees=m("15.00")), ChargeTotals(fees=m("45.00"))),
    )


def test_simulate_works_each_list_so_an_action_is_due_once() -> None:
    """Over 11 days the second reminder goes out once: the next day's history has it done."""
    days = [d(DAY) + timedelta(days=n) for n in range(11)]
    lists = simulate(make_policy(), [C1], days, BASE)
    sent = [(e.as_of.isoformat(), a.step) for e in lists for a in e.actions]
    assert sent == [("2026-11-26", "second-reminder"), ("2026-12-03", "call")]


def test_a_step_brought_forward_is_reported_as_moved() -> None:
    """Over several days, C1's second reminder is sent 4 days earlier: paired, not just new."""
    days = [d(DAY) - timedelta(days=1) + timedelta(days=n) for n in range(6)]
    plan = make_plan(simulate(make_policy(), [C1], days, BASE), simulate(SHORTER, [C1], days, HEAD))
    [move] = plan.moved()
    assert (move.base.date.isoformat(), move.head.date.isoformat(), move.days) == (
        "2026-11-26",
        "2026-11-22",
        -4,
    )
    text = render_text(plan)
    assert "moved 4 days earlier: the base policy sends it on 2026-11-26" in text
    assert "Moved: 1 action moved to another day (1 earlier, 0 later)" in text


def test_simulate_and_make_plan_refuse_days_out_of_order() -> None:
    """Days must ascend, and both sides must cover the same days."""
    with pytest.raises(ValueError, match="ascending"):
        simulate(make_policy(), [C1], [d(DAY), d("2026-11-20")], BASE)
    with pytest.raises(ValueError, match="same days"):
        make_plan(empty_evaluations([d(DAY)], BASE), empty_evaluations([d("2026-11-24")], HEAD))


def test_an_invalid_base_is_an_empty_list_and_a_warning() -> None:
    """Every head action is added; the text and markdown say why, with the problems."""
    problem = Problem("policies/ladders/standard.yaml", 3, 1, "S003", "steps is missing")
    head = replace(run(SHORTER, C1, on=DAY), policy_version=HEAD)
    plan = make_plan(empty_evaluations([d(DAY)], BASE), [head], base_problems=[problem])
    assert plan.count("added") == 1
    assert "Warning: The base policy (origin/main (bbbbbbbbbbbb)) is invalid (1 problem)" in (
        render_text(plan)
    )
    assert render_markdown(plan).splitlines()[2].startswith("> **Warning:** The base policy")
    assert plan_to_dict(plan)["base"]["problems"] == [
        "policies/ladders/standard.yaml:3:1: S003 steps is missing"
    ]


def test_an_empty_evaluation_has_no_actions() -> None:
    """The stand-in for an invalid base policy: a list per day, empty."""
    [evaluation] = empty_evaluations([d(DAY)], BASE)
    assert evaluation == Evaluation(as_of=d(DAY), policy_version=BASE, actions=())


def test_only_an_explanation_changed_is_not_a_different_letter() -> None:
    """C3 gets the same second reminder under both ladders (only the step date in its reason
    moved): the plan lists it as changed, but not as a different letter or call."""
    day = both(make_policy(), SHORTER, C3)
    [impact] = day.customers
    assert [c.field for c in impact.changed[0].changes] == ["reason"]
    assert not impact.contact_changed
