"""The semantic checks of a policy: what a schema cannot say about one file alone.

``validate(policy)`` runs a named list of small checks (``CHECKS``); each returns the problems it
finds, located at the exact field through the records' ``Origin``. One rule, one stable code
(``CODES``), documented in docs/errors.md. Schema-level rules (required fields, a template on
email steps, ``to`` on escalations, no channel on a credit hold, a pause with a reason and an
end, max_fee_share between 0 and 1) are the schemas' (S-codes); file-level rules (exactly one
Policy file, names defined once, files in their folders) are the loader's (P001-P004).
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from engine.check import payment
from engine.load.policy_loader import KEY
from engine.model.actions import CREDIT_LIMIT_STEP, CREDIT_RELEASE_STEP
from engine.model.money import fits_minor_units, is_currency, minor_units
from engine.model.policy import (
    PLACEHOLDERS,
    CustomerPolicy,
    Fee,
    InterestScheme,
    Ladder,
    Policy,
    Step,
    Template,
    TemplateVariant,
)
from engine.model.source import DocPath, Origin, Problem, Source

if TYPE_CHECKING:
    from engine.load.policy_loader import LoadResult
    from engine.load.yaml_reader import YamlDocument

CODES: dict[str, str] = {
    "P010": "unknown terms: the name is not a key of terms.yaml",
    "P011": "unknown ladder: there is no such file in policies/ladders/",
    "P012": "unknown template: there is no such file in policies/templates/",
    "P013": "unknown fee: the name is not a key of `fees` in fees.yaml",
    "P014": "unknown interest scheme: the name is not a key of `interest` in fees.yaml",
    "P015": "unknown reference rate: the name is not a key of `reference_rates` in fees.yaml",
    "P016": "a ladder's name differs from its file name",
    "P017": "a template's name differs from its file name",
    "P018": "a customer's id differs from its file name",
    "P019": "two steps of a ladder have the same id",
    "P020": "the steps of a ladder are not in date order",
    "P021": "a step is dated before the invoice date (invoice-Nd)",
    "P022": "an early-payment discount period is not shorter than the payment period",
    "P023": "an early-payment discount of 100 % or more",
    "P024": "not an ISO 4217 currency code",
    "P025": "an amount has more decimals than its currency has (JPY has none, GBP two)",
    "P026": "a negative amount of money",
    "P027": "a customer file skips or delays a step that its ladder does not have",
    "P028": "a customer's delay moves a step onto or past the next step, so it is never sent",
    "P029": "a customer file both skips and delays the same step",
    "P030": "reference rates are not in date order, or two start on the same date",
    "P031": "compensation bands are not in ascending order with one open band last",
    "P032": "a ladder contacts the customer more often in 7 days than the guardrail allows",
    "P033": "the calendar's country or subdivision has no public holidays we know",
    "P034": "unknown time zone",
    "P035": "a template placeholder that does not exist",
    "P036": "a template whose braces do not match",
    "P037": "a template used by a step has no standard variant in the policy language",
    "P038": "a template has two variants for the same tone and language",
    "P039": "a policy test expects something of a customer its ledger does not have",
    "P040": "a policy test expects a step that the customer's ladder does not have",
    "P041": "a policy test's ledger refers to a customer or invoice it does not have",
    "P042": "a percentage fee's minimum is above its maximum",
    **payment.CODES,
}

# Kinds of reference, as ``LoadResult.unavailable`` names them.
_TABLES: dict[str, Callable[[Policy], Mapping[str, object]]] = {
    "terms": lambda policy: policy.terms,
    "ladder": lambda policy: policy.ladders,
    "template": lambda policy: policy.templates,
    "fee": lambda policy: policy.fees,
    "interest": lambda policy: policy.interest,
    "reference_rate": lambda policy: policy.reference_rates,
    "customer": lambda policy: policy.customers,
}
_WHAT = {
    "terms": ("terms", "P010", "the terms in terms.yaml are"),
    "ladder": ("ladder", "P011", "the ladders are"),
    "template": ("template", "P012", "the templates are"),
    "fee": ("fee", "P013", "the fees in fees.yaml are"),
    "interest": ("interest scheme", "P014", "the interest schemes in fees.yaml are"),
    "reference_rate": ("reference rate", "P015", "the reference rates in fees.yaml are"),
}
_MAX_LISTED = 12
_WINDOW_DAYS = 7

# Steps the engine adds itself, which no ladder lists: a policy test may expect them.
ENGINE_STEPS = frozenset({CREDIT_LIMIT_STEP, CREDIT_RELEASE_STEP})


@dataclass(frozen=True, slots=True)
class Context:
    """What the checks look at: the policy, its tests, and what could not be loaded."""

    policy: Policy
    tests: Sequence[YamlDocument] = ()
    unavailable: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def unknown(self, kind: str, name: str) -> bool:
        """Return whether ``name`` is not defined (and not in a file that failed to load).

        A ladder or template whose name differs from its file name is known by both names here:
        the mismatch is reported once (P016, P017), not again at every use of the file name.
        """
        if name in _TABLES[kind](self.policy):
            return False
        skipped = self.unavailable.get(kind, frozenset())
        if name in skipped or "*" in skipped:
            return False
        if kind in ("ladder", "template"):
            records: Mapping[str, Ladder | Template] = (
                self.policy.ladders if kind == "ladder" else self.policy.templates
            )
            return not any(_stem(record.origin) == name for record in records.values())
        return True

    def reference(self, kind: str, name: str | None, source: Source) -> list[Problem]:
        """Return the problem for a reference to an unknown ``name`` of ``kind``, if any."""
        if name is None or not self.unknown(kind, name):
            return []
        what, code, listing = _WHAT[kind]
        names = sorted(_TABLES[kind](self.policy))
        guess = _did_you_mean(name, names)
        shown = _listing(names)
        known = f"{listing} {shown}" if names else f"there are none yet ({listing} empty)"
        return [Problem.at(source, code, f"{what} '{name}' does not exist: {known}{guess}")]


Check = Callable[[Context], Iterable[Problem]]


def validate(
    policy: Policy,
    *,
    tests: Sequence[YamlDocument] = (),
    unavailable: Mapping[str, frozenset[str]] | None = None,
) -> list[Problem]:
    """Return every problem the semantic checks find in ``policy`` (and its tests), sorted.

    ``unavailable`` names what files with problems would have defined (see ``LoadResult``):
    references to those names are not reported again.
    """
    context = Context(policy, tests, unavailable or {})
    problems = {problem for _, run in CHECKS for problem in run(context)}
    return sorted(problems, key=Problem.sort_key)


def check(result: LoadResult) -> list[Problem]:
    """Return all problems of a load result: reading, schemas, files and semantics, sorted.

    Semantic problems are kept only for the files that were checked (``result.files``).
    """
    problems = set(result.problems)
    if result.policy is not None:
        wanted = set(result.files)
        found = validate(result.policy, tests=result.tests, unavailable=result.unavailable)
        problems.update(problem for problem in found if problem.file in wanted)
    return sorted(problems, key=Problem.sort_key)


# -- helpers ----------------------------------------------------------------------------------


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _listing(names: Sequence[str]) -> str:
    if len(names) <= _MAX_LISTED:
        return ", ".join(names)
    return ", ".join(names[:_MAX_LISTED]) + f" and {len(names) - _MAX_LISTED} more"


def _built_in(origin: Origin) -> bool:
    """Return whether a record was built in code rather than read from a file."""
    return origin.file.startswith("<")


def _stem(origin: Origin) -> str:
    return PurePosixPath(origin.file.replace("\\", "/")).stem


def _step_label(step: Step) -> str:
    return f"'{step.id}' ({step.at})"


def possible_ladders(
    policy: Policy, segment: str | None, country: str | None, ladder: str | None
) -> list[str]:
    """Return the ladders a customer can be on, in the order of the policy's layers.

    As engine.rules.effective decides: the customer file's ladder, else the first assignment rule
    that matches (a rule with no ladder gives the default ladder), else the default. A rule on
    ``currency`` depends on the invoices, so it may or may not apply: both outcomes are possible.
    """
    if ladder:
        return [ladder]
    found: list[str] = []
    traits = {"segment": segment, "country": country}
    for rule in policy.assignment:
        certain = True
        matches = True
        for key, values in rule.when.items():
            if key == "currency":
                certain = False
                continue
            value = traits.get(key)
            if value is None or value not in values:
                matches = False
                break
        if not matches:
            continue
        found.append(rule.ladder or policy.defaults.ladder)
        if certain:
            return list(dict.fromkeys(found))
    found.append(policy.defaults.ladder)
    return list(dict.fromkeys(found))


# -- references ------------------------------------------------------------------------------


def check_references(context: Context) -> Iterator[Problem]:
    """Return problems for names of terms, ladders, templates, fees and rates that do not exist."""
    policy = context.policy
    origin = policy.origin
    yield from context.reference("terms", policy.defaults.terms, origin.at("defaults", "terms"))
    yield from context.reference("ladder", policy.defaults.ladder, origin.at("defaults", "ladder"))
    for rule in policy.assignment:
        yield from context.reference("ladder", rule.ladder, rule.origin.at("ladder"))
        yield from context.reference("terms", rule.terms, rule.origin.at("terms"))
    for customer in policy.customers.values():
        yield from context.reference("ladder", customer.ladder, customer.origin.at("ladder"))
        yield from context.reference("terms", customer.terms, customer.origin.at("terms"))
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            yield from context.reference("template", step.template, step.origin.at("template"))
            yield from context.reference("fee", step.fee, step.origin.at("fee"))
            yield from context.reference("interest", step.interest, step.origin.at("interest"))
    for scheme in policy.interest.values():
        yield from context.reference(
            "reference_rate", scheme.reference, scheme.origin.at("reference")
        )


# -- names and files -------------------------------------------------------------------------


def _file_name_problems(
    records: Iterable[tuple[str, Origin]], kind: str, field: str, code: str, rename: str
) -> Iterator[Problem]:
    """Return problems for records whose name (``field``) is not the stem of their file."""
    for name, origin in records:
        stem = _stem(origin)
        if not _built_in(origin) and name != stem:
            fix = rename.format(name=name, stem=stem)
            yield Problem.at(
                origin.at(field),
                code,
                f"{kind} {field} '{name}' must equal the file name '{stem}': rename the file "
                f"to {name}.yaml or {fix}",
            )


def check_ladder_file_names(context: Context) -> Iterator[Problem]:
    """Return problems for ladders whose name is not their file name."""
    ladders = ((ladder.name, ladder.origin) for ladder in context.policy.ladders.values())
    yield from _file_name_problems(ladders, "ladder", "name", "P016", "the ladder to {stem}")


def check_template_file_names(context: Context) -> Iterator[Problem]:
    """Return problems for templates whose name is not their file name."""
    templates = ((t.name, t.origin) for t in context.policy.templates.values())
    yield from _file_name_problems(templates, "template", "name", "P017", "the template to {stem}")


def check_customer_file_names(context: Context) -> Iterator[Problem]:
    """Return problems for customer files not named after the customer's id."""
    customers = ((c.id, c.origin) for c in context.policy.customers.values())
    yield from _file_name_problems(customers, "customer", "id", "P018", "correct the id")


