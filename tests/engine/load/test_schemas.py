"""The quick schema verdict (jsonschema-rs) never lets through what jsonschema refuses.

``engine.load.schemas.passes`` answers "does this document pass?" with compiled Rust so that a
repository of a thousand customer files validates quickly; the problems are always jsonschema's.
These tests hold the two together on every policy file of the repository and of the docs, on
variants of them made to break a value, and on the values where the two engines read text or
numbers differently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from engine.load.schema_check import plain_values
from engine.load.schemas import compiled_schema, known_kind, passes
from engine.load.yaml_reader import load_yaml_text

ROOT = Path(__file__).resolve().parents[3]
_BLOCK = re.compile(r"```yaml[^\n]*\n(.*?)```", re.DOTALL)


def _documents() -> Iterator[tuple[str, str, object]]:
    """Yield (where, kind, plain values) of every policy document in the repository and docs."""
    texts: list[tuple[str, str]] = []
    for path in sorted(ROOT.glob("**/*.yaml")):
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        texts.append((str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "docs").glob("**/*.md")):
        text = path.read_text(encoding="utf-8")
        for n, block in enumerate(_BLOCK.findall(text)):
            texts.append((f"{path.relative_to(ROOT)}#{n}", block))
    for where, text in texts:
        doc, _ = load_yaml_text(text, where)
        if doc is None or not isinstance(doc.data, dict):
            continue
        kind = doc.data.get("kind")
        if known_kind(kind):
            assert isinstance(kind, str)
            yield where, kind, plain_values(doc.data)


DOCUMENTS = list(_documents())


def _full(kind: str, instance: object) -> bool:
    """Return jsonschema's verdict: whether ``instance`` has no schema error."""
    return not any(compiled_schema(kind).validator.iter_errors(instance))


def _variants(value: object) -> Iterator[object]:
    """Yield copies of ``value`` with one leaf changed in a way that may break its schema."""
    if isinstance(value, dict):
        for key, item in value.items():
            for changed in _variants(item):
                yield {**value, key: changed}
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for changed in _variants(item):
                yield [*value[:index], changed, *value[index + 1 :]]
    elif isinstance(value, str):
        yield value + "\n"
        yield value + "\x1c"
        yield "\x1c" + value
        yield value + " "
        yield ""
        yield value[:-1]
        yield value.upper()
    elif isinstance(value, bool):
        yield not value
    elif isinstance(value, int):
        yield -value
        yield 2**60
        yield Decimal(value) + Decimal("0.5")


def test_the_repository_and_docs_hold_documents_of_every_kind() -> None:
    kinds = {kind for _, kind, _ in DOCUMENTS}
    assert {"Policy", "Terms", "Ladder", "Fees", "Template", "Customer", "PolicyTest"} <= kinds


@pytest.mark.parametrize(("where", "kind", "instance"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_quick_and_full_verdicts_agree_on_every_document(
    where: str, kind: str, instance: object
) -> None:
    """A document that passes quickly passes jsonschema; a valid file takes the quick way."""
    full = _full(kind, instance)
    assert passes(kind, instance) == full, where


@pytest.mark.parametrize(("where", "kind", "instance"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_no_broken_variant_passes_quickly(where: str, kind: str, instance: object) -> None:
    """Whatever one value is changed to, the quick verdict never passes what jsonschema fails."""
    for variant in _variants(instance):
        if passes(kind, variant):
            assert _full(kind, variant), (where, variant)


CUSTOMER = {"apiVersion": "dunning/v1", "kind": "Customer", "id": "A-1", "name": "A Ltd"}
TERMS = {"apiVersion": "dunning/v1", "kind": "Terms", "terms": {"net30": {"days": 30}}}


@pytest.mark.parametrize(
    ("kind", "instance"),
    [
        ("Customer", {**CUSTOMER, "contacts": [{"name": "AP", "email": "a\x1cb@c.example"}]}),
        ("Customer", {**CUSTOMER, "country": "GB\n"}),
        ("Customer", {**CUSTOMER, "pause": {"until": "2027-02-30", "reason": "Administration"}}),
        ("Terms", {**TERMS, "terms": {"net30": {"days": Decimal("30.0")}}}),
        ("Terms", {**TERMS, "terms": {"net30": {"days": 2**60}}}),
    ],
    ids=["control-character", "final-line-break", "impossible-date", "decimal", "huge-number"],
)
def test_values_the_engines_read_differently_go_to_jsonschema(kind: str, instance: object) -> None:
    """Text with control characters or a final line break on a field with a pattern, decimals
    and numbers beyond 53 bits are never passed quickly; an impossible quoted date fails both."""
    assert not passes(kind, instance)
