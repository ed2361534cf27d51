"""The bodies of ``/v1/reports/...``: what ``engine.report.report_render`` writes as JSON.

Money is a decimal string with the currency's minor units; days and percentages are decimal
strings too (two decimals), or null when the figure has no meaning (no credit sales).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from api.models import Currency, Money, Out

Figure = Annotated[
    str | None,
    Field(
        pattern=r"^-?[0-9]{1,9}(\.[0-9]{1,2})?$",
        description="Days or percent, two decimals; null when it has no meaning.",
        examples=["42.17"],
    ),
]


class AgingBucketAmountOut(Out):
    """One aging bucket of one currency."""

    bucket: str = Field(examples=["31-60"])
    label: str = Field(examples=["31–60"])
    invoices: int
    amount: Money


class AgedAmountsOut(Out):
    """Open receivables in one currency, by aging bucket."""

    currency: Currency
    total: Money
    current: Money
    overdue: Money
    invoices: int
    customers: int
    buckets: list[AgingBucketAmountOut]


class CustomerAgingOut(AgedAmountsOut):
    """One customer's open receivables in one currency."""

    customer_id: str
    name: str


class AgingReportOut(Out):
    """The portfolio's aging on a day, per currency and per customer (largest first)."""

    report: Literal["aging"]
    as_of: dt.date
    definition: str
    currencies: list[AgedAmountsOut]
    customers: list[CustomerAgingOut]


class CurrencyDsoOut(Out):
    """The DSO figures of one currency."""

    currency: Currency
    receivables: Money
    current: Money
    credit_sales: Money
    dso: Figure
    countback_dso: Figure
    countback_more_than: bool
    best_possible_dso: Figure
    average_days_delinquent: Figure


class DsoReportOut(Out):
    """DSO (standard and countback), best possible DSO and average days delinquent."""

    report: Literal["dso"]
    as_of: dt.date
    from_: dt.date = Field(alias="from")
    period_days: int
    definition: str
    currencies: list[CurrencyDsoOut]


class CurrencyCeiOut(Out):
    """The CEI of one currency and what it is computed from."""

    currency: Currency
    beginning_receivables: Money
    credit_sales: Money
    ending_receivables: Money
    ending_current: Money
    cei: Figure


class CeiReportOut(Out):
    """The collection effectiveness index of a period."""

    report: Literal["cei"]
    from_: dt.date = Field(alias="from")
    to: dt.date
    months: str = Field(description="N, the months the credit sales are averaged over.")
    definition: str
    currencies: list[CurrencyCeiOut]


class TrendPointOut(Out):
    """One currency's receivables at the end of one day."""

    day: dt.date
    total: Money
    current: Money
    overdue: Money
    overdue_percent: Figure


class CurrencyTrendOut(Out):
    """The series of one currency and how much its overdue amount moved."""

    currency: Currency
    overdue_change: Money
    points: list[TrendPointOut]


class TrendReportOut(Out):
    """The overdue trend of a period, from the daily snapshots."""

    report: Literal["trend"]
    from_: dt.date = Field(alias="from")
    to: dt.date
    definition: str
    missing_days: list[dt.date] = Field(description="Days without a snapshot.")
    currencies: list[CurrencyTrendOut]


class PolicyVersionOut(Out):
    """A policy version the figures name: the commit and the first day it was in force."""

    version: str
    since: dt.date | None
    subject: str


class PaidWithinOut(Out):
    """Of the invoices whose window had ended, how many were paid within it."""

    observed: int
    paid: int
    percent: Figure


class EffectOut(Out):
    """The figures of one step, tone, channel, template or variant under one policy version."""

    dimension: Literal["step", "tone", "channel", "template", "variant"]
    value: str
    version: str
    reached: int
    paid_within: dict[str, PaidWithinOut] = Field(description="By window: 7, 14 and 30 days.")
    median_days_to_payment: Figure
    collected: dict[str, Money]


class EffectivenessReportOut(Out):
    """What works: each step's figures, split by the policy version in force when it fired."""

    report: Literal["effectiveness"]
    from_: dt.date = Field(alias="from")
    to: dt.date
    as_of: dt.date
    definition: str
    versions: list[PolicyVersionOut]
    rows: list[EffectOut]


class VariantOut(Out):
    """One variant's share paid within the window, with its 95 % Wilson interval."""

    variant: str
    observed: int
    paid: int
    percent: Figure
    low_percent: Figure
    high_percent: Figure


class DifferenceOut(Out):
    """A variant against the control: the difference, its 95 % Newcombe interval, p-value."""

    variant: str
    control: str
    difference_percent: Figure
    low_percent: Figure
    high_percent: Figure
    p_value: str
    significant: bool
    verdict: str


class ExperimentOut(Out):
    """One experiment of a ladder."""

    experiment: str
    step: str
    variants: list[VariantOut]
    differences: list[DifferenceOut]


class ExperimentsReportOut(Out):
    """The policy's experiments, each variant compared with the control."""

    report: Literal["experiments"]
    from_: dt.date = Field(alias="from")
    to: dt.date
    as_of: dt.date
    window_days: int
    definition: str
    experiments: list[ExperimentOut]
