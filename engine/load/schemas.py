"""The JSON Schemas of the policy files: which kinds there are, and each compiled once.

The schemas ship as the ``schemas`` package (the repository's schemas/ folder), so an installed
``dunning`` (a pre-commit hook environment, say) finds them as well as a checkout does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft7Validator, FormatChecker

SCHEMA_DIR = Path(str(files("schemas")))

API_VERSION = "dunning/v1"

# kind -> schema file name; the order is the order in which kinds are listed in messages.
SCHEMA_FILES: dict[str, str] = {
    "Policy": "policy.schema.json",
    "Terms": "terms.schema.json",
    "Ladder": "ladder.schema.json",
    "Fees": "fees.schema.json",
    "Template": "template.schema.json",
    "PolicyTest": "policy-test.schema.json",
    "Customer": "customer.schema.json",
    "Ledger": "ledger.schema.json",
    "Payment": "payment.schema.json",
}
KINDS = tuple(SCHEMA_FILES)


@dataclass(frozen=True, slots=True)
class Schema:
    """A compiled schema and what messages need to know about it."""

    validator: Any
    root: Mapping[str, Any]


@cache
def compiled_schema(kind: str) -> Schema:
    """Return the compiled validator of ``kind`` (compiled once per process)."""
    root = json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    # Only `date` is checked as a format: it catches a quoted "2026-02-30". The loader already
    # refuses an unquoted one (Y004).
    # Local references are inlined before compiling: following a `$ref` costs jsonschema a
    # resolver lookup on every use, which halves the speed of checking a thousand customer files.
    # Messages still read the schema as written (its `description` next to each `$ref`).
    inlined = cast("dict[str, Any]", _inline(root, root.get("definitions", {}), ()))
    validator = Draft7Validator(inlined, format_checker=FormatChecker(["date"]))
    return Schema(validator, root)


def _inline(node: object, definitions: Mapping[str, object], stack: tuple[str, ...]) -> object:
    """Return ``node`` with each ``{"$ref": "#/definitions/x"}`` replaced by definition x.

    A definition that refers to itself (directly or not) keeps its ``$ref``. As in draft-07, the
    keywords beside a ``$ref`` are dropped: they never applied.
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            name = ref.removeprefix("#/definitions/")
            if name in definitions and name not in stack:
                return _inline(definitions[name], definitions, (*stack, name))
            return node
        return {
            key: value if key == "definitions" else _inline(value, definitions, stack)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_inline(item, definitions, stack) for item in node]
    return node


@cache
def schema_forms() -> dict[str, str]:
    """Return pattern -> the name of the schema definition that has it (money, offset…).

    Taken from all schemas, so that an inline pattern (a currency code as a mapping key) is
    recognised by the definition elsewhere that has the same pattern.
    """
    forms: dict[str, str] = {}
    for name in SCHEMA_FILES.values():
        root = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        for form, definition in root.get("definitions", {}).items():
            if isinstance(definition, dict) and isinstance(definition.get("pattern"), str):
                forms.setdefault(definition["pattern"], form)
    return forms


def known_kind(kind: object) -> bool:
    """Return whether ``kind`` names a policy file kind that has a schema."""
    return isinstance(kind, str) and kind in SCHEMA_FILES