# -- ladders ---------------------------------------------------------------------------------


def check_step_ids(context: Context) -> Iterator[Problem]:
    """Return problems for step ids used twice in one ladder."""
    for ladder in context.policy.ladders.values():
        first: dict[str, Step] = {}
        for step in ladder.steps:
            earlier = first.setdefault(step.id, step)
            if earlier is not step:
                line = earlier.origin.at("id").line
                yield Problem.at(
                    step.origin.at("id"),
                    "P019",
                    f"step id '{step.id}' is used twice in ladder '{ladder.name}' (first on line "
                    f"{line}): give each step its own id",
                )


def check_step_order(context: Context) -> Iterator[Problem]:
    """Return problems for steps listed out of date order.

    Steps counted from the same anchor must have strictly increasing offsets (a business day
    counts as a day). Steps counted from the invoice or discount date cannot be compared with
    those counted from the due date in general, but must be listed before them.
    """
    for ladder in context.policy.ladders.values():
        latest: dict[str, Step] = {}
        first_due: Step | None = None
        for step in ladder.steps:
            anchor = step.at.anchor
            if anchor != "due" and first_due is not None:
                yield Problem.at(
                    step.origin.at("at"),
                    "P020",
                    f"step {_step_label(step)} comes after step {_step_label(first_due)} in the "
                    f"list: steps counted from the {anchor} date must come before the steps "
                    "counted from the due date",
                )
            previous = latest.get(anchor)
            if previous is not None and step.at.days <= previous.at.days:
                when = "on the same day" if step.at.days == previous.at.days else "earlier"
                yield Problem.at(
                    step.origin.at("at"),
                    "P020",
                    f"step {_step_label(step)} comes after step {_step_label(previous)} in the "
                    f"list but happens {when}: steps must be in date order",
                )
            if previous is None or step.at.days > previous.at.days:
                latest[anchor] = step
            if anchor == "due" and first_due is None:
                first_due = step


