"""Invariants of the daily list, checked on generated ledgers (Hypothesis), one test each.

The ledgers are small (up to three customers, six invoices each) but mix everything the rules
look at: partial payments and credit notes, unapplied cash, disputes, promises, plans, customer
files with pauses, skips, delays, exemptions and credit limits, and an action history with every
status. The policy has discount, business-day, repeat, fee, interest, hold, escalation and
write-off steps, and every guardrail.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.model.actions import Evaluation
from engine.model.ledger import ActionRecord, ActionStatus, CustomerLedger, Invoice, Settlement
from engine.model.policy import Guardrails, Policy
from tests.engine.builders import (
    account,
    customer_file,
    dispute,
    done,
    ladder,
    m,
    make_policy,
    plan,
    promise,
    run,
    step,
    unapplied,
)

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

START = date(2026, 6, 1)
LADDER = ladder(
    "standard",
    [
        step("delivery-check", "invoice+2d"),
        step("discount-nudge", "discount-2d"),
        step("courtesy", "due-3d"),
        step("first-reminder", "due+1bd"),
        step("second-reminder", "due+14d", fee="reminder-fee"),
        step("call", "due+21d", "phone"),
        step("credit-hold", "due+30d", "credit_hold"),
        step("final-notice", "due+45d", "letter", interest="statutory-uk", repeat_days=14),
        step("agency", "due+75d", "escalate", to="agency", min_balance={"GBP": m("500.00")}),
        step("write-off-review", "due+120d", "write_off_review"),
    ],
)
STEP_IDS = [s.id for s in LADDER.steps] + ["credit-limit", "credit-release"]


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def cents(n: int) -> Decimal:
    return Decimal(n).scaleb(-2)


@st.composite
def customer_ledger(draw: Any, cid: str, payments: bool) -> tuple[CustomerLedger, Any]:
    """Return one customer's ledger and, sometimes, their customer file."""
    invoices: list[Invoice] = []
    for i in range(draw(st.integers(0, 6))):
        issued = START + timedelta(days=draw(st.integers(0, 150)))
        amount = cents(draw(st.integers(1, 300_000)))
        currency = draw(st.sampled_from(["GBP", "GBP", "EUR"]))
        terms = draw(st.sampled_from([None, None, "net14", "2-10-net30"]))
        due = issued + timedelta(days=draw(st.integers(0, 40))) if draw(st.booleans()) else None
        settlements: list[Settlement] = []
        if payments:
            left = amount
            for k in range(draw(st.integers(0, 2))):
                part = min(left, cents(draw(st.integers(1, 300_000))))
                if part <= 0:
                    break
                when = issued + timedelta(days=draw(st.integers(0, 120)))
                kind = draw(st.sampled_from(["payment", "payment", "credit_note"]))
                settlements.append(Settlement(when, part, kind, f"S-{cid}-{i}-{k}"))
                left -= part
        invoices.append(
            Invoice(f"INV-{cid}-{i}", cid, issued, amount, currency, terms, due, tuple(settlements))
        )
    ids = [inv.id for inv in invoices]
    disputes = []
    for iid in ids:
        if draw(st.integers(0, 5)) == 0:
            opened = draw(st.integers(0, 200))
            resolved = opened + draw(st.integers(1, 60)) if draw(st.booleans()) else None
            disputes.append(dispute(iid, day(opened), day(resolved) if resolved else None))
    history: list[ActionRecord] = []
    for k in range(draw(st.integers(0, 6))):
        covered = draw(st.lists(st.sampled_from(ids), max_size=3, unique=True)) if ids else []
        history.append(
            done(
                draw(st.sampled_from(STEP_IDS)),
                sorted(covered),
                day(draw(st.integers(0, 220))),
                customer=cid,
                status=draw(st.sampled_from(list(ActionStatus))),
                action_id=f"h-{cid}-{k}",
                interest=draw(st.sampled_from([None, "5.00"])),
            )
        )
    extra: dict[str, Any] = {}
    if payments and draw(st.integers(0, 3)) == 0:
        extra["unapplied"] = [
            unapplied(f"U-{cid}", day(draw(st.integers(0, 200))), "500.00", customer=cid)
        ]
    if ids and draw(st.integers(0, 3)) == 0:
        made = draw(st.integers(0, 200))
        extra["promises"] = [
            promise(day(made), day(made + draw(st.integers(0, 30))), "300.00", customer=cid)
        ]
    if ids and draw(st.integers(0, 3)) == 0:
        agreed = draw(st.integers(0, 200))
        extra["plans"] = [
            plan(day(agreed), ids[:2], [(day(agreed + 10), "100.00"), (day(agreed + 40), "100.00")],
                 customer=cid)
        ]  # fmt: skip
    file = None
    if draw(st.integers(0, 2)) == 0:
        file = customer_file(
            cid,
            skip=draw(st.lists(st.sampled_from(STEP_IDS[:10]), max_size=2, unique=True)),
            delay=draw(st.dictionaries(st.sampled_from(STEP_IDS[:10]), st.integers(1, 10),
                                       max_size=2)),
            exempt=draw(st.lists(st.sampled_from(["fees", "interest"]), max_size=2, unique=True)),
            credit_limit=draw(st.sampled_from([None, ("1000.00", "GBP")])),
            pause=draw(st.sampled_from([None, (day(120), "Agreed with the owner")])),
        )  # fmt: skip
    return account(cid, *invoices, history=history, disputes=disputes, **extra), file


