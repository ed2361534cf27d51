"""Rule "reasons" (docs/rules/ladder.md): the reasons in words and facts, and a reason worked out
when first read is the reason itself.

The evaluation defers the longest reasons (``explain.later``): to anyone who reads, compares,
copies or pickles them they must be the ``Reason`` the eager function returns.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Mapping

import pytest

from engine.model.actions import Reason
from engine.model.ledger import Customer
from engine.rules import explain
from engine.rules.effective import EffectivePolicies
from tests.engine.builders import (
    DISCOUNT_LADDER,
    INV_1,
    TERMS,
    account,
    d,
    invoice,
    ladder,
    m,
    make_policy,
    only,
    run,
    step,
)


def eager(text: str, facts: Mapping[str, str], calls: list[str]) -> Reason:
    calls.append(text)
    return Reason(text, dict(facts))


def test_a_deferred_reason_is_built_once_when_first_read() -> None:
    calls: list[str] = []
    reason = explain.later(eager, "Invoice INV-1 is overdue.", {"invoice": "INV-1"}, calls)
    assert calls == []
    assert reason.text == "Invoice INV-1 is overdue."
    assert reason.facts == {"invoice": "INV-1"}
    assert reason.text == "Invoice INV-1 is overdue."
    assert calls == ["Invoice INV-1 is overdue."]


def test_a_deferred_reason_reads_compares_copies_and_pickles_as_the_reason() -> None:
    plain = Reason("Catch-up: 'courtesy' also fell due.", {"superseded_steps": "courtesy"})
    reason = explain.later(eager, plain.text, plain.facts, [])
    assert isinstance(reason, Reason)
    assert reason == plain
    assert plain == reason
    assert reason != Reason(plain.text, {})
    assert Reason("other") != reason
    assert repr(reason) == repr(plain)
    assert dataclasses.asdict(reason) == dataclasses.asdict(plain)
    assert dataclasses.replace(reason, text="changed") == Reason("changed", plain.facts)
    for twin in (copy.copy(reason), copy.deepcopy(reason), pickle.loads(pickle.dumps(reason))):
        assert type(twin) is Reason
        assert twin == plain
    with pytest.raises(dataclasses.FrozenInstanceError):
        reason.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(reason)


def test_a_deferred_reason_survives_its_inputs_going_out_of_scope() -> None:
    def make() -> Reason:
        facts = {"invoice": "INV-2"}
        return explain.later(eager, "Invoice INV-2 falls due today.", facts, [])

    assert make() == Reason("Invoice INV-2 falls due today.", {"invoice": "INV-2"})


@pytest.mark.parametrize(
    ("terms", "due", "occurrence", "days_overdue"),
    [("net30", None, 0, 15), ("2-10-net30", None, 0, -3), ("net14", "2026-10-01", 2, 0)],
    ids=["overdue", "discount-before-due", "explicit-due-repetition"],
)
def test_an_invoice_step_reason_is_the_step_sentence_with_the_invoice(
    terms: str, due: str | None, occurrence: int, days_overdue: int
) -> None:
    """Rule "reasons": one sentence per invoice, the same from its facts as from the shared
    sentence and the invoice."""
    policy = make_policy(ladders=[ladder()])
    rules = EffectivePolicies(policy).get(Customer("C1", "Acme Ltd"), frozenset())
    inv = invoice("INV-1", "2026-09-01", "1200.00", terms=terms, due=due)
    final = step("final-reminder", "due+30d", "letter", repeat_days=14)
    dates = (d("2026-10-31"), d("2026-10-01"), d("2026-10-01"), d("2026-09-11"))
    got = explain.invoice_step_reason(
        inv, m("1200.00"), final, dates, occurrence, days_overdue, rules, TERMS[terms], "invoice"
    )
    shared = explain.step_sentence(
        final, dates[0], occurrence, dates[1], dates[2], days_overdue, rules, terms, "invoice",
        due is not None,
    )  # fmt: skip
    discount = (dates[3], m("24.00") if terms == "2-10-net30" else m("0.00"))
    assert got == explain.invoice_reason(inv, m("1200.00"), shared, discount)
    assert got.text.startswith("Invoice INV-1 (GBP 1,200.00 open)")


def test_discount_facts() -> None:
    """Rule "reasons": the discount deadline and amount are facts of a discount invoice."""
    inv = invoice("INV-1", "2026-09-01", "1200.00", terms="2-10-net30")
    action = only(run(make_policy(ladders=[DISCOUNT_LADDER]), account("C1", inv), on="2026-09-09"))
    facts = action.reasons[0].facts
    assert (facts["discount_deadline"], facts["discount_amount"]) == ("2026-09-11", "24.00")


def test_reason_in_words_and_facts() -> None:
    """Rule "reasons": one sentence per invoice, with the facts behind it."""
    action = only(run(make_policy(), account("C1", INV_1), on="2026-10-16"))
    reason = action.reasons[0]
    assert reason.text == (
        "Invoice INV-1 (GBP 1,200.00 open) is 15 days overdue; the step 'second-reminder' "
        "(due+14d) fell due on 2026-10-15."
    )
    assert {k: reason.facts[k] for k in (
        "anchor", "anchor_date", "offset", "step_date", "days_overdue", "ladder",
        "ladder_decided_by", "terms", "terms_decided_by",
    )} == {
        "anchor": "due", "anchor_date": "2026-10-01", "offset": "due+14d",
        "step_date": "2026-10-15", "days_overdue": "15", "ladder": "standard",
        "ladder_decided_by": "policy defaults", "terms": "net30",
        "terms_decided_by": "policy defaults",
    }  # fmt: skip
    assert action.invoices[0].days_overdue == 15
    assert action.invoices[0].step_date == d("2026-10-15")


def test_reason_before_the_due_date() -> None:
    """Rule "reasons": a reminder before the due date says when the invoice falls due."""
    action = only(run(make_policy(), account("C1", INV_1), on="2026-09-29"))
    assert action.reasons[0].text == (
        "Invoice INV-1 (GBP 1,200.00 open) falls due on 2026-10-01, in 2 days; the step "
        "'courtesy' (due-3d) fell due on 2026-09-28."
    )
    assert action.invoices[0].days_overdue == 0
