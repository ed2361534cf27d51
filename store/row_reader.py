"""One import row read into a table row: the import kinds, an export's formats, the ledger's rules.

A row is a mapping of column names to text (a CSV line, or a JSON row of the API). The kind's
mapping says which column holds which field; each field is read by the ledger's own rule
(``engine.model.ledger_fields``), after an export's own formats when the row comes from one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table

from engine.model.ledger_fields import (
    IMPORT_ONLY_FIELDS,
    NOT_AN_AMOUNT,
    RECORDS,
    FieldRule,
    Invalid,
    ValueKind,
    check_decimals,
    label,
    read_amount,
    read_date,
    record_check,
    show,
    text_rule,
)
from store.mapping import ColumnMapping, KindMapping, default_mapping
from store.models import (
    cancellations,
    credit_notes,
    customers,
    disputes,
    invoices,
    payments,
    reversals,
    write_offs,
)


class RowError(ValueError):
    """A value that cannot be imported; the message is shown to the person fixing the file."""

    def __init__(self, message: str, *, code: str = "", field: str = "", detail: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.detail = detail

    @classmethod
    def of(cls, field: str, value: object, invalid: Invalid) -> RowError:
        """Return the error of ``field`` holding ``value``, in the words of the rule it breaks."""
        name = label(field)
        return cls(
            invalid.message(f"{name} {show(value)}"),
            code=invalid.code,
            field=field,
            detail=invalid.message(name),
        )


class BadRowError(ValueError):
    """A row with one or more values that cannot be imported."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


# -- reading an export's values ---------------------------------------------------------------
# A CSV export is read with the formats accounting systems write (thousands separators, a
# decimal comma, the mapping's date format, codes in any case, padded cells); what comes out is
# checked by the ledger's own rules (engine.model.ledger_fields), as ledger files and the API are.

_PLAIN = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?")
_PLAIN_COMMA = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:[. ]\d{3})+)(?:,\d+)?")


def _export_amount(text: str, *, decimal_comma: bool) -> Decimal | Invalid:
    """Return an export's amount text as an exact amount, or the rule it breaks."""
    if (_PLAIN_COMMA if decimal_comma else _PLAIN).fullmatch(text) is None:
        if decimal_comma:
            return Invalid("L006", "is not a plain decimal amount (write it like 1.234,56)")
        return NOT_AN_AMOUNT
    if decimal_comma:
        text = text.replace(".", "").replace(" ", "").replace(",", ".")
    elif "," in text:
        text = text.replace(",", "")
    return read_amount(Decimal(text))


def parse_amount(text: str, currency: str, *, decimal_comma: bool = False) -> Decimal:
    """Return ``text`` as an exact amount in ``currency``; raise ``RowError`` in finance words.

    Accepts plain decimals with optional thousands separators (``1,234.56``; with
    ``decimal_comma``, ``1.234,56``). Refuses exponents (``1e3``), words (``NaN``) and more
    decimals than the currency has (``12.345`` in GBP).
    """
    amount = _export_amount(text, decimal_comma=decimal_comma)
    if isinstance(amount, Invalid):
        raise RowError.of("amount", text, amount)
    invalid = check_decimals(amount, currency)
    if invalid is not None:
        raise RowError.of("amount", amount, invalid)
    return amount


class _Dates:
    """Parse dates in one format, each distinct text once (exports repeat dates a lot)."""

    def __init__(self, date_format: str | None) -> None:
        self.format = date_format
        self.cache: dict[str, date] = {}

    def __call__(self, text: str, *, field: str) -> date:
        parsed = self.cache.get(text)
        if parsed is not None:
            return parsed
        if self.format is None:
            read = read_date(text)
        else:
            try:
                read = read_date(datetime.strptime(text, self.format).date())  # noqa: DTZ007
            except ValueError:
                read = Invalid("L005", f"is not a date in the format {self.format}")
        if isinstance(read, Invalid):
            raise RowError.of(field, text, read)
        self.cache[text] = read
        return read


