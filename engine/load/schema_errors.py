"""jsonschema's errors turned into problems a finance lead can act on.

jsonschema reports errors in schema vocabulary ("'at' is a required property", "15.5 is not of
type 'string'"). ``ErrorConverter`` turns each into a ``Problem`` at the exact line and column of
the offending value (or key, for a field that should not be there), in plain words: what is wrong
and what to write instead. The wording is driven by the schemas themselves (descriptions,
definitions, ``if``/``then`` conditions) and by ``engine.load.schema_words``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from engine.load.schema_words import (
    ENTRY_NOUNS,
    FIELD_FORMS,
    FORM_MESSAGES,
    HINTS,
    ITEM_NOUNS,
    TYPE_WORDS,
    clean,
    condition_fields,
    describe,
    describe_condition,
    did_you_mean,
    first_sentence,
    required_names,
    show,
)
from engine.load.schemas import Schema, schema_forms
from engine.load.yaml_reader import YamlDocument
from engine.model.real_days import impossible_date
from engine.model.source import DocPath, Problem, Source

_YYYY_MM_DD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ErrorConverter:
    """Turns one jsonschema error (and the errors inside it) into problems."""

    def __init__(self, doc: YamlDocument, kind: str, schema: Schema) -> None:
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
            noun = ITEM_NOUNS.get(str(parent), "item")
            value = self.value_at(path)
            if isinstance(value, dict):
                for key in ("id", "name"):
                    name = value.get(key)
                    if isinstance(name, str) and name:
                        return f"{noun} '{name}'"
            return f"{noun} {last + 1}"
        if len(path) == 2 and str(path[0]) in ENTRY_NOUNS:
            return f"{ENTRY_NOUNS[str(path[0])]} '{last}'"
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
        if name in HINTS:
            return HINTS[name]
        properties = self.schema_for(path).get("properties", {})
        description = properties.get(name, {}).get("description") if properties else None
        if not description:
            resolved = self.resolve(properties.get(name, {})) if properties else {}
            description = resolved.get("description") if isinstance(resolved, dict) else None
        return first_sentence(description) if isinstance(description, str) else ""

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
            fields = frozenset(condition_fields(condition))
            if branch == "then":
                words = describe_condition(condition, instance, actual=True)
                return (f" because it has {words}" if words else "", fields)
            words = describe_condition(condition, instance, actual=False)
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
            self.at(path), "S006", f"{self.field_name(path)}: {clean(error.message)}"
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
            guess = did_you_mean(key, allowed)
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
                self.at(path), "S006", f"{show(error.instance)} is not allowed here"
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
        if form in FORM_MESSAGES and form not in ("money", "percent") and value is not None:
            message = FORM_MESSAGES[form].format(value=show(value))
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
                f"{name} is read as {show(value)} (yes/no); if you mean the text, put it in "
                f'quotes, e.g. "{show(value)}"'
            )
        elif value is None:
            words = " or ".join(TYPE_WORDS.get(t, t) for t in expected_list)
            message = f"{name} has no value: write {words}"
        elif "integer" in expected_list and isinstance(value, str) and value.strip().isdigit():
            message = f"{name} must be a whole number without quotes, e.g. {value.strip()}"
        elif "integer" in expected_list and isinstance(value, Decimal):
            message = f"{name} must be a whole number, not {value}"
        else:
            words = " or ".join(TYPE_WORDS.get(t, t) for t in expected_list)
            message = f"{name} must be {words}, not {describe(value)}"
        return self.problem(self.at(path), "S001", message)

    def form_of(self, schema: object, path: DocPath) -> str:
        """Return the definition name (money, offset…) or field name that decides a value's form."""
        if isinstance(schema, dict):
            pattern = schema.get("pattern")
            if isinstance(pattern, str) and pattern in schema_forms():
                return schema_forms()[pattern]
        return self.field_name(path)

    def on_pattern(self, error: Any, path: DocPath) -> list[Problem]:
        is_key = "propertyNames" in error.schema_path
        value = error.instance
        form = self.form_of(error.schema, path)
        template = FORM_MESSAGES.get(form) or FIELD_FORMS.get(form)
        shown = show(value)
        if template is None:
            description = error.schema.get("description") if isinstance(error.schema, dict) else ""
            expected = first_sentence(description) if description else "the documented form"
            what = "name" if is_key else self.field_name(path)
            message = f"{what} {shown} is not written in the expected form: {expected}"
        else:
            message = template.format(value=shown)
        if is_key:
            return self.problem(self.at_key((*path, value)), "S004", message)
        return self.problem(self.at(path), "S004", message)

    def on_format(self, error: Any, path: DocPath) -> list[Problem]:
        if error.validator_value == "date":
            text = str(error.instance)
            why = (
                impossible_date(text)[0]
                if _YYYY_MM_DD.fullmatch(text)
                else "write an existing day as YYYY-MM-DD"
            )
            message = f"{show(error.instance)} is not a real date: {why}"
        else:
            message = f"{show(error.instance)} is not a valid {error.validator_value}"
        return self.problem(self.at(path), "S004", message)

    def on_enum(self, error: Any, path: DocPath) -> list[Problem]:
        allowed = [str(v) for v in error.validator_value]
        value = error.instance
        guess = did_you_mean(str(value), allowed, lower=True) if isinstance(value, str) else ""
        name = self.field_name(path)
        return self.problem(
            self.at(path),
            "S005",
            f"{name} cannot be {show(value)}: use one of {', '.join(allowed)}{guess}",
        )

    def on_const(self, error: Any, path: DocPath) -> list[Problem]:
        name = self.field_name(path)
        return self.problem(
            self.at(path),
            "S005",
            f"{name} cannot be {show(error.instance)}: write {name}: {error.validator_value}",
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
                    f"{self.field_name(path)} lists {show(item)} twice: list it once",
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
                words.append(TYPE_WORDS.get(str(option["type"]), str(option["type"])))
            elif isinstance(option, dict) and "pattern" in option:
                words.append(first_sentence(str(option.get("description", "a value"))))
        if error.validator == "oneOf" and not branches:
            message = f"{self.field_name(path)} fits more than one form: make it fit exactly one"
            return self.problem(self.at(path), "S006", message)
        expected = " or ".join(words) if words else "a different value"
        return self.problem(
            self.at(path),
            "S001",
            f"{self.field_name(path)} must be {expected}, not {describe(instance)}",
        )

    def on_not(self, error: Any, path: DocPath) -> list[Problem]:
        instance = error.instance
        banned = required_names(error.validator_value)
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
