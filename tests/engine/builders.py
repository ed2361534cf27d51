"""Small builders so each engine test states its policy and ledger inline, as a story.

``make_policy()`` gives a policy with one ladder, ``standard``, whose steps are easy to reason about
(calendar-day offsets from the due date, 30-day terms), no guardrails and no minimum balance; a
test adds only what the rule it proves needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from engine.evaluate import evaluate
from engine.model.actions import Action, Evaluation, PolicyVersion
from engine.model.ledger import (
    ActionRecord,
    ActionStatus,
    CreditNote,
    Customer,
    CustomerLedger,
    Dispute,
    Instalment,
    Invoice,
    Payment,
    PaymentPlan,
    Promise,
    Settlement,
)
from engine.model.policy import (
    AssignmentRule,
    CalendarSpec,
    CompensationBand,
    CreditLimit,
    CustomerPolicy,
    Defaults,
    DiscountTier,
    Fee,
    Guardrails,
    InterestScheme,
    Ladder,
    Offset,
    Pause,
    Policy,
    RatePeriod,
    ReferenceRate,
    Step,
    StepAction,
    Template,
    TemplateVariant,
    Term,
)

VERSION = PolicyVersion(digest="sha256:" + "0" * 64, commit="c0ffee")


def d(text: str) -> date:
    """Return the date written ``YYYY-MM-DD``."""
    return date.fromisoformat(text)


def m(text: str | int) -> Decimal:
    """Return an exact amount."""
    return Decimal(str(text))


def step(step_id: str, at: str, kind: str = "email", **options: Any) -> Step:
    """Return a step: ``kind`` is a channel (email, phone, letter, sms) or an action."""
    offset = Offset.parse(at)
    assert offset is not None, at
    if kind in {"email", "phone", "letter", "sms"}:
        template = options.pop("template", step_id if kind != "phone" else None)
        return Step(step_id, offset, StepAction.CONTACT, kind, template, **options)
    return Step(step_id, offset, StepAction(kind), **options)


STANDARD_STEPS = (
    step("courtesy", "due-3d"),
    step("first-reminder", "due+1d"),
    step("second-reminder", "due+14d", fee="reminder-fee"),
    step("call", "due+21d", "phone", assign="collector"),
    step("credit-hold", "due+30d", "credit_hold"),
    step("final-notice", "due+45d", "letter", interest="statutory-uk"),
    step("agency", "due+75d", "escalate", to="agency", min_balance={"GBP": m("500.00")}),
    step("write-off-review", "due+180d", "write_off_review"),
)

TERMS = {
    "net30": Term("net30", net_days=30),
    "net14": Term("net14", net_days=14),
    "2-10-net30": Term("2-10-net30", net_days=30, discounts=(DiscountTier(10, m("2")),)),
}

FEES = {"reminder-fee": Fee("reminder-fee", fixed={"GBP": m("15.00"), "EUR": m("15.00")})}

INTEREST = {
    "statutory-uk": InterestScheme(
        "statutory-uk",
        reference="boe-base",
        margin_percent=m("8"),
        day_basis=365,
        fixing="daily",
        compensation_currency="GBP",
        compensation=(
            CompensationBand(m("40.00"), m("1000.00")),
            CompensationBand(m("70.00"), m("10000.00")),
            CompensationBand(m("100.00")),
        ),
    )
}

RATES = {"boe-base": ReferenceRate("boe-base", (RatePeriod(d("2020-01-01"), m("4.00")),))}


def ladder(name: str = "standard", steps: Sequence[Step] = STANDARD_STEPS) -> Ladder:
    """Return a ladder."""
    return Ladder(name, tuple(steps))


def variant(tone: str, language: str, subject: str, body: str) -> TemplateVariant:
    """Return a template variant."""
    return TemplateVariant(tone, language, subject, body)


def make_policy(
    *,
    ladders: Iterable[Ladder] = (),
    customers: Iterable[CustomerPolicy] = (),
    assignment: Iterable[AssignmentRule] = (),
    templates: Iterable[Template] = (),
    guardrails: Guardrails | None = None,
    min_balance: Mapping[str, str] | None = None,
    closed: Iterable[str] = (),
    calendar: CalendarSpec | None = None,
    **options: Any,
) -> Policy:
    """Return a policy: the ``standard`` ladder unless ``ladders`` are given, net30 terms."""
    all_ladders = {lad.name: lad for lad in (*ladders,)} or {"standard": ladder()}
    if "standard" not in all_ladders:
        all_ladders["standard"] = ladder()
    return Policy(
        name=options.pop("name", "Northwind Supplies Ltd"),
        timezone="Europe/London",
        base_currency="GBP",
        defaults=Defaults(
            terms=options.pop("terms_default", "net30"),
            ladder=options.pop("ladder_default", "standard"),
            tone="standard",
        ),
        calendar=calendar or CalendarSpec(closed=frozenset(d(c) for c in closed)),
        assignment=tuple(replace(rule, index=i) for i, rule in enumerate(assignment)),
        min_balance={k: m(v) for k, v in (min_balance or {}).items()},
        guardrails=guardrails or Guardrails(None, "any", None),
        terms=options.pop("terms", TERMS),
        ladders=all_ladders,
        fees=options.pop("fees", FEES),
        interest=options.pop("interest", INTEREST),
        reference_rates=options.pop("reference_rates", RATES),
        templates={t.name: t for t in templates},
        customers={c.id: c for c in customers},
        **options,
    )


def customer_file(customer_id: str = "C1", **fields: Any) -> CustomerPolicy:
    """Return a customer file (``customers/<id>.yaml``) with the given overrides."""
    if "pause" in fields and isinstance(fields["pause"], tuple):
        until, reason = fields["pause"]
        fields["pause"] = Pause(d(until), reason)
    for key in ("skip", "exempt"):
        if key in fields:
            fields[key] = frozenset(fields[key])
    if fields.get("credit_limit") and isinstance(fields["credit_limit"][0], str):
        amount, currency = fields["credit_limit"]
        fields["credit_limit"] = CreditLimit(m(amount), currency)
    return CustomerPolicy(customer_id, **fields)


def invoice(
    invoice_id: str,
    issued: str,
    amount: str | int,
    currency: str = "GBP",
    *,
    customer: str = "C1",
    terms: str | None = None,
    due: str | None = None,
    paid: Iterable[tuple[str, str | int]] = (),
    credited: Iterable[tuple[str, str | int]] = (),
) -> Invoice:
    """Return an invoice with the payments (``paid``) and credit notes applied to it."""
    settlements = tuple(
        [Settlement(d(when), m(how_much), "payment", f"PAY-{invoice_id}-{i}")
         for i, (when, how_much) in enumerate(paid)]
        + [Settlement(d(when), m(how_much), "credit_note", f"CN-{invoice_id}-{i}")
           for i, (when, how_much) in enumerate(credited)]
    )  # fmt: skip
    return Invoice(
        invoice_id,
        customer,
        d(issued),
        m(amount),
        currency,
        terms,
        d(due) if due else None,
        settlements,
    )


def done(
    step_id: str,
    invoices: Iterable[str],
    when: str,
    *,
    customer: str = "C1",
    status: ActionStatus = ActionStatus.DONE,
    action_id: str = "",
    interest: str | None = None,
    fee: str | None = None,
) -> ActionRecord:
    """Return an action-log record (done unless ``status`` says otherwise)."""
    ids = tuple(invoices)
    return ActionRecord(
        action_id or f"rec-{step_id}-{'-'.join(ids)}-{when}",
        customer,
        step_id,
        ids,
        d(when),
        status,
        m(fee) if fee else None,
        m(interest) if interest else None,
        "GBP" if fee or interest else None,
    )


def unapplied(
    ref: str,
    when: str,
    amount: str,
    currency: str = "GBP",
    *,
    customer: str = "C1",
    credit: bool = False,
) -> Payment | CreditNote:
    """Return unapplied cash (or an unapplied credit note with ``credit``)."""
    kind = CreditNote if credit else Payment
    return kind(ref, customer, d(when), m(amount), currency)


def dispute(invoice_id: str, opened: str, resolved: str | None = None, reason: str = "") -> Dispute:
    """Return a dispute."""
    return Dispute(
        f"D-{invoice_id}", invoice_id, d(opened), d(resolved) if resolved else None, reason
    )


def promise(
    made: str, pay_by: str, amount: str, currency: str = "GBP", *, customer: str = "C1",
    invoices: Iterable[str] = (), promise_id: str = "PTP-1",
) -> Promise:  # fmt: skip
    """Return a promise to pay."""
    return Promise(promise_id, customer, d(made), d(pay_by), m(amount), currency, tuple(invoices))


def plan(
    agreed: str, invoices: Iterable[str], instalments: Iterable[tuple[str, str]],
    currency: str = "GBP", *, customer: str = "C1", plan_id: str = "PLAN-1",
) -> PaymentPlan:  # fmt: skip
    """Return a payment plan."""
    return PaymentPlan(
        plan_id,
        customer,
        d(agreed),
        currency,
        tuple(invoices),
        tuple(Instalment(d(due), m(amount)) for due, amount in instalments),
    )


def account(
    customer_id: str = "C1",
    *invoices: Invoice,
    name: str = "",
    history: Iterable[ActionRecord] = (),
    **parts: Any,
) -> CustomerLedger:
    """Return one customer's ledger; ``parts`` are unapplied, disputes, promises, plans,
    handoffs, waivers."""
    customer = parts.pop("customer", None) or Customer(
        customer_id, name or f"Customer {customer_id}"
    )
    return CustomerLedger(
        customer,
        tuple(invoices),
        tuple(parts.pop("unapplied", ())),
        tuple(parts.pop("disputes", ())),
        tuple(parts.pop("promises", ())),
        tuple(parts.pop("plans", ())),
        tuple(history),
        tuple(parts.pop("handoffs", ())),
        tuple(parts.pop("waivers", ())),
    )


def run(policy: Policy, *accounts: CustomerLedger, on: str) -> Evaluation:
    """Return the evaluation of ``accounts`` under ``policy`` on the day ``on``."""
    return evaluate(policy, accounts, d(on), VERSION)


def steps_of(evaluation: Evaluation) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (customer, step, invoices) of each action, in list order."""
    return [(a.customer_id, a.step, a.invoice_ids) for a in evaluation.actions]


def only(evaluation: Evaluation) -> Action:
    """Return the one action of ``evaluation`` (and fail when there is not exactly one)."""
    assert len(evaluation.actions) == 1, steps_of(evaluation)
    return evaluation.actions[0]


# The invoice of most rule tests, under ``make_policy()``: issued Tue 1 Sep 2026 for
# GBP 1,200.00 on net30 terms, due Thu 1 Oct. Its steps fall due on: courtesy 28 Sep,
# first-reminder 2 Oct, second-reminder 15 Oct (fee), call 22 Oct, credit-hold 31 Oct,
# final-notice 15 Nov (interest), agency 15 Dec (GBP 500 or more), write-off-review 30 Mar 2027.
INV_1 = invoice("INV-1", "2026-09-01", "1200.00")

# A ladder with steps anchored on the invoice, the discount deadline and the due date.
DISCOUNT_LADDER = ladder(
    "standard",
    [
        step("delivery-check", "invoice+2d"),
        step("discount-nudge", "discount-2d"),
        step("courtesy", "due-3d"),
    ],
)
