"""The JSON Schemas of the policy files: which kinds there are, and each compiled once.

The schemas ship as the ``schemas`` package (the repository's schemas/ folder), so an installed
``dunning`` (a pre-commit hook environment, say) finds them as well as a checkout does.

Each schema is compiled twice, for two jobs. ``passes(kind, instance)`` answers only "does this
document pass?", with jsonschema-rs (compiled Rust): most files of a repository pass, and for
them that answer is all that is needed. ``compiled_schema(kind)`` is the jsonschema (Python)
validator whose errors ``engine.load.schema_errors`` turns into problems: it is built, and
jsonschema imported, only when a file does not pass. ``passes`` takes only documents on which the
two cannot disagree (see ``_same_for_both``); for anything else it says no and the Python
validator decides, so the problems reported are always jsonschema's
(tests/engine/load/test_schemas.py holds the two verdicts together).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

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
def _schema(kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the schema of ``kind`` as written and with its local references inlined."""
    root = json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    # Local references are inlined before compiling: following a `$ref` costs jsonschema a
    # resolver lookup on every use, which halves the speed of checking a thousand customer files.
    # Messages still read the schema as written (its `description` next to each `$ref`).
    inlined = cast("dict[str, Any]", _inline(root, root.get("definitions", {}), ()))
    return root, inlined


@cache
def compiled_schema(kind: str) -> Schema:
    """Return the compiled validator of ``kind`` (compiled once per process)."""
    # Imported here: most runs of `dunning validate` never need it (module docstring).
    from jsonschema import Draft7Validator, FormatChecker  # noqa: PLC0415

    root, inlined = _schema(kind)
    # Only `date` is checked as a format: it catches a quoted "2026-02-30". The loader already
    # refuses an unquoted one (Y004).
    validator = Draft7Validator(inlined, format_checker=FormatChecker(["date"]))
    return Schema(validator, root)


# jsonschema's `date` format: four, two and two ASCII digits that name a real day.
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# Integers both validators read exactly (jsonschema-rs holds a number in 64 bits).
_EXACT = 2**53


def _is_date(text: str) -> bool:
    """Return whether ``text`` passes jsonschema's `date` format check (the same rule)."""
    if not _DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


@cache
def _quick(kind: str) -> Callable[[object], bool]:
    """Return jsonschema-rs's "is valid" of ``kind`` (compiled once per process)."""
    import jsonschema_rs  # noqa: PLC0415

    # The formats jsonschema checks (`date` only), by its rule; `email` is not checked by it.
    validator = jsonschema_rs.Draft7Validator(
        _schema(kind)[1],
        validate_formats=True,
        formats={"date": _is_date, "email": lambda _: True},
    )
    is_valid: Callable[[object], bool] = validator.is_valid
    return is_valid


def passes(kind: str, instance: object) -> bool:
    """Return True when ``instance`` certainly passes the schema of ``kind``.

    False means "not known to pass": the Python validator (``compiled_schema``) then decides and
    words the errors.
    """
    return _same_for_both(instance, _final_break_safe(kind)) and _quick(kind)(instance)


def _same_for_both(value: object, final_break: bool) -> bool:
    """Return whether both validators read ``value`` the same way.

    JSON values only; whole numbers that fit 53 bits (no decimals or floats, which jsonschema-rs
    would read as binary floating point); text of printable characters, line breaks and tabs
    (Python's `\\s` takes control characters such as U+001C that Rust's does not). Text that
    ends with a line break only when ``final_break`` (see ``_final_break_safe``).
    """
    kind = type(value)
    if kind is str:
        text = cast("str", value)
        if text.isprintable():
            return True
        return (final_break or not text.endswith("\n")) and text.replace("\n", "").replace(
            "\t", ""
        ).isprintable()
    if kind is dict:
        return all(
            type(key) is str and key.isprintable() and _same_for_both(item, final_break)
            for key, item in cast("dict[object, object]", value).items()
        )
    if kind is list:
        return all(_same_for_both(item, final_break) for item in cast("list[object]", value))
    if kind is int:
        return -_EXACT < cast("int", value) < _EXACT
    return value is None or kind is bool


# Keywords under which a pattern that fails can make a document pass (or pick another branch).
_TURNING = frozenset({"not", "if", "oneOf", "anyOf"})


@cache
def _final_break_safe(kind: str) -> bool:
    """Return whether text ending with a line break reads the same to both validators here.

    Python's `$` also matches just before a final line break, Rust's does not: on such text a
    pattern ending in `$` can only fail more often with jsonschema-rs, which is safe (the Python
    validator then decides) unless the pattern sits under `not`, `if`, `oneOf` or `anyOf`, where
    failing can turn into passing.
    """

    def risky(node: object, turning: bool) -> bool:
        if isinstance(node, dict):
            if turning and "$" in str(node.get("pattern", "")):
                return True
            return any(
                risky(item, turning or key in _TURNING)
                for key, item in node.items()
                if key != "definitions"
            )
        if isinstance(node, list):
            return any(risky(item, turning) for item in node)
        return False

    return not risky(_schema(kind)[1], turning=False)


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
