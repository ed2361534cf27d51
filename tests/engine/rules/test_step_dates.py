"""Rules "due date" and "step dates" (docs/rules/ladder.md): for one invoice, and through the
daily list.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine.model.policy import Term
from engine.rules.step_dates import StepDates
from tests.engine.builders import (
    DISCOUNT_LADDER,
    INV_1,
    TERMS,
    account,
    customer_file,
    d,
    invoice,
    ladder,
    make_policy,
    only,
    run,
    step,
)
from tests.engine.rules.one_ladder import CALENDAR, LADDER
from tests.engine.rules.reference import invoice_dates, reached_steps


@pytest.mark.parametrize(
    ("terms", "issued", "due", "delay", "expected_due", "expected"),
    [
        # net30 from Wed 2 Sep 2026: due Fri 2 Oct; due+1bd is Mon 5 Oct.
        ("net30", "2026-09-02", None, {}, "2026-10-02",
         ["2026-09-04", None, "2026-09-29", "2026-10-05", "2026-10-16", "2026-11-01"]),
        # 2 % 10 days: the discount deadline is 12 Sep, the nudge two days before.
        ("2-10-net30", "2026-09-02", None, {}, "2026-10-02",
         ["2026-09-04", "2026-09-10", "2026-09-29", "2026-10-05", "2026-10-16", "2026-11-01"]),
        # An explicit due date wins over the terms; due+1bd skips the closed 24 Dec and Christmas.
        ("net30", "2026-11-01", "2026-12-23", {}, "2026-12-23",
         ["2026-11-03", None, "2026-12-20", "2026-12-29", "2027-01-06", "2027-01-22"]),
        # The customer's delay adds calendar days to that step only.
        ("net30", "2026-09-02", None, {"first-reminder": 7}, "2026-10-02",
         ["2026-09-04", None, "2026-09-29", "2026-10-12", "2026-10-16", "2026-11-01"]),
    ],
    ids=["net30", "discount-anchor", "explicit-due-and-bd-over-holidays", "customer-delay"],
)  # fmt: skip
def test_step_dates(  # noqa: PLR0917 - one parameter per column of the table
    terms: str,
    issued: str,
    due: str | None,
    delay: dict[str, int],
    expected_due: str,
    expected: list[str | None],
) -> None:
    """Rule "step dates": anchor + offset (calendar or business days) + the customer's delay;
    a `discount` step does not apply without a discount."""
    got = StepDates(CALENDAR, "none").invoice_dates(
        LADDER, TERMS[terms], d(issued), d(due) if due else None, delay
    )
    assert got.due == d(expected_due)
    assert list(got.steps) == [d(x) if x else None for x in expected]


def test_step_dates_are_shared_per_key_and_day() -> None:
    """Rule "step dates": worked out once per (ladder, terms, issue date, due, delay)."""
    cache = StepDates(CALENDAR, "none")
    cache.set_day(d("2026-10-06"))
    key = ("test", "net30", d("2026-09-02"), None, ())
    first = cache.compute(key, LADDER, TERMS["net30"], d("2026-09-02"), None, None)
    assert cache.by_key[key] is first
    # Due 2 Oct: the delivery check and courtesy note expired then (rule "expiry").
    assert first.reached == (3,)
    assert first.days_overdue == 4
    cache.set_day(d("2026-10-16"))
    assert key not in cache.by_key
    later = cache.compute(key, LADDER, TERMS["net30"], d("2026-09-02"), None, None)
    assert later.dates is first.dates
    assert later.reached == (4, 3)


def test_reached_steps_are_highest_first_and_skip_undated() -> None:
    """Rule "step reached": the steps dated on or before the day, highest rank first."""
    dates = (d("2026-09-04"), None, d("2026-09-29"), d("2026-10-05"))
    assert reached_steps(dates, d("2026-09-29")) == (2, 0)
    assert reached_steps(dates, d("2026-09-03")) == ()


@pytest.mark.parametrize("roll", ["none", "next_business_day", "previous_business_day"])
def test_step_dates_of_the_cache_are_those_of_the_rule(roll: str) -> None:
    """Rule "step dates": the cache's shortcut (offsets and terms worked out once) gives the
    dates ``invoice_dates`` gives, for every terms, explicit due dates, delays and a year of issue
    dates across weekends, bank holidays and the policy's closed days."""
    bd_ladder = ladder(
        "bd",
        [
            step("nudge", "discount-1bd"),
            step("same-day", "due+0bd"),
            step("before", "due-2bd"),
            step("after", "due+3bd"),
            step("invoice", "invoice+5d"),
            step("late", "due+40d", "letter"),
        ],
    )
    delays: list[dict[str, int]] = [{}, {"after": 2, "courtesy": 3, "late": 1, "same-day": 4}]
    every_terms = [
        *TERMS.values(),
        Term("30-eom", net_days=30, from_end_of_month=True),
        Term("10th-prox", day_of_next_month=10),
        Term("on-receipt", net_days=0),
    ]
    cache = StepDates(CALENDAR, roll)
    cache.set_day(d("2027-06-01"))
    for rungs in (LADDER, bd_ladder):
        for delay in delays:
            for n in range(0, 366, 3):
                issued = date.fromordinal(d("2026-06-01").toordinal() + n)
                for terms in every_terms:
                    for due in (None, date.fromordinal(issued.toordinal() + n % 45)):
                        key = (rungs.name, terms.name, issued, due, tuple(sorted(delay.items())))
                        got = cache.compute(key, rungs, terms, issued, due, delay)
                        want = invoice_dates(rungs, terms, issued, due, CALENDAR, roll, delay)
                        assert got.dates == want, (rungs.name, terms.name, issued, due, delay)
                        assert got.reached == reached_steps(
                            want.steps, d("2027-06-01"), want.last
                        )


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