def check_steps_after_invoice(context: Context) -> Iterator[Problem]:
    """Return problems for steps dated before the invoice was issued."""
    for ladder in context.policy.ladders.values():
        for step in ladder.steps:
            if step.at.anchor == "invoice" and step.at.days < 0:
                yield Problem.at(
                    step.origin.at("at"),
                    "P021",
                    f"step '{step.id}' ({step.at}) would happen before the invoice is issued: "
                    "count from the invoice date forwards (invoice+Nd) or from the due date",
                )


def _contact_occurrences(steps: Sequence[Step]) -> list[tuple[int, Step]]:
    """Return (day, step) for each contact of steps counted from one anchor, repeats included.

    A repeat is counted until the next step (it stops when a later step is reached) and at most
    over one window.
    """
    found: list[tuple[int, Step]] = []
    for index, step in enumerate(steps):
        if not step.is_contact:
            continue
        day = step.at.days
        found.append((day, step))
        if step.repeat_days:
            stop = steps[index + 1].at.days if index + 1 < len(steps) else day + _WINDOW_DAYS
            again = day + step.repeat_days
            while again < stop and again < day + _WINDOW_DAYS:
                found.append((again, step))
                again += step.repeat_days
    return sorted(found, key=lambda item: item[0])


def check_contact_density(context: Context) -> Iterator[Problem]:
    """Return problems for ladders that contact a customer more often in 7 days than allowed."""
    limit = context.policy.guardrails.max_contacts_per_7_days
    if limit is None:
        return
    for ladder in context.policy.ladders.values():
        reported: list[set[str]] = []
        for anchor in ("invoice", "discount", "due"):
            steps = [step for step in ladder.steps if step.at.anchor == anchor]
            contacts = _contact_occurrences(steps)
            for start, (day, _) in enumerate(contacts):
                window = [item for item in contacts[start:] if item[0] < day + _WINDOW_DAYS]
                if len(window) <= limit:
                    continue
                ids = {step.id for _, step in window}
                if any(ids <= earlier for earlier in reported):
                    continue
                reported.append(ids)
                named: dict[str, str] = {}
                for _, step in window:
                    repeat = f", repeated every {step.repeat_days}d" if step.repeat_days else ""
                    named.setdefault(step.id, f"'{step.id}' ({step.at}{repeat})")
                culprit = window[limit][1]
                yield Problem.at(
                    culprit.origin.at("at"),
                    "P032",
                    f"ladder '{ladder.name}' contacts the customer {len(window)} times within "
                    f"7 days ({', '.join(named.values())}): guardrails.max_contacts_per_7_days "
                    f"allows {limit}; space the steps out",
                )


