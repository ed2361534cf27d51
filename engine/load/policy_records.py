"""The records of a policy, built from its schema-valid documents (``engine.model.policy``).

``engine.load.policy_loader`` reads each file, checks it against the schema of its kind and hands
the documents that passed to ``build_records``, which adds their records to ``PolicyParts``;
``assemble`` makes the ``Policy`` of the parts. Every record keeps its ``Origin``: the file and
the path inside it, located on demand (``engine.load.policy_parts.Locator``). Terms and ladders
are built in ``engine.load.ladder_records``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from engine.load.ladder_records import build_ladder, build_terms
from engine.load.payment_file import read_payment
from engine.load.policy_parts import (
    Locator,
    PolicyParts,
    as_date,
    as_text,
    decimal_or_none,
    define,
    mapping_of,
    money_map,
    optional_text,
)
from engine.load.yaml_reader import YamlDocument
from engine.model.policy import (
    UNTIL_FURTHER_NOTICE,
    AssignmentRule,
    CalendarSpec,
    CompensationBand,
    Contact,
    CreditLimit,
    CreditReview,
    CustomerPolicy,
    Defaults,
    DiscountSettings,
    Fee,
    Guardrails,
    InterestScheme,
    Pause,
    Policy,
    RatePeriod,
    ReferenceRate,
    ReportSettings,
    Template,
    TemplateVariant,
    WriteOffRules,
    parse_duration,
    parse_months,
)
from engine.model.source import Problem


def _build_policy(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = Locator(doc)
    data: dict[str, Any] = mapping_of(doc)
    calendar = data.get("calendar") or {}
    defaults = data["defaults"]
    guardrails = data.get("guardrails") or {}
    write_off = data.get("write_off") or {}
    discounts = data.get("discounts") or {}
    rules = []
    for index, rule in enumerate(data.get("assignment") or []):
        when = {
            str(key): tuple(str(v) for v in value) if isinstance(value, list) else (str(value),)
            for key, value in rule["when"].items()
        }
        rules.append(
            AssignmentRule(
                when=when,
                ladder=optional_text(rule.get("ladder")),
                terms=optional_text(rule.get("terms")),
                tone=optional_text(rule.get("tone")),
                index=index,
                origin=locate.origin("assignment", index),
            )
        )
    policy = Policy(
        name=str(data["name"]),
        timezone=str(data["timezone"]),
        base_currency=str(data["base_currency"]),
        defaults=Defaults(
            terms=str(defaults["terms"]),
            ladder=str(defaults["ladder"]),
            tone=str(defaults.get("tone", "standard")),
        ),
        calendar=CalendarSpec(
            country=optional_text(calendar.get("country")),
            subdivision=optional_text(calendar.get("subdivision")),
            closed=frozenset(as_date(day) for day in calendar.get("closed") or ()),
        ),
        language=str(data.get("language", "en")),
        due_date_roll=str(data.get("due_date_roll", "next_business_day")),
        unapplied_cash=str(data.get("unapplied_cash", "oldest_first")),
        charge_allocation=str(data.get("charge_allocation", "principal_first")),
        assignment=tuple(rules),
        min_balance=money_map(data.get("min_balance")),
        other_currencies=optional_text(data.get("other_currencies")),
        guardrails=Guardrails(
            max_contacts_per_7_days=guardrails.get("max_contacts_per_7_days"),
            contact_days=str(guardrails.get("contact_days", "business")),
            max_fee_share=decimal_or_none(guardrails.get("max_fee_share")),
            max_emails_per_minute=guardrails.get("max_emails_per_minute"),
        ),
        reports=_report_settings(data.get("reports") or {}),
        discounts=DiscountSettings(
            partial_payments=str(discounts.get("partial_payments", "none")),
            base=str(discounts.get("base", "gross")),
            origin=locate.origin("discounts") if "discounts" in data else locate.origin(),
        ),
        roles={
            str(role): tuple(str(person) for person in people)
            for role, people in (data.get("roles") or {}).items()
        },
        staff_emails={
            str(person): str(address)
            for person, address in (data.get("staff_emails") or {}).items()
        },
        write_off=WriteOffRules(
            approval_above=money_map(write_off.get("approval_above")),
            approvers=optional_text(write_off.get("approvers")),
            account=str(write_off.get("account", "")),
            origin=locate.origin("write_off") if "write_off" in data else locate.origin(),
        ),
        pause_releases_credit_hold=bool((data.get("pauses") or {}).get("release_credit_hold")),
        origin=locate.origin(),
    )
    parts.policies.append((rel, policy))


def _report_settings(data: dict[str, Any]) -> ReportSettings:
    aging = data.get("aging") or {}
    dso = data.get("dso") or {}
    cei = data.get("cei") or {}
    summary = data.get("summary") or {}
    default = ReportSettings()
    return ReportSettings(
        aging_buckets=tuple(int(day) for day in aging.get("buckets", default.aging_buckets)),
        aging_by=str(aging.get("by", default.aging_by)),
        current=str(data.get("current", default.current)),
        dso_period_days=int(dso.get("period_days", default.dso_period_days)),
        countback_months=str(dso.get("countback_months", default.countback_months)),
        cei_credit_sales=str(cei.get("credit_sales", default.cei_credit_sales)),
        summary_to=tuple(str(address) for address in summary.get("to", ())),
        summary_period=str(summary.get("period", default.summary_period)),
        summary_weekday=str(summary.get("weekday", default.summary_weekday)),
    )


def _build_fees(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = Locator(doc)
    data = mapping_of(doc)
    for name, fee in (data.get("fees") or {}).items():
        record = Fee(
            name=name,
            fixed=money_map(fee.get("fixed")),
            percent=decimal_or_none(fee.get("percent")),
            minimum=money_map(fee.get("min")),
            maximum=money_map(fee.get("max")),
            description=as_text(fee.get("description")),
            origin=locate.origin("fees", name),
        )
        define(
            parts,
            rel,
            doc,
            parts.fees,
            what="fee",
            name=name,
            record=record,
            path=("fees", name),
        )
    for name, scheme in (data.get("interest") or {}).items():
        compensation = scheme.get("compensation") or {}
        bands = tuple(
            CompensationBand(
                amount=Decimal(str(band["amount"])),
                below=decimal_or_none(band.get("below")),
                up_to=decimal_or_none(band.get("up_to")),
            )
            for band in compensation.get("bands") or ()
        )
        margins = tuple(
            RatePeriod(
                start=as_date(change["from"]),
                percent=Decimal(str(change["percent"])),
                origin=locate.origin("interest", name, "margin_changes", index),
            )
            for index, change in enumerate(scheme.get("margin_changes") or ())
        )
        interest = InterestScheme(
            name=name,
            reference=str(scheme["reference"]),
            margin_percent=Decimal(str(scheme["margin_percent"])),
            day_basis=int(scheme.get("day_basis", 365)),
            fixing=str(scheme.get("fixing", "half_year")),
            margin_changes=margins,
            margin_by=str(scheme.get("margin_by", "invoice_date")),
            compound=str(scheme.get("compound", "none")),
            compensation_currency=optional_text(compensation.get("currency")),
            compensation=bands,
            description=as_text(scheme.get("description")),
            origin=locate.origin("interest", name),
        )
        define(
            parts,
            rel,
            doc,
            parts.interest,
            what="interest",
            name=name,
            record=interest,
            path=("interest", name),
        )
    for name, rate in (data.get("reference_rates") or {}).items():
        periods = tuple(
            RatePeriod(
                start=as_date(period["from"]),
                percent=Decimal(str(period["percent"])),
                origin=locate.origin("reference_rates", name, "rates", index),
            )
            for index, period in enumerate(rate["rates"])
        )
        reference = ReferenceRate(
            name, periods, as_text(rate.get("description")), locate.origin("reference_rates", name)
        )
        define(
            parts,
            rel,
            doc,
            parts.reference_rates,
            what="reference rate",
            name=name,
            record=reference,
            path=("reference_rates", name),
        )


def _build_template(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = Locator(doc)
    data = mapping_of(doc)
    variants = tuple(
        TemplateVariant(
            tone=str(variant["tone"]),
            language=str(variant["language"]),
            subject=as_text(variant.get("subject")),
            body=str(variant["body"]),
            origin=locate.origin("variants", index),
        )
        for index, variant in enumerate(data["variants"])
    )
    name = str(data["name"])
    template = Template(name, variants, locate.origin())
    define(
        parts,
        rel,
        doc,
        parts.templates,
        what="template",
        name=name,
        record=template,
        path=("name",),
    )


def _pause(data: dict[str, Any] | None) -> Pause | None:
    if not data:
        return None
    until = data["until"]
    end = None if until == UNTIL_FURTHER_NOTICE else as_date(until)
    return Pause(until=end, reason=str(data["reason"]))


def _credit_review(data: dict[str, Any] | None) -> CreditReview | None:
    if not data:
        return None
    months = parse_months(str(data["every"]))
    if months is None:
        raise ValueError(f"credit review every {data['every']!r} is not a number of months")
    return CreditReview(months, as_date(data["last"]))


def _build_customer(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    data = mapping_of(doc)
    limit = data.get("credit_limit")
    pause = data.get("pause")
    steps = data.get("steps") or {}
    delay: dict[str, int] = {}
    for step, duration in (steps.get("delay") or {}).items():
        days = parse_duration(str(duration))
        if days is None:
            raise ValueError(f"delay {duration!r} is not a duration")
        delay[str(step)] = days
    customer = CustomerPolicy(
        id=str(data["id"]),
        name=as_text(data.get("name")),
        country=optional_text(data.get("country")),
        segment=optional_text(data.get("segment")),
        ladder=optional_text(data.get("ladder")),
        terms=optional_text(data.get("terms")),
        credit_limit=(
            CreditLimit(Decimal(str(limit["amount"])), str(limit["currency"])) if limit else None
        ),
        tone=optional_text(data.get("tone")),
        language=optional_text(data.get("language")),
        owner=optional_text(data.get("owner")),
        contacts=tuple(
            Contact(
                name=as_text(contact.get("name")),
                email=as_text(contact.get("email")),
                phone=as_text(contact.get("phone")),
                role=as_text(contact.get("role")),
            )
            for contact in data.get("contacts") or ()
        ),
        pause=_pause(pause),
        skip=frozenset(str(step) for step in steps.get("skip") or ()),
        delay=delay,
        exempt=frozenset(str(kind) for kind in data.get("exempt") or ()),
        notes=as_text(data.get("notes")),
        origin=Locator(doc, steps.get("skip") or ()).origin(),
        credit_review=_credit_review(data.get("credit_review")),
    )
    define(
        parts,
        rel,
        doc,
        parts.customers,
        what="customer",
        name=customer.id,
        record=customer,
        path=("id",),
    )


def _build_payment(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    if parts.payment is not None:
        first = parts.payment.origin.source
        parts.add_problem(
            rel,
            Problem.at(
                doc.source(("kind",)),
                "P004",
                f"the payment options are already defined in {first.file}: keep one of "
                "policies/payment.yaml and policies/payment.yml",
            ),
        )
        return
    parts.payment = read_payment(doc)


def _build_test(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    parts.tests.append(doc)


def _build_ledger(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    """A ledger file among the policy files is only checked against its schema."""


# What each kind of file adds to the parts.
_BUILDERS: dict[str, Callable[[PolicyParts, str, YamlDocument], None]] = {
    "Policy": _build_policy,
    "Terms": build_terms,
    "Ladder": build_ladder,
    "Fees": _build_fees,
    "Template": _build_template,
    "PolicyTest": _build_test,
    "Customer": _build_customer,
    "Ledger": _build_ledger,
    "Payment": _build_payment,
}


def assemble(parts: PolicyParts, digest: str) -> Policy | None:
    """Return the ``Policy`` made of ``parts``, or None without a usable Policy file.

    Only policies/policy.yaml is ever built as the Policy (any other is P002), so there is at
    most one.
    """
    if not parts.policies:
        return None
    chosen = parts.policies[0]
    return replace(
        chosen[1],
        terms=dict(sorted(parts.terms.items())),
        ladders=dict(sorted(parts.ladders.items())),
        fees=dict(sorted(parts.fees.items())),
        interest=dict(sorted(parts.interest.items())),
        reference_rates=dict(sorted(parts.reference_rates.items())),
        templates=dict(sorted(parts.templates.items())),
        customers=dict(sorted(parts.customers.items())),
        payment=parts.payment,
        digest=digest,
    )


def build_records(parts: PolicyParts, kind: str, rel: str, doc: YamlDocument) -> None:
    """Add the records of the schema-valid document ``doc`` of ``kind`` (file ``rel``) to
    ``parts``; a name defined twice is a problem (P004) instead."""
    _BUILDERS[kind](parts, rel, doc)
