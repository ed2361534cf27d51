"""Checking a policy file against the schema of its kind, with errors a finance lead can act on.

``check_document`` reads ``apiVersion`` and ``kind``, validates the document against the schema
of its kind (``engine.load.schemas``) and has each error phrased in plain words at the exact line
and column (``engine.load.schema_errors``).

Codes: S001 wrong type, S002 unknown field, S003 missing field, S004 bad format, S005 not one of
the allowed values, S006 anything else (sizes, ranges, duplicates, conflicting fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.load.schema_words import did_you_mean, show
from engine.load.schemas import API_VERSION, KINDS, compiled_schema, known_kind, passes
from engine.load.yaml_reader import YamlDocument
from engine.model.source import Problem

CODES: dict[str, str] = {
    "S001": "a value has the wrong type (text where a number is expected, money without quotes…)",
    "S002": "a field that the file kind does not have (often a misspelt name)",
    "S003": "a required field is missing",
    "S004": "a value is not written in the expected form (amount, date, offset, code…)",
    "S005": "a value is not one of the allowed values",
    "S006": "a value breaks another rule of the schema (empty, too large, listed twice, "
    "fields that exclude each other)",
}


def check_document(doc: YamlDocument) -> tuple[str | None, list[Problem]]:
    """Return the document's kind (None when it has no known kind) and its schema problems."""
    data = doc.data
    if not isinstance(data, dict):
        # The loader only hands over mappings; anything else is its problem (Y010), not ours.
        return None, []
    problems = _header_problems(doc, data)
    kind = data.get("kind")
    if not known_kind(kind):
        return None, problems
    assert isinstance(kind, str)
    instance = plain_values(data)
    if passes(kind, instance):
        return kind, problems
    # Imported here: only a file that does not pass needs its errors worded.
    from engine.load.schema_errors import ErrorConverter  # noqa: PLC0415

    schema = compiled_schema(kind)
    converter = ErrorConverter(doc, kind, schema)
    found: list[Problem] = []
    for error in schema.validator.iter_errors(instance):
        path = tuple(error.absolute_path)
        if path[:1] in (("apiVersion",), ("kind",)) or (
            not path and error.validator == "required" and _missing(error) & {"apiVersion", "kind"}
        ):
            continue  # already said by _header_problems, in better words
        found.extend(converter.convert(error))
    found = converter.finish(found)
    # A value of the wrong type usually breaks its pattern or list of values too: say it once.
    wrong_type = {problem.path for problem in found if problem.code == "S001"}
    problems += [
        problem
        for problem in found
        if problem.code not in ("S004", "S005") or problem.path not in wrong_type
    ]
    return kind, problems


def _missing(error: Any) -> set[str]:
    """Return the required fields a `required` error is about."""
    instance = error.instance
    if not isinstance(instance, dict):
        return set()
    return {name for name in error.validator_value if name not in instance}


def _header_problems(doc: YamlDocument, data: Mapping[str, object]) -> list[Problem]:
    """Return the problems with ``apiVersion`` and ``kind``, which decide how a file is read."""
    problems: list[Problem] = []
    if "apiVersion" not in data:
        problems.append(
            Problem.at(
                doc.source(()),
                "S003",
                f"a policy file needs 'apiVersion: {API_VERSION}' (the file format version) "
                "near the top",
            )
        )
    elif data["apiVersion"] != API_VERSION:
        problems.append(
            Problem.at(
                doc.source(("apiVersion",)),
                "S005",
                f"apiVersion {show(data['apiVersion'])} is not supported: write "
                f"apiVersion: {API_VERSION}",
            )
        )
    kinds = ", ".join(KINDS)
    if "kind" not in data:
        problems.append(
            Problem.at(
                doc.source(()),
                "S003",
                f"a policy file needs 'kind' (what the file is): one of {kinds}",
            )
        )
    elif not known_kind(data["kind"]):
        value = data["kind"]
        guess = did_you_mean(str(value), KINDS, lower=True)
        problems.append(
            Problem.at(
                doc.source(("kind",)),
                "S005",
                f"kind {show(value)} is not a kind of policy file: use one of {kinds}{guess}",
            )
        )
    return problems


def plain_values(value: object) -> object:
    """Return ``value`` with dates as ISO text, as editors (YAML 1.2) read them.

    Containers are copied only when something inside them changes, so a file without dates is
    validated as it was read, without a copy.
    """
    if isinstance(value, dict):
        changed: dict[str, object] | None = None
        for key, item in value.items():
            plain = plain_values(item)
            if plain is not item:
                if changed is None:
                    changed = dict(value)
                changed[key] = plain
        return value if changed is None else changed
    if isinstance(value, list):
        items: list[object] | None = None
        for index, item in enumerate(value):
            plain = plain_values(item)
            if plain is not item:
                if items is None:
                    items = list(value)
                items[index] = plain
        return value if items is None else items
    if isinstance(value, date):
        return value.isoformat()
    return value
