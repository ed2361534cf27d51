"""The semantic checks of a policy: what a schema cannot say about one file alone.

``validate(policy)`` runs a named list of small checks (``CHECKS``), each in the module of its
topic (references, file names, ladders, terms, money, interest, customers, settings, templates,
policy tests, payment); each returns the problems it finds, located at the exact field through
the records' ``Origin``. One rule, one stable code (``CODES``), documented in docs/errors.md.
Schema-level rules (required fields, a template on email steps, ``to`` on escalations, no channel
on a credit hold, a pause with a reason and an end, max_fee_share between 0 and 1) are the
schemas' (S-codes); file-level rules (exactly one Policy file, names defined once, files in their
folders) are the loader's (P001-P004).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from engine.check import (
    currencies,
    customers,
    experiments,
    expiry,
    file_names,
    interest,
    ladders,
    money,
    payment,
    policy_tests,
    references,
    settings,
    templates,
    terms,
)
from engine.check.context import Check, Context
from engine.model.policy import Policy
from engine.model.source import Problem

if TYPE_CHECKING:
    from engine.load.policy_loader import LoadResult
    from engine.load.yaml_reader import YamlDocument

# Every code of the semantic checks, in code order (docs/errors.md).
CODES: dict[str, str] = dict(
    sorted(
        {
            **references.CODES,
            **file_names.CODES,
            **ladders.CODES,
            **terms.CODES,
            **money.CODES,
            **customers.CODES,
            **interest.CODES,
            **settings.CODES,
            **templates.CODES,
            **policy_tests.CODES,
            **payment.CODES,
            **experiments.CODES,
            **currencies.CODES,
            **expiry.CODES,
        }.items()
    )
)

# The semantic checks, by name, in the order `dunning validate` runs them.
CHECKS: tuple[tuple[str, Check], ...] = (
    ("references resolve", references.check_references),
    ("ladder name is its file name", file_names.check_ladder_file_names),
    ("template name is its file name", file_names.check_template_file_names),
    ("customer id is its file name", file_names.check_customer_file_names),
    ("step ids unique in a ladder", ladders.check_step_ids),
    ("steps in date order", ladders.check_step_order),
    ("no step before the invoice date", ladders.check_steps_after_invoice),
    ("a ladder starts from a date, not the previous step", ladders.check_previous_first),
    ("previous steps on ladders that catch up one level", ladders.check_previous_catch_up),
    ("repeats happen before the next step", ladders.check_repeats_happen),
    ("step conditions can fail", ladders.check_conditions_can_fail),
    ("contacts per 7 days within the guardrail", ladders.check_contact_density),
    ("steps for currencies their ladder chases", currencies.check_step_currencies),
    ("expiries leave a step that can be sent", expiry.check_expiry),
    ("discounts shorter than the terms and below 100 %", terms.check_discounts),
    ("split terms add up to 100 % in due order", terms.check_instalments),
    ("cut-off days only on end-of-month terms", terms.check_cutoff_days),
    ("currencies are ISO 4217", money.check_currencies),
    ("amounts fit their currency's minor units", money.check_minor_units),
    ("no negative money", money.check_negative_money),
    ("percentage fee minimum not above maximum", money.check_fee_limits),
    ("overrides name steps of the customer's ladder", customers.check_customer_steps),
    ("delays keep steps before the next one", customers.check_customer_delays),
    ("a step is not both skipped and delayed", customers.check_skip_and_delay),
    ("a credit limit review has a credit limit", customers.check_credit_reviews),
    ("reference rates in date order", interest.check_reference_rates),
    ("compensation bands ascending, one open band last", interest.check_compensation_bands),
    ("interest margin changes in date order", interest.check_margin_changes),
    ("calendar country and subdivision known", settings.check_calendar),
    ("time zone known", settings.check_timezone),
    ("template placeholders known", templates.check_template_placeholders),
    (
        "templates used have a standard variant in the policy language",
        templates.check_template_fallbacks,
    ),
    ("one template variant per tone and language", templates.check_template_variants),
    ("a step's tone has a template variant", templates.check_step_tones),
    ("policy tests name what exists", policy_tests.check_policy_tests),
    ("experiments can run", experiments.check_experiments),
    *((name, lambda context, run=run: run(context.policy)) for name, run in payment.CHECKS),
)


# The checks that warn: the policy is valid, but likely not what was meant. Only `dunning
# validate` runs them (docs/decisions/019-validation-warnings.md).
WARNING_CHECKS: tuple[tuple[str, Check], ...] = (
    ("currencies min_balance leaves out are chased or not", currencies.check_other_currencies),
    ("messages about a due date to come go out before it", expiry.check_future_due_words),
)


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


def warnings(result: LoadResult) -> list[Problem]:
    """Return the warnings about a load result's policy, sorted: none when it did not load.

    Like ``check``, only for the files that were checked.
    """
    if result.policy is None:
        return []
    context = Context(result.policy, result.tests, result.unavailable)
    wanted = set(result.files)
    found = {problem for _, run in WARNING_CHECKS for problem in run(context)}
    return sorted((p for p in found if p.file in wanted), key=Problem.sort_key)


def check(result: LoadResult) -> list[Problem]:
    """Return all problems of a load result: reading, schemas, files and semantics, sorted.

    Semantic problems are kept only for the files that were checked (``result.files``).
    """
    problems = set(result.problems)
    if result.policy is not None:
        wanted = set(result.files)
        found = validate(result.policy, tests=result.tests, unavailable=result.unavailable)
        # A value read as a stand-in (Y004) is reported once, as what it is.
        stood_in = result.stood_in
        problems.update(
            problem
            for problem in found
            if problem.file in wanted and (problem.file, problem.path) not in stood_in
        )
    return sorted(problems, key=Problem.sort_key)
