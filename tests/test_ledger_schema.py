"""The ledger schemas say what the ledger's rules say (``engine.model.ledger_fields``).

Ledger files (``schemas/ledger.schema.json``) and policy tests' ledgers
(``schemas/policy-test.schema.json``) are checked in editors and by ``dunning validate`` against
their schema, and by the ledger reader, CSV imports and the API against the rules. The two must
not drift apart: every section has the rules' fields, required ones required, and every value the
rule's pattern, length, choices and format.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.model.ledger_fields import (
    INSTALMENT,
    LIST_ITEM,
    RECORDS,
    FieldRule,
    Invalid,
    ValueKind,
    check_text,
    read_amount,
    read_date,
    value_schema,
)

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ("type", "pattern", "maxLength", "enum", "format")


def _load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((ROOT / "schemas" / name).read_text(encoding="utf-8"))
    return schema


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref is None:
        return node
    found: dict[str, Any] = schema["definitions"][ref.removeprefix("#/definitions/")]
    return _resolve(schema, found)


def _sections(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the schema and its ledger's sections (section -> the schema of one record)."""
    schema = _load(name)
    ledger = schema if name == "ledger.schema.json" else schema["definitions"]["testLedger"]
    sections = {
        key: _resolve(schema, prop["items"])
        for key, prop in ledger["properties"].items()
        if key not in ("apiVersion", "kind")
    }
    return schema, sections


def _assert_fields(
    schema: dict[str, Any], record: dict[str, Any], rules: dict[str, FieldRule], where: str
) -> None:
    assert set(record["properties"]) == set(rules), where
    assert set(record.get("required", ())) == {n for n, r in rules.items() if r.required}, where
    for field, rule in rules.items():
        node = _resolve(schema, record["properties"][field])
        place = f"{where}.{field}"
        value_rule = rule
        if rule.kind is ValueKind.IDS:
            assert node["type"] == "array", place
            node, value_rule = _resolve(schema, node["items"]), LIST_ITEM
        elif rule.kind is ValueKind.INSTALMENTS:
            assert node["type"] == "array", place
            _assert_fields(schema, _resolve(schema, node["items"]), INSTALMENT, place)
            continue
        expected = value_schema(value_rule)
        assert {k: node.get(k) for k in CONSTRAINTS} == {
            k: expected.get(k) for k in CONSTRAINTS
        }, place


@pytest.mark.parametrize("name", ["ledger.schema.json", "policy-test.schema.json"])
def test_the_schema_has_the_rules_fields_and_values(name: str) -> None:
    schema, sections = _sections(name)
    assert set(sections) == set(RECORDS)
    for section, rules in RECORDS.items():
        _assert_fields(schema, sections[section], rules, f"{name}:{section}")


@pytest.mark.parametrize(
    ("kind", "good", "bad"),
    [
        (ValueKind.ID, ["A", "acme.co.uk", "A" * 64], ["../x", "A B", "-A", "A" * 65, ""]),
        (ValueKind.LANGUAGE, ["en", "de"], ["en-GB", "EN", "eng"]),
        (ValueKind.COUNTRY, ["GB"], ["gb", "GBR"]),
        (ValueKind.DATE, ["2026-11-23"], ["20261123", "2026-W48-1", "23/11/2026"]),
        (ValueKind.AMOUNT, ["1", "-5.00", "1.2345", "9" * 12], ["1e3", "1,000", "9" * 13]),
    ],
    ids=["id", "language", "country", "date", "amount"],
)
def test_a_schema_pattern_and_its_rule_agree_on_examples(
    kind: ValueKind, good: list[str], bad: list[str]
) -> None:
    """The pattern an editor checks accepts what the rule accepts (JSON Schema patterns are
    ECMA-262; these are plain enough to mean the same in Python)."""
    pattern = re.compile(str(value_schema(FieldRule(kind))["pattern"]))

    def rule_accepts(text: str) -> bool:
        if kind is ValueKind.DATE:
            return not isinstance(read_date(text), Invalid)
        if kind is ValueKind.AMOUNT:
            return not isinstance(read_amount(text), Invalid)
        return check_text(kind, text) is None

    assert [(t, bool(pattern.search(t)), rule_accepts(t)) for t in good] == [
        (t, True, True) for t in good
    ]
    assert [(t, bool(pattern.search(t)), rule_accepts(t)) for t in bad] == [
        (t, False, False) for t in bad
    ]
