"""The records of a policy, built from its schema-valid documents (``engine.model.policy``).

``engine.load.policy_loader`` reads each file, checks it against the schema of its kind and hands
the documents that passed to ``build_records``, which adds their records to ``PolicyParts``;
``assemble`` makes the ``Policy`` of the parts. Every record keeps its ``Origin``: the file and
the path inside it, located on demand (``_Locator``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from engine.load.payment_file import read_payment
from engine.load.yaml_reader import YamlDocument
from engine.model.payment import PaymentOptions
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
    DiscountTier,
    Experiment,
    Fee,
    Guardrails,
    InterestScheme,
    Ladder,
    Offset,
    Pause,
    Policy,
    RatePeriod,
    ReferenceRate,
    ReportSettings,
    Step,
    StepAction,
    StepCondition,
    Template,
    TemplateVariant,
    Term,
    TermInstalment,
    Variant,
    WriteOffRules,
    parse_duration,
    parse_months,
)
from engine.model.source import KEY, DocPath, Origin, Problem, Source


@dataclass(slots=True)
class PolicyParts:
    """The records read so far, before they are assembled into a ``Policy``."""

    policies: list[tuple[str, Policy]] = field(default_factory=list)
    terms: dict[str, Term] = field(default_factory=dict)
    ladders: dict[str, Ladder] = field(default_factory=dict)
    fees: dict[str, Fee] = field(default_factory=dict)
    interest: dict[str, InterestScheme] = field(default_factory=dict)
    reference_rates: dict[str, ReferenceRate] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    customers: dict[str, CustomerPolicy] = field(default_factory=dict)
    payment: PaymentOptions | None = None
    tests: list[YamlDocument] = field(default_factory=list)
    unavailable: dict[str, set[str]] = field(default_factory=dict)
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    # (file, path) of values read as a stand-in for a date that does not exist (Y004).
    stood_in: set[tuple[str, str]] = field(default_factory=set)

    def add_problem(self, rel: str, problem: Problem) -> None:
        """Record a problem of the file ``rel``."""
        self.problems.append((rel, problem))

    def mark_unavailable(self, kind: str, names: Iterable[str]) -> None:
        """Remember that ``names`` of ``kind`` were in a file that could not be read."""
        self.unavailable.setdefault(kind, set()).update(names)


class _Locator:
    """Finds where a path of one document is written, for the ``Origin`` of its records.

    A path ending in ``KEY`` asks for where the last key is written rather than its value (a
    currency code in ``{GBP: "15.00"}``, a step id in ``delay: {call: 7d}``). A path
    ``("steps", "skip", <step id>)`` finds that id in the customer's skip list, which the
    record holds as a set.
    """

    __slots__ = ("doc", "skip")

    def __init__(self, doc: YamlDocument, skip: Sequence[object] = ()) -> None:
        self.doc = doc
        self.skip = list(skip)

    def __call__(self, path: DocPath) -> Source:
        doc = self.doc
        if path and path[-1] == KEY:
            path = path[:-1]
            found = doc.key_locations.get(self._written(path))
            if found is not None:
                return Source(doc.file, found[0], found[1], path)
        return doc.source(self._written(path))

    def _written(self, path: DocPath) -> DocPath:
        if len(path) == 3 and path[:2] == ("steps", "skip") and path[2] in self.skip:
            return ("steps", "skip", self.skip.index(path[2]))
        return path

    def origin(self, *path: str | int) -> Origin:
        """Return the origin of the record at ``path``."""
        return Origin(self.doc.file, tuple(path), self)


def _money_map(value: object) -> dict[str, Decimal]:
    if not isinstance(value, dict):
        return {}
    return {str(currency): Decimal(str(amount)) for currency, amount in value.items()}


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def _build_policy(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = _Locator(doc)
    data: dict[str, Any] = _mapping(doc)
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
                ladder=_optional(rule.get("ladder")),
                terms=_optional(rule.get("terms")),
                tone=_optional(rule.get("tone")),
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
            country=_optional(calendar.get("country")),
            subdivision=_optional(calendar.get("subdivision")),
            closed=frozenset(_date(day) for day in calendar.get("closed") or ()),
        ),
        language=str(data.get("language", "en")),
        due_date_roll=str(data.get("due_date_roll", "next_business_day")),
        unapplied_cash=str(data.get("unapplied_cash", "oldest_first")),
        assignment=tuple(rules),
        min_balance=_money_map(data.get("min_balance")),
        other_currencies=_optional(data.get("other_currencies")),
        guardrails=Guardrails(
            max_contacts_per_7_days=guardrails.get("max_contacts_per_7_days"),
            contact_days=str(guardrails.get("contact_days", "business")),
            max_fee_share=_decimal(guardrails.get("max_fee_share")),
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
            approval_above=_money_map(write_off.get("approval_above")),
            approvers=_optional(write_off.get("approvers")),
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


def _build_terms(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = _Locator(doc)
    for name, term in (_mapping(doc).get("terms") or {}).items():
        instalments: list[dict[str, Any]] = term.get("instalments") or []
        record = replace(
            _due_rule(name, term, locate.origin("terms", name)),
            discounts=_discount_tiers(term.get("discount"), locate, name),
            instalments=tuple(
                TermInstalment(
                    Decimal(str(part["percent"])),
                    _due_rule(
                        f"{name} instalment {index + 1}",
                        part,
                        locate.origin("terms", name, "instalments", index),
                        term.get("basis"),
                    ),
                )
                for index, part in enumerate(instalments)
            ),
        )
        _define(
            parts,
            rel,
            doc,
            parts.terms,
            what="terms",
            name=name,
            record=record,
            path=("terms", name),
        )


def _discount_tiers(
    discount: dict[str, Any] | list[dict[str, Any]] | None, locate: _Locator, name: str
) -> tuple[DiscountTier, ...]:
    """Return the early-payment discounts of terms: one tier (a mapping) or several (a list)."""
    if discount is None:
        return ()
    listed = isinstance(discount, list)
    tiers = discount if isinstance(discount, list) else [discount]
    return tuple(
        DiscountTier(
            days=tier.get("days"),
            percent=_decimal(tier.get("percent")),
            amounts=tuple(sorted(_money_map(tier.get("amount")).items())),
            from_end_of_month=tier.get("from") == "end_of_month",
            day_of_next_month=tier.get("day_of_next_month"),
            origin=locate.origin("terms", name, "discount", *((index,) if listed else ())),
        )
        for index, tier in enumerate(tiers)
    )


def _due_rule(name: str, term: dict[str, Any], origin: Origin, basis: object = None) -> Term:
    """Return the terms (or one instalment of split terms, counted from the terms' ``basis``)
    as far as they date an invoice."""
    return Term(
        name=name,
        net_days=term.get("net_days"),
        net_months=term.get("net_months"),
        from_end_of_month=term.get("from") == "end_of_month",
        day_of_next_month=term.get("day_of_next_month"),
        cutoff_day=term.get("cutoff_day"),
        then_end_of_month=bool(term.get("then_end_of_month", False)),
        then_days=int(term.get("then_days", 0)),
        basis=str(basis or term.get("basis", "invoice")),
        description=_text(term.get("description")),
        origin=origin,
    )


def _condition(when: dict[str, Any] | None) -> StepCondition | None:
    """Return a step's ``when`` conditions, or None without any."""
    if not when:
        return None
    return StepCondition(
        when.get("min_open_invoices"),
        _money_map(when.get("overdue_above")),
        tuple(str(s) for s in when.get("segment") or ()),
    )


def _build_ladder(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = _Locator(doc)
    data = _mapping(doc)
    steps = []
    for index, step in enumerate(data["steps"]):
        offset = Offset.parse(str(step["at"]))
        if offset is None:
            raise ValueError(f"step date {step['at']!r} is not an offset")
        repeat = step.get("repeat")
        expires = step.get("expires")
        steps.append(
            Step(
                id=str(step["id"]),
                at=offset,
                action=StepAction(step.get("action", "contact")),
                channel=_optional(step.get("channel")),
                template=_optional(step.get("template")),
                fee=_optional(step.get("fee")),
                interest=_optional(step.get("interest")),
                min_balance=_money_map(step.get("min_balance")),
                repeat_days=parse_duration(str(repeat)) if repeat is not None else None,
                repeat_months=parse_months(str(repeat)) if repeat is not None else None,
                max_repeats=step.get("max_repeats"),
                when=_condition(step.get("when")),
                tone=_optional(step.get("tone")),
                currencies=frozenset(str(c) for c in step.get("currencies") or ()),
                expires_days=parse_duration(str(expires)) if expires is not None else None,
                after_due=_optional(step.get("after_due")),
                assign=_optional(step.get("assign")),
                to=_optional(step.get("to")),
                description=_text(step.get("description")),
                origin=locate.origin("steps", index),
            )
        )
    name = str(data["name"])
    ladder = Ladder(
        name,
        tuple(steps),
        _text(data.get("description")),
        locate.origin(),
        str(data.get("catch_up", "highest_step")),
        experiment=_experiment(data.get("experiment"), locate),
        currencies=frozenset(str(c) for c in data.get("currencies") or ()),
        split_by_currency=bool(data.get("split_by_currency", False)),
    )
    _define(
        parts,
        rel,
        doc,
        parts.ladders,
        what="ladder",
        name=name,
        record=ladder,
        path=("name",),
    )


def _experiment(data: dict[str, Any] | None, locate: _Locator) -> Experiment | None:
    if not data:
        return None
    variants = tuple(
        Variant(
            name=str(variant["name"]),
            share=int(variant["share"]),
            tone=_optional(variant.get("tone")),
            template=_optional(variant.get("template")),
            origin=locate.origin("experiment", "variants", index),
        )
        for index, variant in enumerate(data["variants"])
    )
    return Experiment(str(data["id"]), str(data["step"]), variants, locate.origin("experiment"))


def _build_fees(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    locate = _Locator(doc)
    data = _mapping(doc)
    for name, fee in (data.get("fees") or {}).items():
        record = Fee(
            name=name,
            fixed=_money_map(fee.get("fixed")),
            percent=_decimal(fee.get("percent")),
            minimum=_money_map(fee.get("min")),
            maximum=_money_map(fee.get("max")),
            description=_text(fee.get("description")),
            origin=locate.origin("fees", name),
        )
        _define(
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
                below=_decimal(band.get("below")),
                up_to=_decimal(band.get("up_to")),
            )
            for band in compensation.get("bands") or ()
        )
        margins = tuple(
            RatePeriod(
                start=_date(change["from"]),
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
            compensation_currency=_optional(compensation.get("currency")),
            compensation=bands,
            description=_text(scheme.get("description")),
            origin=locate.origin("interest", name),
        )
        _define(
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
                start=_date(period["from"]),
                percent=Decimal(str(period["percent"])),
                origin=locate.origin("reference_rates", name, "rates", index),
            )
            for index, period in enumerate(rate["rates"])
        )
        reference = ReferenceRate(
            name, periods, _text(rate.get("description")), locate.origin("reference_rates", name)
        )
        _define(
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
    locate = _Locator(doc)
    data = _mapping(doc)
    variants = tuple(
        TemplateVariant(
            tone=str(variant["tone"]),
            language=str(variant["language"]),
            subject=_text(variant.get("subject")),
            body=str(variant["body"]),
            origin=locate.origin("variants", index),
        )
        for index, variant in enumerate(data["variants"])
    )
    name = str(data["name"])
    template = Template(name, variants, locate.origin())
    _define(
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
    end = None if until == UNTIL_FURTHER_NOTICE else _date(until)
    return Pause(until=end, reason=str(data["reason"]))


def _credit_review(data: dict[str, Any] | None) -> CreditReview | None:
    if not data:
        return None
    months = parse_months(str(data["every"]))
    if months is None:
        raise ValueError(f"credit review every {data['every']!r} is not a number of months")
    return CreditReview(months, _date(data["last"]))


def _build_customer(parts: PolicyParts, rel: str, doc: YamlDocument) -> None:
    data = _mapping(doc)
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
        name=_text(data.get("name")),
        country=_optional(data.get("country")),
        segment=_optional(data.get("segment")),
        ladder=_optional(data.get("ladder")),
        terms=_optional(data.get("terms")),
        credit_limit=(
            CreditLimit(Decimal(str(limit["amount"])), str(limit["currency"])) if limit else None
        ),
        tone=_optional(data.get("tone")),
        language=_optional(data.get("language")),
        owner=_optional(data.get("owner")),
        contacts=tuple(
            Contact(
                name=_text(contact.get("name")),
                email=_text(contact.get("email")),
                phone=_text(contact.get("phone")),
                role=_text(contact.get("role")),
            )
            for contact in data.get("contacts") or ()
        ),
        pause=_pause(pause),
        skip=frozenset(str(step) for step in steps.get("skip") or ()),
        delay=delay,
        exempt=frozenset(str(kind) for kind in data.get("exempt") or ()),
        notes=_text(data.get("notes")),
        origin=_Locator(doc, steps.get("skip") or ()).origin(),
        credit_review=_credit_review(data.get("credit_review")),
    )
    _define(
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
    "Terms": _build_terms,
    "Ladder": _build_ladder,
    "Fees": _build_fees,
    "Template": _build_template,
    "PolicyTest": _build_test,
    "Customer": _build_customer,
    "Ledger": _build_ledger,
    "Payment": _build_payment,
}


def _mapping(doc: YamlDocument) -> dict[str, Any]:
    if not isinstance(doc.data, dict):
        raise TypeError("the document is not a mapping")
    return doc.data


def _define(
    parts: PolicyParts,
    rel: str,
    doc: YamlDocument,
    table: dict[str, Any],
    *,
    what: str,
    name: str,
    record: Any,
    path: tuple[str, ...],
) -> None:
    """Add ``record`` to ``table`` under ``name``, or report that the name is already taken."""
    earlier = table.get(name)
    if earlier is None:
        table[name] = record
        return
    first: Source = earlier.origin.source
    parts.add_problem(
        rel,
        Problem.at(
            doc.source(path),
            "P004",
            f"{what} '{name}' is already defined in {first.file} (line {first.line}): "
            "each name may be defined once; rename or remove one of them",
        ),
    )


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