# -- terms -------------------------------------------------------------------------------------


def check_discounts(context: Context) -> Iterator[Problem]:
    """Return problems for discounts not shorter than the payment period or of 100 % or more."""
    for term in context.policy.terms.values():
        days, net = term.discount_days, term.net_days
        if days is not None and net is not None and days >= net:
            yield Problem.at(
                term.origin.at("discount", "days"),
                "P022",
                f"terms '{term.name}': the discount period ({days} days) must be shorter than "
                f"the payment period (net_days: {net}), or the discount is just a lower price",
            )
        percent = term.discount_percent
        if percent is not None and percent >= 100:
            yield Problem.at(
                term.origin.at("discount", "percent"),
                "P023",
                f"terms '{term.name}': a discount of {percent} % would cancel the whole invoice; "
                'write the percentage taken off, e.g. "2" for 2 %',
            )


# -- money -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Amount:
    """An amount of money somewhere in the policy, with its currency and where it is written."""

    currency: str
    amount: Decimal | None
    source: Source
    currency_source: Source


def _amounts(policy: Policy) -> Iterator[_Amount]:
    """Return every amount (and bare currency) written in the policy."""
    origin = policy.origin

    def mapping(values: Mapping[str, Decimal], at: Origin, *path: str | int) -> Iterator[_Amount]:
        for currency, amount in values.items():
            yield _Amount(currency, amount, at.at(*path, currency), at.at(*path, currency, KEY))

    yield _Amount(
        policy.base_currency, None, origin.at("base_currency"), origin.at("base_currency")
    )
    yield from mapping(policy.min_balance, origin, "min_balance")
    for rule in policy.assignment:
        codes = rule.when.get("currency", ())
        for index, currency in enumerate(codes):
            # One code may be written without a list: then point at the code itself.
            path = ("when", "currency", index) if len(codes) > 1 else ("when", "currency")
            source = rule.origin.at(*path)
            yield _Amount(currency, None, source, source)
    for fee in policy.fees.values():
        yield from mapping(fee.fixed, fee.origin, "fixed")
        yield from mapping(fee.minimum, fee.origin, "min")
        yield from mapping(fee.maximum, fee.origin, "max")
    for scheme in policy.interest.values():
        paid_in = scheme.compensation_currency
        if paid_in is None:
            continue
        at = scheme.origin.at("compensation", "currency")
        yield _Amount(paid_in, None, at, at)
        for index, band in enumerate(scheme.compensation):
            for name, value in (("below", band.below), ("amount", band.amount)):
                if value is not None:
                    source = scheme.origin.at("compensation", "bands", index, name)
                    yield _Amount(paid_in, value, source, at)
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            yield from mapping(step.min_balance, step.origin, "min_balance")
    for customer in policy.customers.values():
        if customer.credit_limit is not None:
            amount, currency = customer.credit_limit
            yield _Amount(
                currency,
                amount,
                customer.origin.at("credit_limit", "amount"),
                customer.origin.at("credit_limit", "currency"),
            )


