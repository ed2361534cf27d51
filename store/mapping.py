"""Column mappings: how an accounting system's CSV export maps onto the ledger's import fields.

A mapping is a small YAML file (docs/imports.md). For each import kind it names, per ledger
field, the source column (``amount: InvoiceAmount``), a constant (``currency: {value: USD}``), a
template over the row (``id: {template: "PAY-{invoiceNumber}"}``), and optionally a value map
(``{column: Status, values: {Paid: done}}``) and ``make_id`` (an id made from a name, for exports
that have none: ``{column: ContactName, make_id: true}``). ``when`` keeps only the rows whose
columns hold one of the listed values (``when: {Disputed: ["Yes"]}``). ``date_format``
(``"%m/%d/%Y"``) and ``decimal_comma`` apply to the whole file. Mappings for common exports ship
in ``store/mappings``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

SHIPPED = Path(__file__).parent / "mappings"

Extract = Callable[[Mapping[str, str]], str | None]


class MappingError(ValueError):
    """A column mapping that cannot be used, with the reason in words."""


@dataclass(frozen=True, slots=True)
class FieldSource:
    """Where one ledger field comes from: a column, a constant or a template, then a value map."""

    column: str | None = None
    value: str | None = None
    template: str | None = None
    values: Mapping[str, str] = field(default_factory=dict)
    make_id: bool = False

    def columns(self) -> tuple[str, ...]:
        """Return the source columns this field reads."""
        if self.column is not None:
            return (self.column,)
        if self.template is not None:
            return tuple(name for _, name, _, _ in Formatter().parse(self.template) if name)
        return ()

    @property
    def plain_column(self) -> str | None:
        """Return the column whose text is this field as it stands (no value map, no id made)."""
        return None if self.values or self.make_id else self.column

    def extractor(self) -> Extract:
        """Return a function that gives this field's text from a source row (None when blank)."""
        values = dict(self.values)
        if self.value is not None:
            constant = self.value

            def extract(row: Mapping[str, str]) -> str | None:
                return constant

        elif self.template is not None:
            template = self.template

            def extract(row: Mapping[str, str]) -> str | None:
                return template.format_map(row).strip() or None

        else:
            column = self.column or ""

            def extract(row: Mapping[str, str]) -> str | None:
                text = row.get(column)
                if text is None:
                    return None
                return text.strip() or None

        if values:
            unmapped = extract

            def extract(row: Mapping[str, str]) -> str | None:
                text = unmapped(row)
                return values.get(text, text) if text is not None else None

        if not self.make_id:
            return extract
        named = extract

        def made(row: Mapping[str, str]) -> str | None:
            text = named(row)
            return id_from_name(text) if text is not None else None

        return made


_NOT_IN_ID = re.compile(r"[^A-Za-z0-9._-]+")


def id_from_name(name: str) -> str:
    """Return an id made from ``name``: accents dropped, every run of other characters than
    letters, digits, '.', '_' and '-' made one '-', at most 64 characters
    (``Müller & Söhne GmbH`` gives ``Muller-Sohne-GmbH``).

    A name with nothing to keep (only non-Latin letters, say) comes back as it is, so that the
    id rule refuses it in its own words rather than the row being taken as having no id.
    """
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    made = _NOT_IN_ID.sub("-", plain).strip("-._")[:64].rstrip("-._")
    return made or name


@dataclass(frozen=True, slots=True)
class KindMapping:
    """The mapping of one import kind: field sources and the row filter."""

    fields: Mapping[str, FieldSource]
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """A whole mapping file: per-kind field sources and the file's date and number formats."""

    name: str
    kinds: Mapping[str, KindMapping]
    date_format: str | None = None
    decimal_comma: bool = False
    description: str = ""


def default_mapping(fields: tuple[str, ...]) -> KindMapping:
    """Return the identity mapping: each ledger field read from the column of the same name."""
    return KindMapping({name: FieldSource(column=name) for name in fields})


def load_mapping(name_or_path: str) -> ColumnMapping:
    """Return the mapping in the file ``name_or_path``, or the shipped mapping of that name."""
    path = Path(name_or_path)
    if not path.exists():
        shipped = SHIPPED / f"{name_or_path}.yaml"
        if not shipped.exists():
            available = ", ".join(shipped_mappings()) or "none"
            raise MappingError(
                f"no mapping file {name_or_path!r} and no shipped mapping of that name"
                f" (shipped: {available})"
            )
        path = shipped
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MappingError(f"{path}: not valid YAML: {error}") from error
    return parse_mapping(document, path.stem, str(path))


def shipped_mappings() -> list[str]:
    """Return the names of the mappings shipped with the store."""
    return sorted(p.stem for p in SHIPPED.glob("*.yaml"))


def parse_mapping(document: Any, name: str, where: str = "mapping") -> ColumnMapping:
    """Return the mapping described by a parsed YAML ``document``; raise ``MappingError``."""
    if not isinstance(document, dict) or document.get("kind") != "ImportMapping":
        raise MappingError(f"{where}: expected a document with 'kind: ImportMapping'")
    kinds = document.get("kinds")
    if not isinstance(kinds, dict) or not kinds:
        raise MappingError(f"{where}: 'kinds' must map import kinds to their columns")
    date_format = document.get("date_format")
    if date_format is not None and not isinstance(date_format, str):
        raise MappingError(f"{where}: 'date_format' must be a string such as \"%d/%m/%Y\"")
    decimal_comma = document.get("decimal_comma", False)
    if not isinstance(decimal_comma, bool):
        raise MappingError(f"{where}: 'decimal_comma' must be true or false")
    parsed: dict[str, KindMapping] = {}
    for kind, spec in kinds.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("columns"), dict):
            raise MappingError(f"{where}: kinds.{kind} needs 'columns'")
        fields = {
            str(target): _field_source(source, f"{where}: kinds.{kind}.columns.{target}")
            for target, source in spec["columns"].items()
        }
        when_spec = spec.get("when", {})
        if not isinstance(when_spec, dict):
            raise MappingError(f"{where}: kinds.{kind}.when must map columns to allowed values")
        when = {
            str(column): tuple(
                str(v) for v in (allowed if isinstance(allowed, list) else [allowed])
            )
            for column, allowed in when_spec.items()
        }
        parsed[str(kind)] = KindMapping(fields, when)
    return ColumnMapping(
        name=name,
        kinds=parsed,
        date_format=date_format,
        decimal_comma=decimal_comma,
        description=str(document.get("description", "")),
    )


def _field_source(source: Any, where: str) -> FieldSource:
    if isinstance(source, str):
        return FieldSource(column=source)
    if not isinstance(source, dict):
        raise MappingError(f"{where}: give a column name or {{column|value|template: ...}}")
    given = [key for key in ("column", "value", "template") if key in source]
    if len(given) != 1:
        raise MappingError(f"{where}: give exactly one of 'column', 'value' or 'template'")
    values = source.get("values", {})
    if not isinstance(values, dict):
        raise MappingError(f"{where}: 'values' must map source values to ledger values")
    make_id = source.get("make_id", False)
    if not isinstance(make_id, bool):
        raise MappingError(f"{where}: 'make_id' must be true or false")
    return FieldSource(
        column=_text(source.get("column")),
        value=_text(source.get("value")),
        template=_text(source.get("template")),
        values={str(k): str(v) for k, v in values.items()},
        make_id=make_id,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
