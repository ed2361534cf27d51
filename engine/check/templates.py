"""Templates: known placeholders and matching braces, a standard variant in the policy language for
every template a step uses, one variant per tone and language, a variant in every tone a step sets
(P035-P038, P083).
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Iterator

from engine.check.context import Context
from engine.model.policy import (
    PLACEHOLDERS,
    Template,
    TemplateVariant,
)
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P035": "a template placeholder that does not exist",
    "P036": "a template whose braces do not match",
    "P037": "a template used by a step has no standard variant in the policy language",
    "P038": "a template has two variants for the same tone and language",
    "P083": "a step sets a tone that its template has no variant in",
}


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


def check_step_tones(context: Context) -> Iterator[Problem]:
    """Return problems for steps whose tone their template has no variant in (any language).

    Without one, every customer would get the standard message: the tone set would do nothing.
    """
    policy = context.policy
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            template = policy.templates.get(step.template or "")
            if step.tone is None or template is None:
                continue
            tones = sorted({variant.tone for variant in template.variants})
            if step.tone in tones:
                continue
            yield Problem.at(
                step.origin.at("tone"),
                "P083",
                f"step '{step.id}' of ladder '{ladder.name}' sends template '{template.name}' "
                f"in the {step.tone} tone, but that template has no {step.tone} variant (it has "
                f"{', '.join(tones)}): add a variant with tone: {step.tone} to the template, or "
                "remove the step's tone",
            )