def check_currencies(context: Context) -> Iterator[Problem]:
    """Return problems for currency codes that are not ISO 4217."""
    reported: set[Source] = set()
    for item in _amounts(context.policy):
        if is_currency(item.currency) or item.currency_source in reported:
            continue
        reported.add(item.currency_source)
        yield Problem.at(
            item.currency_source,
            "P024",
            f"'{item.currency}' is not an ISO 4217 currency code: write a code such as GBP, EUR "
            "or USD",
        )


def check_minor_units(context: Context) -> Iterator[Problem]:
    """Return problems for amounts with more decimals than their currency has."""
    for item in _amounts(context.policy):
        if item.amount is None or not is_currency(item.currency):
            continue
        if not fits_minor_units(item.amount, item.currency):
            places = minor_units(item.currency)
            allowed = "no decimals" if places == 0 else f"at most {places} decimals"
            yield Problem.at(
                item.source,
                "P025",
                f"{item.currency} amount {item.amount} has more decimals than {item.currency} "
                f"has: write it with {allowed}",
            )


def check_negative_money(context: Context) -> Iterator[Problem]:
    """Return problems for negative amounts of money."""
    for item in _amounts(context.policy):
        if item.amount is not None and item.amount < 0:
            yield Problem.at(
                item.source,
                "P026",
                f"{item.currency} amount {item.amount} is negative: amounts in the policy are "
                "never below zero",
            )


def check_fee_limits(context: Context) -> Iterator[Problem]:
    """Return problems for percentage fees whose minimum is above their maximum."""
    for fee in context.policy.fees.values():
        yield from _fee_limits(fee)


def _fee_limits(fee: Fee) -> Iterator[Problem]:
    for currency, low in fee.minimum.items():
        high = fee.maximum.get(currency)
        if high is not None and low > high:
            yield Problem.at(
                fee.origin.at("min", currency, KEY),
                "P042",
                f"fee '{fee.name}': the {currency} minimum {low} is above the maximum {high}",
            )


# -- customers ---------------------------------------------------------------------------------


def _customer_ladders(context: Context, customer: CustomerPolicy) -> list[Ladder] | None:
    """Return the ladders a customer can be on, or None when one of them is not available."""
    names = possible_ladders(context.policy, customer.segment, customer.country, customer.ladder)
    ladders = [context.policy.ladders.get(name) for name in names]
    if any(ladder is None for ladder in ladders):
        return None  # an unknown ladder is reported by check_references
    return [ladder for ladder in ladders if ladder is not None]


def check_customer_steps(context: Context) -> Iterator[Problem]:
    """Return problems for skipped or delayed steps that the customer's ladder does not have."""
    for customer in context.policy.customers.values():
        ladders = _customer_ladders(context, customer)
        if not ladders:
            continue
        named = " or ".join(f"'{ladder.name}'" for ladder in ladders)
        ids = list(dict.fromkeys(step.id for ladder in ladders for step in ladder.steps))
        overrides = [("skip", step_id) for step_id in sorted(customer.skip)]
        overrides += [("delay", step_id) for step_id in customer.delay]
        for how, step_id in overrides:
            if step_id in ids:
                continue
            yield Problem.at(
                customer.origin.at("steps", how, step_id, KEY),
                "P027",
                f"customer '{customer.id}' {'skips' if how == 'skip' else 'delays'} step "
                f"'{step_id}', but ladder {named} has no such step: the steps are "
                f"{_listing(ids)}{_did_you_mean(step_id, ids)}",
            )


def check_customer_delays(context: Context) -> Iterator[Problem]:
    """Return problems for delays that move a step onto or past the next step of the ladder.

    On any day only the highest step reached is taken, so such a step would never be sent.
    """
    for customer in context.policy.customers.values():
        if not customer.delay:
            continue
        for ladder in _customer_ladders(context, customer) or ():
            steps = [step for step in ladder.steps if step.id not in customer.skip]
            for index, step in enumerate(steps):
                extra = customer.delay.get(step.id)
                if not extra:
                    continue
                moved = step.at.days + extra
                for later in steps[index + 1 :]:
                    if later.at.anchor != step.at.anchor:
                        continue
                    later_day = later.at.days + customer.delay.get(later.id, 0)
                    if moved >= later_day:
                        where = "onto" if moved == later_day else "past"
                        yield Problem.at(
                            customer.origin.at("steps", "delay", step.id, KEY),
                            "P028",
                            f"delaying step '{step.id}' ({step.at}) by {extra}d moves it {where} "
                            f"step '{later.id}' ({later.at}) of ladder '{ladder.name}', so it "
                            "would never be sent: delay it less, or skip it",
                        )
                    break