@st.composite
def scenarios(draw: Any, payments: bool = True) -> tuple[Policy, list[CustomerLedger], date]:
    """Return a policy, a ledger of up to three customers and a day."""
    ledgers, files = [], []
    for c in range(draw(st.integers(1, 3))):
        ledger, file = draw(customer_ledger(f"C{c}", payments))
        ledgers.append(ledger)
        if file is not None:
            files.append(file)
    policy = make_policy(
        ladders=[LADDER],
        customers=files,
        min_balance={"GBP": "10.00", "EUR": "10.00"},
        guardrails=Guardrails(3, "business", m("0.10")),
        closed=[day(100), day(101)],
    )
    return policy, ledgers, START + timedelta(days=draw(st.integers(0, 260)))


def evaluate_on(policy: Policy, ledgers: list[CustomerLedger], on: date) -> Evaluation:
    return run(policy, *ledgers, on=on.isoformat())


def open_balance(ledger: CustomerLedger, on: date) -> dict[str, Decimal]:
    """Return the customer's open balance per currency on ``on``, worked out independently."""
    out: dict[str, Decimal] = {}
    for inv in ledger.invoices:
        if inv.issued <= on:
            left = inv.amount - sum((s.amount for s in inv.settlements if s.date <= on), m(0))
            if left > 0:
                out[inv.currency] = out.get(inv.currency, m(0)) + left
    for cash in ledger.unapplied:
        if cash.date <= on and cash.currency in out:
            out[cash.currency] -= cash.amount
    return {c: v for c, v in out.items() if v > 0}


@PROPERTY
@given(scenarios())
def test_no_action_for_a_customer_whose_open_balance_is_zero(scenario: Any) -> None:
    """A customer who owes nothing is never chased. The one action such a customer may get is
    the release of a credit hold (rule "credit hold"): paying up is what clears it."""
    policy, ledgers, on = scenario
    evaluation = evaluate_on(policy, ledgers, on)
    settled = {lg.customer.id for lg in ledgers if not open_balance(lg, on)}
    for action in evaluation.actions:
        if action.customer_id in settled:
            assert action.kind == "credit_release", action
            assert action.invoices == ()


@PROPERTY
@given(scenarios())
def test_a_disputed_invoice_never_appears_in_an_action(scenario: Any) -> None:
    """An invoice under a dispute open on D is in no action (rule "dispute")."""
    policy, ledgers, on = scenario
    evaluation = evaluate_on(policy, ledgers, on)
    disputed = {x.invoice_id for lg in ledgers for x in lg.disputes if x.open_on(on)}
    assert not disputed & {i for a in evaluation.actions for i in a.invoice_ids}


