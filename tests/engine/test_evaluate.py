"""The daily action list as a whole (engine/evaluate.py): stamped, deterministic, one context
for every customer and day. Each rule has its own tests in tests/engine/rules/.
"""

from __future__ import annotations

import random

from engine.evaluate import EvaluationContext, evaluate_customer, evaluate_customers
from engine.model.ledger import Customer
from engine.model.policy import Guardrails
from tests.engine.builders import (
    INV_1,
    VERSION,
    account,
    d,
    done,
    invoice,
    m,
    make_policy,
    run,
)


def test_shuffled_input_gives_the_same_list() -> None:
    """Rule "deterministic output": the order of customers, invoices and history changes nothing."""
    ledgers = [
        account(
            f"C{c}",
            *[invoice(f"INV-{c}{i}", f"2026-0{7 + i % 3}-1{i}", f"{100 * (i + c)}.00",
                      customer=f"C{c}") for i in range(6)],
            history=[done("courtesy", [f"INV-{c}1"], "2026-08-10", customer=f"C{c}"),
                     done("first-reminder", [f"INV-{c}2"], "2026-09-15", customer=f"C{c}")],
        )
        for c in range(1, 5)
    ]  # fmt: skip
    policy = make_policy(guardrails=Guardrails(3, "business", m("0.10")))
    expected = run(policy, *ledgers, on="2026-10-16")
    assert expected.actions
    rng = random.Random(4)
    for _ in range(5):
        shuffled = [
            lg._replace(
                invoices=tuple(rng.sample(lg.invoices, len(lg.invoices))),
                history=tuple(rng.sample(lg.history, len(lg.history))),
            )
            for lg in rng.sample(ledgers, len(ledgers))
        ]
        assert run(policy, *shuffled, on="2026-10-16") == expected


def test_customers_parts_in_id_order_joined_are_the_list() -> None:
    """A writer that takes the list customer by customer (``evaluate_customers``) gets, joined,
    exactly the list ``evaluate`` returns, and the same counts."""
    ledgers = [
        account(
            f"C{c}",
            *[invoice(f"INV-{c}{i}", f"2026-0{7 + i % 3}-1{i}", f"{100 * (i + c)}.00",
                      customer=f"C{c}") for i in range(4)],
            history=[done("courtesy", [f"INV-{c}1"], "2026-08-10", customer=f"C{c}")],
        )
        for c in range(1, 6)
    ]  # fmt: skip
    policy = make_policy(guardrails=Guardrails(3, "business", m("0.10")))
    whole = run(policy, *ledgers, on="2026-10-16")
    outcomes = evaluate_customers(policy, ledgers, d("2026-10-16"))
    parts = list(outcomes)
    assert outcomes.in_order
    assert tuple(a for p in parts for a in p.actions) == whole.actions
    assert tuple(s for p in parts for s in p.suppressions) == whole.suppressions
    assert tuple(s for p in parts for s in p.superseded) == whole.superseded
    assert (outcomes.customers, outcomes.invoices) == (5, 20)
    backwards = evaluate_customers(policy, ledgers[::-1], d("2026-10-16"))
    assert len(list(backwards)) == len(parts) and not backwards.in_order


def test_evaluation_is_stamped() -> None:
    """Rule "deterministic output": the list carries the date, the policy version and counts."""
    evaluation = run(
        make_policy(), account("C1", INV_1), account("C2", customer=Customer("C2")), on="2026-10-16"
    )
    assert (evaluation.as_of, evaluation.policy_version) == (d("2026-10-16"), VERSION)
    assert (evaluation.customers_evaluated, evaluation.invoices_evaluated) == (2, 1)


def test_evaluate_customer_reuses_one_context_across_days() -> None:
    """One EvaluationContext serves every customer and day (the per-day answers are reset)."""
    context = EvaluationContext(make_policy())
    ledger = account("C1", INV_1)
    days = ["2026-10-16", "2026-09-29", "2026-10-23"]
    got = [[a.step for a in evaluate_customer(context, ledger, d(on)).actions] for on in days]
    assert got == [["second-reminder"], ["courtesy"], ["call"]]