def check_skip_and_delay(context: Context) -> Iterator[Problem]:
    """Return problems for steps a customer file both skips and delays."""
    for customer in context.policy.customers.values():
        for step_id in customer.delay:
            if step_id in customer.skip:
                yield Problem.at(
                    customer.origin.at("steps", "delay", step_id, KEY),
                    "P029",
                    f"customer '{customer.id}' both skips and delays step '{step_id}': keep one",
                )


# -- fees and interest --------------------------------------------------------------------------


def check_reference_rates(context: Context) -> Iterator[Problem]:
    """Return problems for reference rates out of date order or starting twice on one date."""
    for rate in context.policy.reference_rates.values():
        latest = None
        for period in rate.rates:
            if latest is not None and period.start <= latest.start:
                same = period.start == latest.start
                message = (
                    f"reference rate '{rate.name}' has two rates from {period.start}: keep one"
                    if same
                    else f"reference rate '{rate.name}': the rate from {period.start} is listed "
                    f"after the rate from {latest.start}: list the rates in date order"
                )
                yield Problem.at(period.origin.at("from"), "P030", message)
            if latest is None or period.start > latest.start:
                latest = period


def check_compensation_bands(context: Context) -> Iterator[Problem]:
    """Return problems for compensation bands out of order or without one open band last."""
    for scheme in context.policy.interest.values():
        yield from _bands(scheme)


def _bands(scheme: InterestScheme) -> Iterator[Problem]:
    bands = scheme.compensation
    previous: Decimal | None = None
    for index, band in enumerate(bands):
        last = index == len(bands) - 1
        at = scheme.origin.at("compensation", "bands", index)
        if band.below is None and not last:
            yield Problem.at(
                at,
                "P031",
                f"interest '{scheme.name}': only the last compensation band may leave out "
                "'below'; bands after an open band would never apply",
            )
        elif band.below is not None and last:
            yield Problem.at(
                scheme.origin.at("compensation", "bands", index, "below"),
                "P031",
                f"interest '{scheme.name}': the last compensation band must have no 'below', so "
                f"that debts of {band.below} or more get a compensation too",
            )
        if band.below is not None:
            if previous is not None and band.below <= previous:
                yield Problem.at(
                    scheme.origin.at("compensation", "bands", index, "below"),
                    "P031",
                    f"interest '{scheme.name}': compensation bands must go up: 'below: "
                    f"{band.below}' comes after 'below: {previous}'",
                )
            previous = band.below if previous is None else max(previous, band.below)


# -- policy settings ---------------------------------------------------------------------------


def check_calendar(context: Context) -> Iterator[Problem]:
    """Return a problem when the calendar's country or subdivision is not known."""
    spec = context.policy.calendar
    if spec.country is None and spec.subdivision is None:
        return
    # Imported here: loading the holiday tables costs time that policies without one do not need.
    from engine.rules.calendar import calendar_problem  # noqa: PLC0415

    message = calendar_problem(spec)
    if message is not None:
        wrong = "subdivision" if spec.subdivision and "subdivision" in message else "country"
        yield Problem.at(context.policy.origin.at("calendar", wrong), "P033", message)


def check_timezone(context: Context) -> Iterator[Problem]:
    """Return a problem when the policy's time zone is not an IANA time zone."""
    import zoneinfo  # noqa: PLC0415 - only this check needs it

    name = context.policy.timezone
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        zones = zoneinfo.available_timezones()
        lowered = {zone.lower(): zone for zone in zones}
        guess = (
            f"; did you mean '{lowered[name.lower()]}'?"
            if name.lower() in lowered
            else _did_you_mean(name, sorted(zones))
        )
        yield Problem.at(
            context.policy.origin.at("timezone"),
            "P034",
            f"time zone '{name}' is not known: write an IANA time zone such as Europe/London"
            f"{guess}",
        )


# -- templates ---------------------------------------------------------------------------------


def _placeholders(text: str) -> Iterator[str]:
    """Return the placeholder names in ``text``, including those inside format specifications."""
    for _, name, spec, _ in string.Formatter().parse(text):
        if name is not None:
            yield name
        if spec:
            yield from _placeholders(spec)