@PROPERTY
@given(scenarios())
def test_after_recording_every_action_as_done_none_of_the_same_ids_come_back(
    scenario: Any,
) -> None:
    """Recording the day's actions as done (rule "action id", "history") empties them from the
    list of the same day."""
    policy, ledgers, on = scenario
    first = evaluate_on(policy, ledgers, on)
    records: dict[str, list[ActionRecord]] = {}
    for action in first.actions:
        records.setdefault(action.customer_id, []).append(
            ActionRecord(action.id, action.customer_id, action.step, action.invoice_ids, on)
        )
    recorded = [
        lg._replace(history=lg.history + tuple(records.get(lg.customer.id, ()))) for lg in ledgers
    ]
    again = evaluate_on(policy, recorded, on)
    assert not {a.id for a in first.actions} & {a.id for a in again.actions}


@PROPERTY
@given(scenarios(payments=False), st.integers(1, 120))
def test_without_payments_the_step_reached_never_goes_down_as_the_date_moves_forward(
    scenario: Any, later: int
) -> None:
    """Without payments (and without history, disputes, guardrails or the expiry of steps dated
    before the due date in the way) an invoice that reached a step on D is at that step or a
    higher one on any later day (rule "step reached")."""
    policy, ledgers, on = scenario
    sent_late = ladder("standard", [replace(s, after_due="send") for s in LADDER.steps])
    policy = make_policy(ladders=[sent_late], customers=policy.customers.values())
    before, after = _steps_reached(policy, ledgers, on, later)
    for invoice_id, (index, _) in before.items():
        reached = after.get(invoice_id, (-1, None))[0]
        assert reached >= index, (invoice_id, index, reached)


@PROPERTY
@given(scenarios(payments=False), st.integers(1, 120))
def test_without_payments_an_invoice_leaves_the_ladder_only_when_a_pre_due_step_expires(
    scenario: Any, later: int
) -> None:
    """With the default expiry (rule "expiry": a step dated before the due date is not sent on or
    after it) an unpaid invoice that reached a step on D is, on a later day, at that step or a
    higher one, or at none because its step was dated before the due date, the later day is on
    or after the due date, and the first step after the due date is not reached yet."""
    policy, ledgers, on = scenario
    policy = make_policy(ladders=[LADDER], customers=policy.customers.values())
    before, after = _steps_reached(policy, ledgers, on, later)
    when = on + timedelta(days=later)
    first_after_due = next(i for i, s in enumerate(LADDER.steps) if s.id == "first-reminder")
    for invoice_id, (index, due) in before.items():
        if invoice_id in after:
            assert after[invoice_id][0] >= index, (invoice_id, index, after[invoice_id])
            continue
        assert index < first_after_due and due <= when < due + timedelta(days=7), (
            invoice_id,
            index,
            when,
            due,
        )


def _steps_reached(
    policy: Policy, ledgers: list[CustomerLedger], on: date, later: int
) -> tuple[dict[str, tuple[int, date]], dict[str, tuple[int, date]]]:
    """Return each invoice's step index and due date in the day's actions on ``on`` and
    ``later`` days on, with history, disputes, promises, plans and unapplied cash taken away."""
    fresh = [
        lg._replace(history=(), disputes=(), promises=(), plans=(), unapplied=()) for lg in ledgers
    ]

    def reached(when: date) -> dict[str, tuple[int, date]]:
        return {
            inv.id: (a.step_index, inv.due)
            for a in evaluate_on(policy, fresh, when).actions
            if a.step != "credit-limit"
            for inv in a.invoices
        }

    return reached(on), reached(on + timedelta(days=later))