# -- the kinds ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """One import kind: the ledger records it fills, its file columns, and its table."""

    name: str
    noun: str
    section: str  # of the ledger (engine.model.ledger_fields.RECORDS)
    table: Table
    fields: tuple[str, ...]
    # Per table column, in the order rows are built: the field it holds (None: filled later).
    columns: tuple[tuple[str, str | None], ...]

    @property
    def rules(self) -> dict[str, FieldRule]:
        """Return the rule of each field (the ledger's, and the import's own ``number``)."""
        rules = {**RECORDS[self.section], **IMPORT_ONLY_FIELDS}
        return {name: rules[name] for name in self.fields}

    @property
    def required(self) -> tuple[str, ...]:
        """Return the fields every row must have."""
        return tuple(name for name, rule in self.rules.items() if rule.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        """Return the table columns, in the order rows are built."""
        return tuple(column for column, _ in self.columns)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "customers",
            "customer",
            "customers",
            customers,
            ("id", "name", "country", "segment", "email", "language"),
            (
                ("id", "id"), ("name", "name"), ("country", "country"), ("segment", "segment"),
                ("email", "email"), ("language", "language"),
            ),
        ),
        Kind(
            "invoices",
            "invoice",
            "invoices",
            invoices,
            ("id", "customer", "number", "issued", "due", "terms", "amount", "currency", "tax"),
            (
                ("id", "id"), ("customer_id", "customer"), ("number", "number"),
                ("issued", "issued"), ("due", "due"), ("terms", "terms"), ("amount", "amount"),
                ("currency", "currency"), ("tax", "tax"),
            ),
        ),
        Kind(
            "payments",
            "payment",
            "payments",
            payments,
            ("id", "customer", "date", "amount", "currency", "invoice"),
            (
                ("id", "id"), ("customer_id", "customer"), ("date", "date"), ("amount", "amount"),
                ("currency", "currency"), ("invoice_id", "invoice"),
            ),
        ),
        Kind(
            "credit-notes",
            "credit note",
            "credit_notes",
            credit_notes,
            ("id", "customer", "date", "amount", "currency", "invoice"),
            (
                ("id", "id"), ("customer_id", "customer"), ("date", "date"), ("amount", "amount"),
                ("currency", "currency"), ("invoice_id", "invoice"),
            ),
        ),
        Kind(
            "disputes",
            "dispute",
            "disputes",
            disputes,
            ("id", "invoice", "opened", "resolved", "reason"),
            (
                ("id", "id"), ("customer_id", None), ("invoice_id", "invoice"),
                ("opened", "opened"), ("resolved", "resolved"), ("reason", "reason"),
            ),
        ),
        Kind(
            "write-offs",
            "write-off",
            "write_offs",
            write_offs,
            ("id", "customer", "invoice", "date", "amount", "currency", "reason", "by",
             "approved_by"),
            (
                ("id", "id"), ("customer_id", "customer"), ("invoice_id", "invoice"),
                ("date", "date"), ("amount", "amount"), ("currency", "currency"),
                ("reason", "reason"), ("written_off_by", "by"), ("approved_by", "approved_by"),
            ),
        ),
        Kind(
            "reversals",
            "reversal",
            "reversals",
            reversals,
            ("id", "customer", "kind", "date", "amount", "currency", "payment", "credit_note",
             "reason"),
            (
                ("id", "id"), ("customer_id", "customer"), ("kind", "kind"), ("date", "date"),
                ("amount", "amount"), ("currency", "currency"), ("payment_id", "payment"),
                ("credit_note_id", "credit_note"), ("reason", "reason"),
            ),
        ),
        Kind(
            "cancellations",
            "cancellation",
            "cancellations",
            cancellations,
            ("id", "customer", "invoice", "date", "reason", "cancelled_by"),
            (
                ("id", "id"), ("customer_id", "customer"), ("invoice_id", "invoice"),
                ("date", "date"), ("reason", "reason"), ("cancelled_by", "cancelled_by"),
            ),
        ),
    )
}  # fmt: skip

# Text columns that hold "" rather than NULL when the row leaves them empty.
_EMPTY_TEXT = frozenset({"name", "email", "reason"})
_ANY_CASE = frozenset({ValueKind.COUNTRY, ValueKind.CURRENCY})
_CODES = frozenset({ValueKind.COUNTRY, ValueKind.CURRENCY, ValueKind.LANGUAGE, ValueKind.STEP})


