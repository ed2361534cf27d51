"""Rule "experiments" (engine/rules/experiments.py): a customer's variant by hash, and the
comparison of variants with confidence intervals computed by statsmodels.

Worked examples from R. G. Newcombe's papers (Statistics in Medicine 17, 1998):
- "Two-sided confidence intervals for the single proportion: comparison of seven methods":
  81/263 has the Wilson score interval 0.2553 to 0.3662, and 15/148 0.0624 to 0.1605;
- "Interval estimation for the difference between independent proportions: comparison of eleven
  methods": 56/70 - 48/80 = 0.2000, hybrid score (method 10) interval 0.0524 to 0.3339.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from engine.model.policy import Experiment, Variant
from engine.rules.experiments import Arm, compare_arms, variant_of
from tests.engine.builders import account, invoice, ladder, make_policy, run

EXPERIMENT = Experiment(
    "first-reminder-tone",
    "first-reminder",
    (Variant("control", 50), Variant("firm", 50, tone="firm")),
)


def test_a_customer_always_gets_the_same_variant_and_the_split_follows_the_shares() -> None:
    """The same id gives the same variant; 10,000 ids split close to 50/50 and 20/80."""
    assert variant_of(EXPERIMENT, "ACME-0001") == variant_of(EXPERIMENT, "ACME-0001")
    counts = Counter(variant_of(EXPERIMENT, f"C{n:05d}").name for n in range(10_000))
    assert 4_800 < counts["control"] < 5_200
    skewed = replace(EXPERIMENT, variants=(Variant("control", 20), Variant("firm", 80)))
    counts = Counter(variant_of(skewed, f"C{n:05d}").name for n in range(10_000))
    assert 1_850 < counts["control"] < 2_150


def test_wilson_intervals_match_newcombe() -> None:
    result = compare_arms("e", "s", 14, [Arm("a", 263, 81), Arm("b", 148, 15)])
    found = [(a.low, a.high) for a in result.arms]
    assert [(round(low or 0, 4), round(high or 0, 4)) for low, high in found] == [
        (Decimal("0.2553"), Decimal("0.3662")),
        (Decimal("0.0624"), Decimal("0.1605")),
    ]
    assert all(low is not None for low, _ in found)


def test_the_difference_interval_matches_newcombe_and_is_called_significant() -> None:
    result = compare_arms("e", "s", 14, [Arm("control", 80, 48), Arm("firm", 70, 56)])
    [difference] = result.differences
    assert difference.difference == Decimal("0.2")
    assert (round(difference.low, 4), round(difference.high, 4)) == (
        Decimal("0.0524"),
        Decimal("0.3339"),
    )
    assert difference.significant
    assert difference.verdict.startswith("firm gets more invoices paid within 14 days than control")


def test_a_small_difference_is_said_to_be_not_yet_significant() -> None:
    result = compare_arms("e", "s", 14, [Arm("control", 20, 10), Arm("firm", 20, 12)])
    [difference] = result.differences
    assert not difference.significant
    assert difference.verdict.startswith("no significant difference yet between firm and control")
    empty = compare_arms("e", "s", 14, [Arm("control", 0, 0), Arm("firm", 5, 1)])
    assert (empty.arms[0].share, empty.differences) == (None, ())


def test_the_daily_list_sends_the_customers_variant() -> None:
    """The first reminder goes out in the tone of the customer's variant; other steps do not."""
    policy = make_policy(ladders=[replace(ladder(), experiment=EXPERIMENT)])
    ids = [f"C{n}" for n in range(12)]
    ledgers = [account(c, invoice(f"I-{c}", "2026-09-01", "100.00", customer=c)) for c in ids]
    found = run(policy, *ledgers, on="2026-10-02")
    tones = {a.customer_id: a.tone for a in found.actions if a.step == "first-reminder"}
    assert tones == {
        c: ("firm" if variant_of(EXPERIMENT, c).name == "firm" else "standard") for c in ids
    }
    assert set(tones.values()) == {"firm", "standard"}
