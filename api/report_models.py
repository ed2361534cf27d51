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
    fired: int = Field(description="Steps fired that reached an invoice.")
    answered: int = Field(
        description="Of them: the customer answered on the payment portal from the message's"
        " link within 30 days."
    )
    answered_or_paid: int = Field(
        description="Of them: answered on the portal, or a payment came, within 30 days."
    )


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


class CollectorOut(Out):
    """One person's activity in the period."""

    who: str
    actions_worked: int
    contacts: int
    promises_made: int
    promises_kept: int
    promises_broken: int
    promises_pending: int
    promises_replaced: int
    kept_percent: Figure
    paid_within_window: dict[str, Money] = Field(
        description="Cash applied to contacted invoices within the window, per currency."
    )


class CollectorsReportOut(Out):
    """Collector activity: actions worked, contacts, promises made and kept, cash after contact."""

    report: Literal["collectors"]
    from_: dt.date = Field(alias="from")
    to: dt.date
    as_of: dt.date
    window_days: int
    definition: str
    people: list[CollectorOut]


class CurrencyExposureOut(Out):
    """The credit limits and exposure of one currency."""

    currency: Currency
    customers: int
    credit_limits: Money
    exposure: Money
    over_limit: int
    without_limit: Money
    customers_without_limit: int


class CustomerExposureOut(Out):
    """One customer's exposure against its credit limit."""

    customer_id: str
    name: str
    currency: Currency
    credit_limit: Money
    exposure: Money
    overdue: Money
    headroom: Money
    used_percent: Figure
    over_limit: bool
    review_due: dt.date | None = Field(
        description="The day the credit limit review fell due, when it is due."
    )


class ReviewDueOut(Out):
    """A customer whose credit limit is due for its regular review."""

    customer_id: str
    name: str
    owner: str | None
    every_months: int
    last: dt.date
    due: dt.date


class ExposureReportOut(Out):
    """Every customer's exposure against its credit limit, most used first, with totals."""

    report: Literal["exposure"]
    as_of: dt.date
    definition: str
    currencies: list[CurrencyExposureOut]
    customers: list[CustomerExposureOut]
    reviews_due: list[ReviewDueOut]


class SummaryCurrencyOut(Out):
    """One currency's key figures of a period."""

    currency: Currency
    cash_collected: Money
    overdue_before: Money
    overdue_after: Money
    overdue_change: Money
    dso: Figure
    cei: Figure


class SummaryPeriodOut(Out):
    """A period of the summary and its key figures per currency."""

    from_: dt.date = Field(alias="from")
    to: dt.date
    currencies: list[SummaryCurrencyOut]


class SummaryCustomerOut(Out):
    """One of the largest overdue customers."""

    customer_id: str
    name: str
    currency: Currency
    overdue: Money
    total: Money


class SummaryHandoffOut(Out):
    """A customer handed to an agency or a solicitor in the period."""

    customer_id: str
    name: str
    to: str
    opened: dt.date
    claim: dict[str, Money]


class SummaryWriteOffOut(Out):
    """The write-offs of one currency in the period."""

    currency: Currency
    count: int
    amount: Money


class SummaryBrokenPromiseOut(Out):
    """A promise broken in the period."""

    customer_id: str
    pay_by: dt.date
    amount: Money
    currency: Currency


class SummaryPolicyChangeOut(Out):
    """A policy change merged in the period, with its plan's headline that day."""

    commit: str
    day: dt.date
    subject: str
    headline: str


class SummaryReportOut(Out):
    """The management summary of a week or a month, with the period before it."""

    report: Literal["summary"]
    period: Literal["week", "month"]
    from_: dt.date = Field(alias="from")
    to: dt.date
    definition: str
    current: SummaryPeriodOut
    previous: SummaryPeriodOut
    largest_overdue: list[SummaryCustomerOut]
    handoffs: list[SummaryHandoffOut]
    write_offs: list[SummaryWriteOffOut]
    broken_promises: list[SummaryBrokenPromiseOut]
    policy_changes: list[SummaryPolicyChangeOut]
