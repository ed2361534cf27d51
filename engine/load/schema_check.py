"""Checking a policy file against the schema of its kind, with errors a finance lead can act on.

jsonschema reports errors in schema vocabulary ("'at' is a required property", "15.5 is not of
type 'string'"). Each error is turned here into a ``Problem`` at the exact line and column of the
offending value (or key, for a field that should not be there), in plain words: what is wrong and
what to write instead. The wording is driven by the schemas themselves (descriptions, definitions,
``if``/``then`` conditions), so a schema change rarely needs a change here.

Codes: S001 wrong type, S002 unknown field, S003 missing field, S004 bad format, S005 not one of
the allowed values, S006 anything else (sizes, ranges, duplicates, conflicting fields).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft7Validator, FormatChecker

from engine.load.yaml_reader import YamlDocument
from engine.model.source import DocPath, Problem, Source

CODES: dict[str, str] = {
    "S001": "a value has the wrong type (text where a number is expected, money without quotes…)",
    "S002": "a field that the file kind does not have (often a misspelt name)",
    "S003": "a required field is missing",
    "S004": "a value is not written in the expected form (amount, date, offset, code…)",
    "S005": "a value is not one of the allowed values",
    "S006": "a value breaks another rule of the schema (empty, too large, listed twice, "
    "fields that exclude each other)",
}

# The schemas ship as the `schemas` package (the repository's schemas/ folder), so an installed
# `dunning` (a pre-commit hook environment, say) finds them as well as a checkout does.
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

# How an item of a list is named in messages, by the name of the list.
_ITEM_NOUNS = {
    "steps": "step",
    "variants": "variant",
    "bands": "band",
    "rates": "rate",
    "contacts": "contact",
    "assignment": "assignment rule",
    "customers": "customer",
    "invoices": "invoice",
    "payments": "payment",
    "credit_notes": "credit note",
    "disputes": "dispute",
    "promises": "promise",
    "payment_plans": "payment plan",
    "instalments": "instalment",
    "history": "history entry",
    "expect": "expected action",
    "absent": "absent action",
    "closed": "closed day",
    "skip": "skipped step",
}
# How an entry of a named mapping is named in messages, by the name of the mapping (top level).
_ENTRY_NOUNS = {
    "terms": "terms",
    "fees": "fee",
    "interest": "interest scheme",
    "reference_rates": "reference rate",
}

# Short explanations of fields for "X needs 'field' (…)" messages; other fields use the first
# sentence of their schema description.
_HINTS = {
    "apiVersion": "the file format version: write apiVersion: dunning/v1",
    "kind": "what the file is: " + ", ".join(KINDS),
    "at": "when it happens, e.g. due+14d",
    "id": "its identifier",
    "channel": "how the customer is contacted: email, phone, letter or sms",
    "template": "the message to send: a file in policies/templates/",
    "to": "where the debt goes: agency or legal",
    "name": "its name",
    "steps": "the list of steps",
    "variants": "the message in each tone and language",
    "body": "the text of the message",
    "tone": "standard, sympathetic or firm",
    "language": "a language code such as en",
    "until": "the date chasing resumes, e.g. 2027-01-15",
    "reason": "why, and who agreed it",
    "amount": 'an amount in quotes, e.g. "15.00"',
    "currency": "a currency code such as GBP",
    "terms": "the credit terms, e.g. net30",
    "ladder": "the dunning ladder, e.g. standard",
    "timezone": "the time zone, e.g. Europe/London",
    "base_currency": "the reporting currency, e.g. GBP",
    "defaults": "the default terms and ladder",
    "net_days": "days until payment is due, e.g. 30",
    "percent": 'a percentage in quotes, e.g. "2"',
    "days": "the number of days, e.g. 10",
    "reference": "the reference rate, a key of reference_rates",
    "margin_percent": 'percentage points above the reference rate, e.g. "8"',
    "rates": "the rate's history",
    "bands": "the compensation bands",
    "from": "the date the rate applies from, e.g. 2025-08-07",
    "when": "the conditions of the rule",
    "customer": "the customer's id",
    "ledger": "the ledger the test runs on",
    "date": "a date such as 2026-11-23",
    "dates": "the days to evaluate",
    "email": "an email address",
    "phone": "a phone number in quotes",
    "fixed": 'a fixed amount per currency, e.g. {GBP: "15.00"}',
    "expect": "the actions that must be on the list",
    "day_of_next_month": "the day of the next month payment is due, e.g. 10",
}

# What a value of each schema definition looks like, for S004 messages ({value} is the value).
_FORM_MESSAGES = {
    "money": 'amount {value} must be written as a quoted decimal such as "15.50" '
    "(digits and a decimal point only, no currency sign or thousands separator)",
    "percent": 'percentage {value} must be written as a quoted decimal such as "2" or "8.5" '
    "(no % sign)",
    "offset": "{value} is not a step date: write ANCHOR+Nd, ANCHOR-Nd or ANCHOR+Nbd with ANCHOR "
    "invoice, discount or due, e.g. due+14d (14 days after the due date) or due+1bd",
    "duration": "{value} is not a number of days: write it like 7d",
    "currency": "{value} is not a currency code: write the three-letter ISO 4217 code in "
    "capitals, e.g. GBP",
    "country": "{value} is not a country code: write the two-letter ISO 3166-1 code in "
    "capitals, e.g. GB",
    "language": "{value} is not a language code: write the two-letter ISO 639-1 code in lower "
    "case, e.g. en",
    "date": "{value} is not a date: write it as YYYY-MM-DD, e.g. 2026-11-23",
    "id": "{value} is not a valid name: use letters, digits, '.', '_' or '-', starting with a "
    "letter or digit, at most 64 characters",
    "stepId": "{value} is not a valid step id: use lower-case letters and digits, words joined "
    "by '-', e.g. first-reminder",
}
# Inline patterns (not in `definitions`), by the field that has them.
_FIELD_FORMS = {
    "timezone": "{value} is not a time zone: write an IANA time zone such as Europe/London",
    "max_fee_share": "max_fee_share {value} must be a fraction between 0 and 1 in quotes, e.g. "
    '"0.10" for 10 %',
    "subdivision": "{value} is not a subdivision code: write it in capitals as the holidays "
    "package does, e.g. ENG",
    "email": "{value} is not an email address",
    "phone": 'phone {value} is not a phone number: write it in quotes, e.g. "+44 20 7946 0000"',
    "role": "role {value} must be lower-case words joined by '_', e.g. accounts_payable",
}

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "object": "a set of fields (name: value)",
    "array": "a list",
    "boolean": "true or false",
    "null": "empty",
}


@dataclass(frozen=True, slots=True)
class _Schema:
    """A compiled schema and what messages need to know about it."""

    validator: Any
    root: Mapping[str, Any]


@cache
def _schema(kind: str) -> _Schema:
    """Return the compiled validator of ``kind`` (compiled once per process)."""
    root = json.loads((SCHEMA_DIR / SCHEMA_FILES[kind]).read_text(encoding="utf-8"))
    # Only `date` is checked as a format: it catches a quoted "2026-02-30". The loader already
    # refuses an unquoted one (Y004).
    # Local references are inlined before compiling: following a `$ref` costs jsonschema a
    # resolver lookup on every use, which halves the speed of checking a thousand customer files.
    # Messages still read the schema as written (its `description` next to each `$ref`).
    inlined = cast("dict[str, Any]", _inline(root, root.get("definitions", {}), ()))
    validator = Draft7Validator(inlined, format_checker=FormatChecker(["date"]))
    return _Schema(validator, root)


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
def _forms() -> dict[str, str]:
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
    schema = _schema(kind)
    instance = _plain(data)
    converter = _Converter(doc, kind, schema)
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
                f"apiVersion {_show(data['apiVersion'])} is not supported: write "
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
        guess = _did_you_mean(str(value), KINDS, lower=True)
        problems.append(
            Problem.at(
                doc.source(("kind",)),
                "S005",
                f"kind {_show(value)} is not a kind of policy file: use one of {kinds}{guess}",
            )
        )
    return problems


def _plain(value: object) -> object:
    """Return ``value`` with dates as ISO text, as editors (YAML 1.2) read them.

    Containers are copied only when something inside them changes, so a file without dates is
    validated as it was read, without a copy.
    """
    if isinstance(value, dict):
        changed: dict[str, object] | None = None
        for key, item in value.items():
            plain = _plain(item)
            if plain is not item:
                if changed is None:
                    changed = dict(value)
                changed[key] = plain
        return value if changed is None else changed
    if isinstance(value, list):
        items: list[object] | None = None
        for index, item in enumerate(value):
            plain = _plain(item)
            if plain is not item:
                if items is None:
                    items = list(value)
                items[index] = plain
        return value if items is None else items
    if isinstance(value, date):
        return value.isoformat()
    return value


def _show(value: object) -> str:
    """Return a value as it would be written in the file, quoted when it is text."""
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _did_you_mean(word: str, choices: Sequence[str], *, lower: bool = False) -> str:
    """Return "; did you mean 'x'?" for the closest of ``choices``, or '' when none is close."""
    if lower:
        for choice in choices:
            if choice.lower() == word.lower():
                return f"; did you mean '{choice}'?"
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _first_sentence(text: str) -> str:
    """Return the first sentence of a schema description, in lower case and without markup."""
    text = text.replace("`", "")
    for match in re.finditer(r"\.(\s|$)", text):
        before = text[: match.start()]
        if not re.search(r"(e\.g|i\.e|etc)$", before):
            text = before
            break
    text = text.rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


class _Converter:
    """Turns one jsonschema error (and the errors inside it) into problems."""

    def __init__(self, doc: YamlDocument, kind: str, schema: _Schema) -> None:
        self.doc = doc
        self.kind = kind
        self.schema = schema
        # (path, message) already reported, so that two errors saying the same thing say it once.
        self.seen: set[tuple[DocPath, str]] = set()
        # (object path, field) that the schema forbids where they are written.
        self.banned: set[tuple[DocPath, str]] = set()
        # A requirement that applies only because of some fields: problem -> (object, fields).
        self.depends: dict[Problem, tuple[DocPath, frozenset[str]]] = {}

    # -- locating ---------------------------------------------------------------------------

    def at(self, path: DocPath) -> Source:
        return self.doc.source(path)

    def at_key(self, path: DocPath) -> Source:
        """Return where the key of ``path`` is written (or its value, when the key is unknown)."""
        found = self.doc.key_locations.get(path)
        if found is None:
            return self.doc.source(path)
        return Source(self.doc.file, found[0], found[1], path)

    def problem(self, source: Source, code: str, message: str) -> list[Problem]:
        key = (source.path, message)
        if key in self.seen:
            return []
        self.seen.add(key)
        return [Problem.at(source, code, message)]

    # -- naming -----------------------------------------------------------------------------

    def value_at(self, path: DocPath) -> object:
        value: object = self.doc.data
        for part in path:
            if isinstance(value, dict) and isinstance(part, str):
                value = value.get(part)
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return None
        return value

    def noun(self, path: DocPath) -> str:
        """Return how the object at ``path`` is named: ``step 'call'``, ``fee 'reminder-fee'``."""
        if not path:
            return f"a {self.kind} file"
        last = path[-1]
        if isinstance(last, int):
            parent = path[-2] if len(path) > 1 else ""
            noun = _ITEM_NOUNS.get(str(parent), "item")
            value = self.value_at(path)
            if isinstance(value, dict):
                for key in ("id", "name"):
                    name = value.get(key)
                    if isinstance(name, str) and name:
                        return f"{noun} '{name}'"
            return f"{noun} {last + 1}"
        if len(path) == 2 and str(path[0]) in _ENTRY_NOUNS:
            return f"{_ENTRY_NOUNS[str(path[0])]} '{last}'"
        return f"'{last}'"

    def field_name(self, path: DocPath) -> str:
        """Return the name of the field at ``path`` as people read it: ``at``, ``GBP amount``."""
        for part in reversed(path):
            if isinstance(part, str):
                return part
        return self.kind

    # -- schema lookups ---------------------------------------------------------------------

    def resolve(self, schema: object) -> object:
        """Return ``schema`` with local ``$ref`` followed."""
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 16:
            ref = schema["$ref"]
            target: object = self.schema.root
            if isinstance(ref, str) and ref.startswith("#/"):
                for part in ref[2:].split("/"):
                    target = target.get(part) if isinstance(target, dict) else None
            schema, seen = target, seen + 1
        return schema

    def schema_for(self, path: DocPath) -> dict[str, Any]:
        """Return the schema of the node at ``path`` (following properties, items, $ref)."""
        schema: object = self.resolve(self.schema.root)
        for part in path:
            if not isinstance(schema, dict):
                return {}
            if isinstance(part, int):
                schema = self.resolve(schema.get("items", {}))
                continue
            properties = schema.get("properties", {})
            if part in properties:
                schema = self.resolve(properties[part])
            elif isinstance(schema.get("additionalProperties"), dict):
                schema = self.resolve(schema["additionalProperties"])
            else:
                return {}
        return schema if isinstance(schema, dict) else {}

    def hint(self, path: DocPath, name: str) -> str:
        """Return a short explanation of field ``name`` of the object at ``path``."""
        if name in _HINTS:
            return _HINTS[name]
        properties = self.schema_for(path).get("properties", {})
        description = properties.get(name, {}).get("description") if properties else None
        if not description:
            resolved = self.resolve(properties.get(name, {})) if properties else {}
            description = resolved.get("description") if isinstance(resolved, dict) else None
        return _first_sentence(description) if isinstance(description, str) else ""

    def walk_schema_path(self, schema_path: Sequence[object]) -> list[object]:
        """Return the schemas visited along an error's schema path (following ``$ref``)."""
        visited: list[object] = []
        schema: object = self.schema.root
        for part in schema_path:
            while isinstance(schema, dict) and part not in schema and "$ref" in schema:
                schema = self.resolve(schema)
            visited.append(schema)
            if isinstance(schema, dict) and isinstance(part, str):
                schema = schema.get(part)
            elif isinstance(schema, list) and isinstance(part, int) and part < len(schema):
                schema = schema[part]
            else:
                break
        visited.append(schema)
        return visited

    def condition(self, error: Any, instance: object) -> str:
        """Return why a rule of an ``if``/``then``/``else`` applies, e.g. ' because it has …'."""
        return self.condition_and_fields(error, instance)[0]

    def condition_and_fields(self, error: Any, instance: object) -> tuple[str, frozenset[str]]:
        """Return why a rule of an ``if``/``then``/``else`` applies and the fields it tests."""
        schema_path = list(error.schema_path)
        for index in range(len(schema_path) - 1, -1, -1):
            branch = schema_path[index]
            if branch not in ("then", "else"):
                continue
            visited = self.walk_schema_path(schema_path[:index])
            holder = self.resolve(visited[-1])
            if not isinstance(holder, dict) or "if" not in holder:
                continue
            condition = holder["if"]
            fields = frozenset(_condition_fields(condition))
            if branch == "then":
                words = _describe_condition(condition, instance, actual=True)
                return (f" because it has {words}" if words else "", fields)
            words = _describe_condition(condition, instance, actual=False)
            return (f" unless it has {words}" if words else "", fields)
        return "", frozenset()

    def finish(self, problems: list[Problem]) -> list[Problem]:
        """Return ``problems`` without requirements that only follow from a forbidden field.

        A credit hold step with ``channel: email`` is told to drop the channel, not also to add
        the template that an email would need.
        """
        return [
            problem
            for problem in problems
            if not any(
                (self.depends[problem][0], name) in self.banned
                for name in self.depends.get(problem, ((), frozenset()))[1]
            )
        ]

    # -- conversion -------------------------------------------------------------------------

    def convert(self, error: Any) -> list[Problem]:
        """Return the problems that ``error`` stands for."""
        keyword = error.validator
        path: DocPath = tuple(error.absolute_path)
        if keyword is None:  # a `false` schema: the field is not allowed here
            return self.forbidden(error, path)
        handler = getattr(self, f"on_{keyword}", None)
        if handler is not None:
            result: list[Problem] = handler(error, path)
            return result
        return self.problem(
            self.at(path), "S006", f"{self.field_name(path)}: {_clean(error.message)}"
        )

    def on_required(self, error: Any, path: DocPath) -> list[Problem]:
        instance = error.instance
        problems: list[Problem] = []
        because, fields = self.condition_and_fields(error, instance)
        for name in error.validator_value:
            if isinstance(instance, dict) and name in instance:
                continue
            hint = self.hint(path, name)
            hint = f" ({hint})" if hint else ""
            found = self.problem(
                self.at(path), "S003", f"{self.noun(path)} needs '{name}'{hint}{because}"
            )
            for problem in found:
                self.depends[problem] = (path, fields)
            problems += found
        return problems

    def on_additionalProperties(self, error: Any, path: DocPath) -> list[Problem]:  # noqa: N802
        schema = error.schema
        instance = error.instance
        if not isinstance(instance, dict) or not isinstance(schema, dict):
            return []
        allowed = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        problems: list[Problem] = []
        for key in instance:
            if key in allowed or any(re.search(p, key) for p in patterns):
                continue
            guess = _did_you_mean(key, allowed)
            problems += self.problem(
                self.at_key((*path, key)),
                "S002",
                f"unknown field '{key}' in {self.noun(path)}: expected one of "
                f"{', '.join(allowed)}{guess}",
            )
        return problems

    def forbidden(self, error: Any, path: DocPath) -> list[Problem]:
        """Return problems for fields that a ``false`` schema forbids (``then: {x: false}``).

        jsonschema reports these at the object that holds the field (not at the field itself) and
        without the field's name, so the fields are found from the schema.
        """
        visited = self.walk_schema_path(list(error.schema_path))
        holder = visited[-1] if visited else None
        instance = self.value_at(path)
        if not isinstance(holder, dict) or not isinstance(instance, dict):
            return self.problem(
                self.at(path), "S006", f"{_show(error.instance)} is not allowed here"
            )
        because = self.condition(error, instance)
        problems: list[Problem] = []
        for name, sub in holder.items():
            if sub is False and name in instance:
                self.banned.add((path, name))
                problems += self.problem(
                    self.at_key((*path, name)),
                    "S006",
                    f"{self.noun(path)} cannot have '{name}'{because}",
                )
        return problems

    def on_type(self, error: Any, path: DocPath) -> list[Problem]:
        expected = error.validator_value
        expected_list = [expected] if isinstance(expected, str) else list(expected)
        value = error.instance
        name = self.field_name(path)
        form = self.form_of(error.schema, path)
        if form in _FORM_MESSAGES and form not in ("money", "percent") and value is not None:
            message = _FORM_MESSAGES[form].format(value=_show(value))
        elif (
            "string" in expected_list
            and isinstance(value, int | Decimal)
            and not isinstance(value, bool)
        ):
            if form == "money":
                message = (
                    f'amount {value} must be written in quotes, e.g. "{value}": write money in '
                    "quotes so it is read exactly, never rounded"
                )
            elif form == "percent":
                message = f'percentage {value} must be written in quotes, e.g. "{value}"'
            else:
                message = f'{name} {value} must be written in quotes, e.g. "{value}"'
        elif "string" in expected_list and isinstance(value, bool):
            message = (
                f"{name} is read as {_show(value)} (yes/no); if you mean the text, put it in "
                f'quotes, e.g. "{_show(value)}"'
            )
        elif value is None:
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected_list)
            message = f"{name} has no value: write {words}"
        elif "integer" in expected_list and isinstance(value, str) and value.strip().isdigit():
            message = f"{name} must be a whole number without quotes, e.g. {value.strip()}"
        elif "integer" in expected_list and isinstance(value, Decimal):
            message = f"{name} must be a whole number, not {value}"
        else:
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in expected_list)
            message = f"{name} must be {words}, not {_describe(value)}"
        return self.problem(self.at(path), "S001", message)

    def form_of(self, schema: object, path: DocPath) -> str:
        """Return the definition name (money, offset…) or field name that decides a value's form."""
        if isinstance(schema, dict):
            pattern = schema.get("pattern")
            if isinstance(pattern, str) and pattern in _forms():
                return _forms()[pattern]
        return self.field_name(path)

    def on_pattern(self, error: Any, path: DocPath) -> list[Problem]:
        is_key = "propertyNames" in error.schema_path
        value = error.instance
        form = self.form_of(error.schema, path)
        template = _FORM_MESSAGES.get(form) or _FIELD_FORMS.get(form)
        shown = _show(value)
        if template is None:
            description = error.schema.get("description") if isinstance(error.schema, dict) else ""
            expected = _first_sentence(description) if description else "the documented form"
            what = "name" if is_key else self.field_name(path)
            message = f"{what} {shown} is not written in the expected form: {expected}"
        else:
            message = template.format(value=shown)
        if is_key:
            return self.problem(self.at_key((*path, value)), "S004", message)
        return self.problem(self.at(path), "S004", message)

    def on_format(self, error: Any, path: DocPath) -> list[Problem]:
        if error.validator_value == "date":
            message = (
                f"{_show(error.instance)} is not a real date: write an existing day as YYYY-MM-DD"
            )
        else:
            message = f"{_show(error.instance)} is not a valid {error.validator_value}"
        return self.problem(self.at(path), "S004", message)

    def on_enum(self, error: Any, path: DocPath) -> list[Problem]:
        allowed = [str(v) for v in error.validator_value]
        value = error.instance
        guess = _did_you_mean(str(value), allowed, lower=True) if isinstance(value, str) else ""
        name = self.field_name(path)
        return self.problem(
            self.at(path),
            "S005",
            f"{name} cannot be {_show(value)}: use one of {', '.join(allowed)}{guess}",
        )

    def on_const(self, error: Any, path: DocPath) -> list[Problem]:
        name = self.field_name(path)
        return self.problem(
            self.at(path),
            "S005",
            f"{name} cannot be {_show(error.instance)}: write {name}: {error.validator_value}",
        )

    def on_minLength(self, error: Any, path: DocPath) -> list[Problem]:  # noqa: N802
        return self.problem(
            self.at(path), "S006", f"{self.field_name(path)} is empty: write something here"
        )

    def on_minItems(self, error: Any, path: DocPath) -> list[Problem]:  # noqa: N802
        count = error.validator_value
        entries = "entry" if count == 1 else "entries"
        return self.problem(
            self.at(path), "S006", f"{self.field_name(path)} needs at least {count} {entries}"
        )

    def on_minProperties(self, error: Any, path: DocPath) -> list[Problem]:  # noqa: N802
        count = error.validator_value
        entries = "entry" if count == 1 else "entries"
        return self.problem(
            self.at(path), "S006", f"{self.field_name(path)} needs at least {count} {entries}"
        )

    def on_minimum(self, error: Any, path: DocPath) -> list[Problem]:
        return self.problem(
            self.at(path),
            "S006",
            f"{self.field_name(path)} is {error.instance}; it must be at least "
            f"{error.validator_value}",
        )

    def on_maximum(self, error: Any, path: DocPath) -> list[Problem]:
        return self.problem(
            self.at(path),
            "S006",
            f"{self.field_name(path)} is {error.instance}; it must be at most "
            f"{error.validator_value}",
        )

    def on_uniqueItems(self, error: Any, path: DocPath) -> list[Problem]:  # noqa: N802
        items = error.instance if isinstance(error.instance, list) else []
        for index, item in enumerate(items):
            if item in items[:index]:
                return self.problem(
                    self.at((*path, index)),
                    "S006",
                    f"{self.field_name(path)} lists {_show(item)} twice: list it once",
                )
        return self.problem(self.at(path), "S006", f"{self.field_name(path)} lists a value twice")

    def on_oneOf(self, error: Any, path: DocPath) -> list[Problem]:  # noqa: N802
        return self.alternatives(error, path)

    def on_anyOf(self, error: Any, path: DocPath) -> list[Problem]:  # noqa: N802
        return self.alternatives(error, path)

    def alternatives(self, error: Any, path: DocPath) -> list[Problem]:
        """Return problems for a value that fits none (or, for oneOf, several) of its forms."""
        branches: dict[int, list[Any]] = {}
        for sub in error.context or ():
            branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
        # A branch whose only complaints are about values deeper down is the form the author
        # meant: report those complaints.
        depth = len(path)
        for errors in sorted(branches.values(), key=len):
            if errors and all(len(sub.absolute_path) > depth for sub in errors):
                return [p for sub in errors for p in self.convert(sub)]
        # A branch that does not complain about the type is the form of the value: report that
        # branch's complaint (e.g. a country code in the wrong form rather than "not a list").
        fitting = [
            errors
            for errors in branches.values()
            if errors and not any(sub.validator == "type" for sub in errors)
        ]
        if len(fitting) == 1:
            return [p for sub in fitting[0] for p in self.convert(sub)]
        instance = error.instance
        options = [self.resolve(option) for option in error.validator_value]
        if isinstance(instance, dict):
            required = [
                option.get("required", []) for option in options if isinstance(option, dict)
            ]
            names = [name for names in required for name in names]
            if names and not any(name in instance for name in names):
                listed = " or ".join(f"'{name}'" for name in names)
                return self.problem(self.at(path), "S003", f"{self.noun(path)} needs {listed}")
            present = [name for name in names if name in instance]
            if len(present) > 1:
                listed = " and ".join(f"'{name}'" for name in present)
                return self.problem(
                    self.at(path),
                    "S006",
                    f"{self.noun(path)} cannot have both {listed}: give one of them",
                )
        words = []
        for option in options:
            if isinstance(option, dict) and "type" in option:
                words.append(_TYPE_WORDS.get(str(option["type"]), str(option["type"])))
            elif isinstance(option, dict) and "pattern" in option:
                words.append(_first_sentence(str(option.get("description", "a value"))))
        if error.validator == "oneOf" and not branches:
            message = f"{self.field_name(path)} fits more than one form: make it fit exactly one"
            return self.problem(self.at(path), "S006", message)
        expected = " or ".join(words) if words else "a different value"
        return self.problem(
            self.at(path),
            "S001",
            f"{self.field_name(path)} must be {expected}, not {_describe(instance)}",
        )

    def on_not(self, error: Any, path: DocPath) -> list[Problem]:
        instance = error.instance
        banned = _required_names(error.validator_value)
        present = [name for name in banned if isinstance(instance, dict) and name in instance]
        because = self.condition(error, instance)
        if present:
            problems: list[Problem] = []
            for name in present:
                self.banned.add((path, name))
                problems += self.problem(
                    self.at_key((*path, name)),
                    "S006",
                    f"{self.noun(path)} cannot have '{name}'{because}",
                )
            return problems
        return self.problem(
            self.at(path), "S006", f"{self.field_name(path)} is not allowed in this form{because}"
        )