@PROPERTY
@given(scenarios())
def test_an_actions_totals_equal_the_sum_of_its_invoices_open_amounts(scenario: Any) -> None:
    """Rule "one action per step": totals per currency sum the invoices' open amounts and the
    charges still owed on them (rule "charges owed"); every invoice chased owes something."""
    policy, ledgers, on = scenario
    for action in evaluate_on(policy, ledgers, on).actions:
        sums: dict[str, Decimal] = {}
        for inv in action.invoices:
            assert inv.open >= 0 and inv.charges_owed >= 0
            assert inv.open + inv.charges_owed > 0
            sums[inv.currency] = sums.get(inv.currency, m(0)) + inv.open + inv.charges_owed
        assert dict(action.totals) == sums


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_shuffling_the_input_order_changes_nothing(scenario: Any, rng: random.Random) -> None:
    """Rule "deterministic output": customers, invoices, settlements, history in any order."""
    policy, ledgers, on = scenario
    expected = evaluate_on(policy, ledgers, on)

    def shuffled(items: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(rng.sample(items, len(items)))

    mixed = [
        lg._replace(
            invoices=shuffled(
                tuple(inv._replace(settlements=shuffled(inv.settlements)) for inv in lg.invoices)
            ),
            history=shuffled(lg.history),
            disputes=shuffled(lg.disputes),
            unapplied=shuffled(lg.unapplied),
        )
        for lg in rng.sample(ledgers, len(ledgers))
    ]
    assert evaluate_on(policy, mixed, on) == expected


@PROPERTY
@given(scenarios())
def test_reading_the_action_log_once_finds_the_steps_the_history_rule_finds(scenario: Any) -> None:
    """Rule "history": the evaluation reads a customer's log once, keeping per invoice only the
    highest step recorded; invoice by invoice it finds the pending steps the plain form of the
    rule (``pending_step`` over ``index_history``, tests/engine/rules/reference.py) finds,
    repetitions included."""
    from engine.rules.account import Account
    from engine.rules.context import EvaluationContext
    from engine.rules.history import pending_steps
    from engine.rules.ladder import Reached, top_step
    from tests.engine.rules.reference import index_history, pending_step

    policy, ledgers, on = scenario
    context = EvaluationContext(policy)
    context.dates.set_day(on)
    for ledger in ledgers:
        account = Account(context, ledger, on)
        rules = account.rules
        delay = tuple(sorted(rules.delay.items()))
        reached_by = []
        for inv in ledger.invoices:
            key = (rules.ladder.name, inv.terms or rules.term.name, inv.issued, inv.due, delay)
            day = context.day_dates(key, inv, rules)
            top = top_step(day, frozenset())
            if top is not None:
                entry: Reached = (inv, inv.amount, day, top)
                reached_by.append(entry)
        items, _ = pending_steps(account, reached_by)
        got = {item.invoice.id: item.pending for item in items}
        history = index_history(rules.ladder, ledger.history)
        want = {}
        for inv, _, day, _ in reached_by:
            pending = pending_step(day, frozenset(), history.get(inv.id), rules.ladder.steps, on)
            if pending is not None:
                want[inv.id] = pending
        assert got == want


@PROPERTY
@given(scenarios())
def test_every_invoice_on_the_list_has_the_open_amount_and_dates_the_balances_give(
    scenario: Any,
) -> None:
    """Rule "balances": the customer page and the list compute open amounts once: each invoice of
    each action has the open amount, due date and days overdue of ``account_balances``."""
    from engine.rules.balances import account_balances
    from engine.rules.context import EvaluationContext

    policy, ledgers, on = scenario
    context = EvaluationContext(policy)
    owed = {
        entry.invoice.id: (entry.open, entry.due, max(entry.days_overdue, 0))
        for ledger in ledgers
        for entry in account_balances(context, ledger, on).invoices
    }
    for action in evaluate_on(policy, ledgers, on).actions:
        for line in action.invoices:
            if line.open == 0:
                # Owed only for its charges, its own amount paid (rule "charges owed"): not an
                # open invoice of the balances.
                assert line.charges_owed > 0 and line.id not in owed, (action.step, line)
                continue
            assert (line.open, line.due, line.days_overdue) == owed[line.id], (action.step, line)