def check_template_placeholders(context: Context) -> Iterator[Problem]:
    """Return problems for unknown placeholders and unmatched braces in templates."""
    for template in context.policy.templates.values():
        for variant in template.variants:
            for part in ("subject", "body"):
                yield from _variant_placeholders(template, variant, part)


def _variant_placeholders(
    template: Template, variant: TemplateVariant, part: str
) -> Iterator[Problem]:
    text = variant.subject if part == "subject" else variant.body
    where = f"template '{template.name}' ({variant.tone}, {variant.language}) {part}"
    source = variant.origin.at(part)
    try:
        names = list(_placeholders(text))
    except ValueError as error:
        yield Problem.at(
            source,
            "P036",
            f"{where}: the braces do not match ({error}); placeholders are written "
            "{customer_name}, a literal brace {{ or }}",
        )
        return
    for name in dict.fromkeys(names):
        if name in PLACEHOLDERS:
            continue
        if name == "" or name.isdigit():
            message = (
                f"{where}: '{{{name}}}' has no name; write a placeholder such as {{customer_name}}"
                ", or {{ and }} for literal braces"
            )
        elif re.search(r"[.\[]", name):
            message = (
                f"{where}: '{{{name}}}' is not a plain placeholder; write only a name such as "
                "{customer_name}"
            )
        else:
            guess = difflib.get_close_matches(name, PLACEHOLDERS, n=1, cutoff=0.6)
            hint = f"; did you mean {{{guess[0]}}}?" if guess else ""
            message = (
                f"{where}: unknown placeholder {{{name}}}; the placeholders are "
                f"{', '.join(PLACEHOLDERS)}{hint}"
            )
        yield Problem.at(source, "P035", message)


def check_template_fallbacks(context: Context) -> Iterator[Problem]:
    """Return problems for templates used by steps that lack the last fallback variant.

    That is the standard tone in the policy language: without it some customers would get no
    message.
    """
    policy = context.policy
    used: dict[str, str] = {}
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            if step.template:
                used.setdefault(step.template, f"step '{step.id}' of ladder '{ladder.name}'")
    for name, user in sorted(used.items()):
        template = policy.templates.get(name)
        if template is None:
            continue
        if any(v.tone == "standard" and v.language == policy.language for v in template.variants):
            continue
        yield Problem.at(
            template.origin.at("variants"),
            "P037",
            f"template '{name}' (used by {user}) has no variant with tone: standard and "
            f"language: {policy.language}, the policy language: customers whose tone or "
            "language has no variant would get no message; add that variant",
        )


def check_template_variants(context: Context) -> Iterator[Problem]:
    """Return problems for two variants of one template with the same tone and language."""
    for template in context.policy.templates.values():
        first: dict[tuple[str, str], TemplateVariant] = {}
        for variant in template.variants:
            key = (variant.tone, variant.language)
            earlier = first.setdefault(key, variant)
            if earlier is not variant:
                yield Problem.at(
                    variant.origin.source,
                    "P038",
                    f"template '{template.name}' has two variants with tone: {variant.tone} and "
                    f"language: {variant.language} (the first on line {earlier.origin.source.line})"
                    ": keep one",
                )


# -- policy tests ------------------------------------------------------------------------------