def _required_names(schema: object) -> list[str]:
    """Return the field names a schema requires, looking into ``anyOf``/``oneOf``/``allOf``."""
    if not isinstance(schema, dict):
        return []
    names = [str(name) for name in schema.get("required", [])]
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            names += _required_names(option)
    return names


def _describe_condition(condition: object, instance: object, *, actual: bool) -> str:
    """Return an ``if`` schema in words: "action: credit_hold", "'fixed'", "no 'phone'"."""
    if not isinstance(condition, dict):
        return ""
    data = instance if isinstance(instance, dict) else {}
    words: list[str] = []
    for name, rule in condition.get("properties", {}).items():
        if not isinstance(rule, dict):
            continue
        if actual:
            if name in data:
                words.append(f"{name}: {_plain_word(data[name])}")
        elif "const" in rule:
            words.append(f"{name}: {rule['const']}")
        elif "enum" in rule:
            words.append(f"{name}: {' or '.join(str(v) for v in rule['enum'])}")
    for name in condition.get("required", []):
        if not any(word.startswith(f"{name}:") for word in words):
            words.append(f"'{name}'")
    negated = condition.get("not")
    if isinstance(negated, dict):
        names = _required_names(negated)
        if len(names) == 1:
            words.append(f"no '{names[0]}'")
        elif names:
            words.append("none of " + ", ".join(f"'{name}'" for name in names))
    return " and ".join(words)


def _condition_fields(condition: object) -> list[str]:
    """Return the fields an ``if`` schema looks at."""
    if not isinstance(condition, dict):
        return []
    names = list(condition.get("properties", {})) + [str(n) for n in condition.get("required", [])]
    return names + _required_names(condition.get("not"))


def _plain_word(value: object) -> str:
    return value if isinstance(value, str) else _show(value)


def _describe(value: object) -> str:
    """Return what kind of value ``value`` is, in words, with the value when it is short."""
    if isinstance(value, bool):
        return f"true/false ({_show(value)})"
    if isinstance(value, int | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value}'" if len(value) <= 40 else "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a set of fields"
    if value is None:
        return "an empty value"
    return _show(value)


def _clean(message: str) -> str:
    """Return a jsonschema message without Python's reprs of Decimal values."""
    return re.sub(r"Decimal\('([^']*)'\)", r"\1", message)