class RowParser:
    """Turn one source row into the table row of its kind, or raise ``BadRowError``.

    ``export`` reads a CSV export's formats (see above); without it every value must already be
    in the ledger's form, as the API's JSON rows must.
    """

    def __init__(
        self,
        kind: Kind,
        mapping: KindMapping,
        file_mapping: ColumnMapping | None,
        *,
        export: bool,
    ):
        self.kind = kind
        self.required = frozenset(kind.required)
        self.export = export
        # Fields read straight from a column are looked up inline (most of them, and the
        # import's hottest loop); constants, templates and value maps go through a function.
        self.when = dict(mapping.when)
        self.dates = _Dates(file_mapping.date_format if file_mapping else None)
        self.decimal_comma = bool(file_mapping and file_mapping.decimal_comma)
        rules = kind.rules
        self.check_record = record_check(kind.section)
        self.plain = tuple(
            (name, source.plain_column, self._reader(name, rules[name]))
            for name, source in mapping.fields.items()
            if source.plain_column is not None
        )
        self.computed = tuple(
            (name, source.extractor(), self._reader(name, rules[name]))
            for name, source in mapping.fields.items()
            if source.plain_column is None
        )
        # Each table column's field ("": filled in later) and what it holds when the row leaves
        # the field empty.
        self.out = tuple(
            (field or "", "" if field in _EMPTY_TEXT else None) for _, field in kind.columns
        )

    def wanted(self, row: Mapping[str, str]) -> bool:
        """Return whether the mapping's ``when`` keeps this row."""
        return all((row.get(col) or "").strip() in allowed for col, allowed in self.when.items())

    def _reader(self, field: str, rule: FieldRule) -> Callable[[str], object]:
        """Return the function that reads ``field``'s text by its rule or raises ``RowError``."""
        kind = rule.kind
        if kind is ValueKind.DATE:
            dates = self.dates
            seen = dates.cache

            def day(text: str) -> object:
                return seen.get(text) or dates(text, field=field)

            return day
        if kind in (ValueKind.AMOUNT, ValueKind.CHARGE):
            decimal_comma = self.decimal_comma

            def amount(text: str) -> object:
                read = (
                    _export_amount(text, decimal_comma=decimal_comma)
                    if self.export
                    else read_amount(text)
                )
                if isinstance(read, Invalid):
                    raise RowError.of(field, text, read)
                return read

            return amount
        if kind in _CODES or (kind is ValueKind.ID and field != "id"):
            # Few distinct codes (and customers) fill a file: each is checked once.
            known: dict[str, str | Invalid] = {}
            upper = self.export and kind in _ANY_CASE
            check = text_rule(kind, rule.max_length)

            def code(text: str) -> object:
                found = known.get(text)
                if found is None:
                    value = text.upper() if upper else text
                    found = known[text] = check(value) or value
                if isinstance(found, Invalid):
                    raise RowError.of(field, text, found)
                return found

            return code
        check_text_or_id = text_rule(kind, rule.max_length)

        def text_or_id(text: str) -> object:
            invalid = check_text_or_id(text)
            if invalid is not None:
                raise RowError.of(field, text, invalid)
            return text

        return text_or_id

    def parse(self, row: Mapping[str, str]) -> tuple[Any, ...]:
        """Return the table row for ``row`` (columns in ``Kind.columns`` order)."""
        get = row.get
        export = self.export
        read: dict[str, object] = {}
        errors: list[RowError] = []
        for name, column, reader in self.plain:
            text = get(column)
            # An export's padded cells are trimmed, as a spreadsheet would show them.
            if text and (not export or (text := text.strip())):
                try:
                    read[name] = reader(text)
                except RowError as error:
                    errors.append(error)
        for name, extract, reader in self.computed:
            text = extract(row)
            if text:
                try:
                    read[name] = reader(text)
                except RowError as error:
                    errors.append(error)
        if errors or not self.required <= read.keys():
            given = read.keys() | {error.field for error in errors}
            missing = [label(n) for n in self.kind.required if n not in given]
            if missing:
                errors.insert(0, RowError(f"{' and '.join(missing)} missing", code="L003"))
            raise BadRowError(errors)
        found = self.check_record(read)
        if found:
            raise BadRowError([RowError.of(n, read[n], invalid) for n, invalid in found])
        return tuple([read.get(field, empty) for field, empty in self.out])


def kind_mapping(spec: Kind, mapping: ColumnMapping | None) -> KindMapping:
    """Return how ``mapping`` fills ``spec`` (default: the documented columns); raise
    ``ValueError`` saying why a mapping does not fit.
    """
    if mapping is None:
        return default_mapping(spec.fields)
    found = mapping.kinds.get(spec.name)
    if found is None:
        raise ValueError(
            f"mapping {mapping.name!r} has no columns for {spec.name}"
            f" (it maps: {', '.join(mapping.kinds)})"
        )
    unknown = sorted(set(found.fields) - set(spec.fields))
    if unknown:
        raise ValueError(
            f"mapping {mapping.name!r} maps {', '.join(unknown)}, which {spec.name} do not have"
            f" (fields: {', '.join(spec.fields)})"
        )
    absent = [name for name in spec.required if name not in found.fields]
    if absent:
        raise ValueError(
            f"mapping {mapping.name!r} does not say where {spec.name} get {', '.join(absent)} from"
        )
    return found