def _items(data: Mapping[str, Any], key: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(key)
    if not isinstance(value, list):
        return []
    return [(index, item) for index, item in enumerate(value) if isinstance(item, dict)]


def check_policy_tests(context: Context) -> Iterator[Problem]:
    """Return problems for policy tests that name customers, steps or invoices that do not exist."""
    for doc in context.tests:
        if isinstance(doc.data, dict):
            yield from _test_problems(context, doc, doc.data)


def _test_problems(
    context: Context, doc: YamlDocument, data: Mapping[str, Any]
) -> Iterator[Problem]:
    policy = context.policy
    ledger = data.get("ledger") if isinstance(data.get("ledger"), dict) else {}
    assert isinstance(ledger, dict)
    base: DocPath = ("ledger",)
    listed = {str(item["id"]): item for _, item in _items(ledger, "customers")}
    invoices = {str(item["id"]): item for _, item in _items(ledger, "invoices")}
    known = set(listed) | set(policy.customers)
    for index, invoice in _items(ledger, "invoices"):
        customer = str(invoice.get("customer"))
        if listed and customer not in listed:
            yield Problem.at(
                doc.source((*base, "invoices", index, "customer")),
                "P041",
                f"invoice '{invoice.get('id')}' is for customer '{customer}', who is not in the "
                f"test's ledger customers: add the customer{_did_you_mean(customer, listed)}",
            )
        known.add(customer)
        terms = invoice.get("terms")
        if isinstance(terms, str):
            yield from context.reference(
                "terms", terms, doc.source((*base, "invoices", index, "terms"))
            )
    for section in ("payments", "credit_notes", "disputes"):
        for index, item in _items(ledger, section):
            applied = item.get("invoice")
            if isinstance(applied, str) and applied not in invoices:
                yield _unknown_invoice(doc, (*base, section, index, "invoice"), applied, invoices)
    for section in ("promises", "payment_plans", "history"):
        for index, item in _items(ledger, section):
            for position, invoice_id in enumerate(item.get("invoices") or ()):
                if isinstance(invoice_id, str) and invoice_id not in invoices:
                    path = (*base, section, index, "invoices", position)
                    yield _unknown_invoice(doc, path, invoice_id, invoices)
    for section in ("expect", "absent"):
        for index, item in _items(data, section):
            yield from _expectation(
                context, doc, (section, index), item, known=known, listed=listed, invoices=invoices
            )


def _unknown_invoice(
    doc: YamlDocument, path: DocPath, invoice: str, invoices: Mapping[str, object]
) -> Problem:
    return Problem.at(
        doc.source(path),
        "P041",
        f"invoice '{invoice}' is not in the test's ledger{_did_you_mean(invoice, invoices)}",
    )


def _expectation(
    context: Context,
    doc: YamlDocument,
    path: DocPath,
    item: Mapping[str, Any],
    *,
    known: set[str],
    listed: Mapping[str, Mapping[str, Any]],
    invoices: Mapping[str, object],
) -> Iterator[Problem]:
    policy = context.policy
    customer_id = str(item.get("customer"))
    if customer_id not in known:
        yield Problem.at(
            doc.source((*path, "customer")),
            "P039",
            f"customer '{customer_id}' is neither in the test's ledger nor in customers/"
            f"{_did_you_mean(customer_id, known)}",
        )
        return
    for position, invoice in enumerate(item.get("invoices") or ()):
        if isinstance(invoice, str) and invoice not in invoices:
            yield _unknown_invoice(doc, (*path, "invoices", position), invoice, invoices)
    step_id = item.get("step")
    if not isinstance(step_id, str) or step_id in ENGINE_STEPS:
        return
    record = policy.customers.get(customer_id)
    entry: Mapping[str, Any] = listed.get(customer_id) or {}
    segment = (record.segment if record else None) or _opt(entry.get("segment"))
    country = (record.country if record else None) or _opt(entry.get("country"))
    names = possible_ladders(policy, segment, country, record.ladder if record else None)
    ladders = [policy.ladders.get(name) for name in names]
    if any(ladder is None for ladder in ladders):
        return
    ids = list(dict.fromkeys(s.id for ladder in ladders if ladder for s in ladder.steps))
    if step_id not in ids:
        named = " or ".join(f"'{name}'" for name in names)
        yield Problem.at(
            doc.source((*path, "step")),
            "P040",
            f"step '{step_id}' is not a step of ladder {named}, which customer '{customer_id}' is "
            f"on: the steps are {_listing(ids)}{_did_you_mean(step_id, ids)}",
        )


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) else None


CHECKS: tuple[tuple[str, Check], ...] = (
    ("references resolve", check_references),
    ("ladder name is its file name", check_ladder_file_names),
    ("template name is its file name", check_template_file_names),
    ("customer id is its file name", check_customer_file_names),
    ("step ids unique in a ladder", check_step_ids),
    ("steps in date order", check_step_order),
    ("no step before the invoice date", check_steps_after_invoice),
    ("contacts per 7 days within the guardrail", check_contact_density),
    ("discounts shorter than the terms and below 100 %", check_discounts),
    ("currencies are ISO 4217", check_currencies),
    ("amounts fit their currency's minor units", check_minor_units),
    ("no negative money", check_negative_money),
    ("percentage fee minimum not above maximum", check_fee_limits),
    ("overrides name steps of the customer's ladder", check_customer_steps),
    ("delays keep steps before the next one", check_customer_delays),
    ("a step is not both skipped and delayed", check_skip_and_delay),
    ("reference rates in date order", check_reference_rates),
    ("compensation bands ascending, one open band last", check_compensation_bands),
    ("calendar country and subdivision known", check_calendar),
    ("time zone known", check_timezone),
    ("template placeholders known", check_template_placeholders),
    ("templates used have a standard variant in the policy language", check_template_fallbacks),
    ("one template variant per tone and language", check_template_variants),
    ("policy tests name what exists", check_policy_tests),
    *((name, lambda context, run=run: run(context.policy)) for name, run in payment.CHECKS),
)
