"""A ladder, template or customer is named after its file (P016-P018)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from engine.check.context import Context, built_in, file_stem
from engine.model.source import Origin, Problem

CODES: dict[str, str] = {
    "P016": "a ladder's name differs from its file name",
    "P017": "a template's name differs from its file name",
    "P018": "a customer's id differs from its file name",
}


def _file_name_problems(
    records: Iterable[tuple[str, Origin]], kind: str, field: str, code: str, rename: str
) -> Iterator[Problem]:
    """Return problems for records whose name (``field``) is not the stem of their file."""
    for name, origin in records:
        stem = file_stem(origin)
        if not built_in(origin) and name != stem:
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
