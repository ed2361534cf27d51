"""Rule "experiments": which variant of a step a customer gets, and what the variants show.

A ladder may declare an ``experiment`` on one of its steps: two or more variants (a tone, a
template), each with a share of the customers. A customer's variant is decided by a hash of the
experiment's id and the customer's id (SHA-256, read as a number from 0 to 99 against the
cumulative shares), so it never changes from one day or one machine to the next, needs no
stored assignment, and is reshuffled only by renaming the experiment.

The comparison takes, for each variant, the invoices its step reached and whether each was paid
within a window (rule "what works"), and gives each variant's share paid with a 95 % Wilson
score interval, and the difference of each variant from the first (the control) with a 95 %
Newcombe interval and a two-sided p-value, computed by statsmodels (docs/rules/reports.md). A
difference is called significant only when its interval excludes zero; otherwise the report says
plainly that it is not (yet).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.model.policy import Experiment, Variant

CONFIDENCE = Decimal("0.95")
_SIX = Decimal("0.000001")


def variant_of(experiment: Experiment, customer_id: str) -> Variant:
    """Return the variant of ``experiment`` that ``customer_id`` is in (always the same one)."""
    digest = hashlib.sha256(f"{experiment.id}\x1f{customer_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % 100
    cumulative = 0
    for variant in experiment.variants:
        cumulative += variant.share
        if point < cumulative:
            return variant
    return experiment.variants[-1]


@dataclass(frozen=True, slots=True)
class Arm:
    """One variant's invoices: how many were observed over the window and how many were paid."""

    variant: str
    observed: int
    paid: int


@dataclass(frozen=True, slots=True)
class ArmResult:
    """One variant's share paid within the window and its confidence interval."""

    variant: str
    observed: int
    paid: int
    share: Decimal | None
    low: Decimal | None
    high: Decimal | None


@dataclass(frozen=True, slots=True)
class Difference:
    """A variant's share paid less the control's, with its interval and p-value."""

    variant: str
    control: str
    difference: Decimal
    low: Decimal
    high: Decimal
    p_value: Decimal
    significant: bool
    verdict: str


@dataclass(frozen=True, slots=True)
class ExperimentResult:
    """An experiment's variants compared over a window of days after the step."""

    experiment: str
    step: str
    window: int
    arms: tuple[ArmResult, ...]
    differences: tuple[Difference, ...]


def _decimal(value: float) -> Decimal:
    return Decimal(repr(float(value))).quantize(_SIX)


def _percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'))} %"


def compare_arms(experiment: str, step: str, window: int, arms: Sequence[Arm]) -> ExperimentResult:
    """Return each arm's share paid within ``window`` days with its 95 % Wilson interval, and
    each arm against the first with a 95 % Newcombe interval of the difference and a p-value."""
    # Imported here: statsmodels (with scipy and numpy) costs a second to import, which only
    # this report pays.
    from statsmodels.stats.proportion import (  # noqa: PLC0415
        confint_proportions_2indep,
        proportion_confint,
        test_proportions_2indep,
    )

    alpha = float(1 - CONFIDENCE)
    results = []
    for arm in arms:
        if arm.observed == 0:
            results.append(ArmResult(arm.variant, 0, 0, None, None, None))
            continue
        low, high = proportion_confint(arm.paid, arm.observed, alpha=alpha, method="wilson")
        share = Decimal(arm.paid) / arm.observed
        results.append(
            ArmResult(
                arm.variant, arm.observed, arm.paid, share.quantize(_SIX),
                _decimal(low), _decimal(high),
            )
        )  # fmt: skip
    differences = []
    control = arms[0] if arms else None
    for arm in arms[1:]:
        if control is None or control.observed == 0 or arm.observed == 0:
            continue
        low, high = confint_proportions_2indep(
            arm.paid, arm.observed, control.paid, control.observed,
            method="newcomb", compare="diff", alpha=alpha,
        )  # fmt: skip
        test = test_proportions_2indep(
            arm.paid, arm.observed, control.paid, control.observed,
            method="agresti-caffo", compare="diff",
        )  # fmt: skip
        difference = Decimal(arm.paid) / arm.observed - Decimal(control.paid) / control.observed
        lower, upper = _decimal(low), _decimal(high)
        significant = lower > 0 or upper < 0
        span = f"{_percent(lower)} to {_percent(upper)}"
        if significant:
            better = "more" if difference > 0 else "fewer"
            verdict = (
                f"{arm.variant} gets {better} invoices paid within {window} days than"
                f" {control.variant}: {_percent(difference.quantize(_SIX))} (95 % interval {span})"
            )
        else:
            verdict = (
                f"no significant difference yet between {arm.variant} and {control.variant}"
                f" (95 % interval {span} includes zero): keep the experiment running"
            )
        differences.append(
            Difference(
                arm.variant, control.variant, difference.quantize(_SIX), lower, upper,
                _decimal(test.pvalue), significant, verdict,
            )
        )  # fmt: skip
    return ExperimentResult(experiment, step, window, tuple(results), tuple(differences))
