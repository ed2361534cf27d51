"""Atomic imports of customers, invoices, payments, credit notes and disputes from CSV rows.

An import reads every row first and checks it: values (dates, exact amounts in the currency's
minor units, ISO codes), references (the customer or invoice exists, a payment is in the
invoice's currency) and repeats inside the file. Any problem and nothing is written: every bad
row comes back as ``FILE:LINE: reason``. Only a clean file is written, in one transaction, as an
upsert by the accounting system's id: new rows inserted, changed rows updated, identical rows left
alone, so importing the same file twice changes nothing the second time.

``import_rows`` is the entry point for any source of rows (the API hands over parsed JSON);
``import_csv`` reads a file. Neither commits a caller's transaction: given a connection already in
a transaction, the import runs in a SAVEPOINT and the caller decides.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, Table, bindparam, select

from engine.model.ledger_fields import (
    IMPORT_ONLY_FIELDS,
    NOT_AN_AMOUNT,
    RECORDS,
    FieldRule,
    Invalid,
    ValueKind,
    check_decimals,
    check_record,
    label,
    read_amount,
    read_date,
    show,
    text_rule,
)
from store.collector import collector_paused
from store.columns import Money, money_to_units
from store.connection import begin_write
from store.mapping import ColumnMapping, KindMapping, default_mapping
from store.models import credit_notes, customers, disputes, imports, invoices, payments

# Rows per INSERT/UPDATE batch and ids per lookup: large batches amortise the round trip,
# and stay far below SQLite's 32,766 bound parameters.
BATCH = 5000
# Files with more data rows than this get a progress bar in the CLI.
PROGRESS_THRESHOLD = 5000

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A bad row: where it is and what is wrong with it, in words.

    ``code`` is the ledger error code (docs/errors.md) and ``field`` the ledger field at fault,
    when there is one. ``detail`` says the same as ``message`` without the row's value, for
    answers to other programs; empty when ``message`` holds no value of its own field.
    """

    source: str
    line: int
    message: str
    code: str = ""
    field: str = ""
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did (or, with problems, why it did nothing)."""

    kind: str
    source: str
    rows: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows left out by the mapping's ``when``
    problems: tuple[ImportProblem, ...] = ()

    @property
    def ok(self) -> bool:
        """Return whether the import was clean (and so was written)."""
        return not self.problems

    def summary(self) -> str:
        """Return one line saying what changed, e.g. ``invoices: 120 new, 3 updated, 0 same``."""
        if self.problems:
            return (
                f"{self.source}: nothing imported: {len(self.problems)} bad"
                f" row{'s' if len(self.problems) != 1 else ''}"
            )
        text = (
            f"{self.kind} from {self.source}: {self.inserted} new, {self.updated} updated,"
            f" {self.unchanged} unchanged"
        )
        if self.skipped:
            text += f", {self.skipped} skipped by the mapping"
        return text


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
            ("id", "customer", "number", "issued", "due", "terms", "amount", "currency"),
            (
                ("id", "id"), ("customer_id", "customer"), ("number", "number"),
                ("issued", "issued"), ("due", "due"), ("terms", "terms"), ("amount", "amount"),
                ("currency", "currency"),
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
    )
}  # fmt: skip

# Text columns that hold "" rather than NULL when the row leaves them empty.
_EMPTY_TEXT = frozenset({"name", "email", "reason"})
_ANY_CASE = frozenset({ValueKind.COUNTRY, ValueKind.CURRENCY})
_CODES = frozenset({ValueKind.COUNTRY, ValueKind.CURRENCY, ValueKind.LANGUAGE, ValueKind.STEP})


class _RowParser:
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
            return lambda text: dates(text, field=field)
        if kind is ValueKind.AMOUNT:
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
        if kind in _CODES:
            # Few distinct codes fill a file: each is checked once.
            known: dict[str, str | Invalid] = {}
            upper = self.export and kind in _ANY_CASE
            check = text_rule(kind)

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
        found = check_record(self.kind.section, read)
        if found:
            raise BadRowError([RowError.of(n, read[n], invalid) for n, invalid in found])
        return tuple([read.get(field, empty) for field, empty in self.out])


# -- the import -----------------------------------------------------------------------------


def import_rows(
    conn: Connection,
    kind: str,
    rows: Iterable[Mapping[str, str]],
    source_name: str,
    *,
    mapping: ColumnMapping | None = None,
    first_line: int = 2,
    lines: Iterable[int] | None = None,
    digest: str | None = None,
    progress: Progress | None = None,
    export: bool = False,
) -> ImportResult:
    """Return what importing ``rows`` of ``kind`` did; with any bad row, nothing is written.

    ``rows`` are source rows (column name to text). Row *n* (from 0) is reported as line
    ``first_line + n`` of ``source_name`` unless ``lines`` gives each row's line. ``mapping``
    maps the source columns (default: the documented column names). ``digest`` identifies the
    source in the ``imports`` table (default: a digest of the rows). ``progress`` is called with
    the number of rows handled since the last call, while reading and while writing. Values
    must be in the ledger's form (as in a ledger file), unless ``export`` says the rows come
    from an accounting system's export (as ``import_csv``'s do: see "reading an export"); rows
    read through a ``mapping`` always do.
    """
    numbered: Iterable[tuple[int, Mapping[str, str]]] = (
        zip(lines, rows, strict=False) if lines is not None else enumerate(rows, first_line)
    )
    return _import(
        conn,
        kind,
        numbered,
        source_name,
        mapping,
        digest=digest,
        progress=progress,
        export=export or mapping is not None,
    )


def _import(
    conn: Connection,
    kind: str,
    numbered: Iterable[tuple[int, Mapping[str, str]]],
    source_name: str,
    mapping: ColumnMapping | None,
    *,
    digest: str | None,
    progress: Progress | None,
    export: bool,
) -> ImportResult:
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}")
    parser = _RowParser(spec, _kind_mapping(spec, mapping), mapping, export=export)
    own_digest = hashlib.sha256() if digest is None else None
    # A million parsed rows are a million tuples that can never form a cycle, yet the cyclic
    # collector would walk them again and again as they pile up: pause it for the import.
    with collector_paused():
        return _checked_and_written(
            conn,
            spec,
            parser,
            numbered,
            source_name,
            own_digest=own_digest,
            digest=digest,
            progress=progress,
        )


def _checked_and_written(
    conn: Connection,
    spec: Kind,
    parser: _RowParser,
    numbered: Iterable[tuple[int, Mapping[str, str]]],
    source_name: str,
    *,
    own_digest: Any,
    digest: str | None,
    progress: Progress | None,
) -> ImportResult:
    kind = spec.name

    # Reading and checking the values needs no database: done before the transaction, so a big
    # file does not hold SQLite's write lock (and keep staff from recording outcomes) for long.
    parsed, problems, counted, skipped = _parse_all(
        parser, numbered, source_name, own_digest, progress
    )
    tx = conn.begin_nested() if conn.in_transaction() else begin_write(conn)
    with tx:
        # Every bad row, whatever is wrong with it: values first, then what the good rows refer to.
        existing = _fetch(conn, spec.table, spec.column_names, parsed)
        problems = sorted(
            [*problems, *_check_references(conn, spec, parsed, existing, source_name)],
            key=lambda p: p.line,
        )
        if problems:
            tx.rollback()
            return ImportResult(
                kind, source_name, counted, skipped=skipped, problems=tuple(problems)
            )
        inserted, updated, unchanged = _upsert(conn, spec, parsed, existing, progress)
        if inserted or updated:
            conn.execute(
                imports.insert().values(
                    digest=digest or (own_digest.hexdigest() if own_digest else ""),
                    kind=kind,
                    source=source_name[:500],
                    rows=counted,
                    inserted=inserted,
                    updated=updated,
                    unchanged=unchanged,
                    imported_at=datetime.now(UTC),
                )
            )
    return ImportResult(kind, source_name, counted, inserted, updated, unchanged, skipped)


def import_csv(
    conn: Connection,
    kind: str,
    path: Path,
    *,
    mapping: ColumnMapping | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Return what importing the CSV file ``path`` of ``kind`` did (see ``import_rows``).

    The file is UTF-8 (a byte-order mark from Excel is fine) with a header row. A column the
    import needs and the header lacks is reported once, on line 1.
    """
    source = str(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return ImportResult(
                kind,
                source,
                0,
                problems=(ImportProblem(source, 1, "the file is empty: expected a header row"),),
            )
        header = [name.strip() for name in header]
        missing = _missing_columns(kind, header, mapping)
        if missing:
            return ImportResult(kind, source, 0, problems=(ImportProblem(source, 1, missing),))

        def numbered() -> Iterator[tuple[int, dict[str, str]]]:
            # A row's line is where it starts: a quoted field may span several lines.
            previous = reader.line_num
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if record:  # a blank line imports nothing
                    yield start, dict(zip(header, record, strict=False))

        return _import(
            conn, kind, numbered(), source, mapping, digest=digest, progress=progress, export=True
        )


def count_data_lines(path: Path) -> int:
    """Return the number of lines after the header of ``path`` (for sizing a progress bar)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def _missing_columns(kind: str, header: Sequence[str], mapping: ColumnMapping | None) -> str:
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}")
    kind_mapping = _kind_mapping(spec, mapping)
    present = set(header)
    needed: list[str] = []
    for name, source in kind_mapping.fields.items():
        if mapping is None and name not in spec.required and name not in present:
            continue  # optional default columns may be left out of the file
        needed += [c for c in source.columns() if c not in present and c not in needed]
    needed += [c for c in kind_mapping.when if c not in present and c not in needed]
    if not needed:
        return ""
    names = ", ".join(repr(c) for c in needed)
    return f"the header has no column {names} (it has: {', '.join(header)})"


def _kind_mapping(spec: Kind, mapping: ColumnMapping | None) -> KindMapping:
    if mapping is None:
        return default_mapping(spec.fields)
    kind_mapping = mapping.kinds.get(spec.name)
    if kind_mapping is None:
        raise ValueError(
            f"mapping {mapping.name!r} has no columns for {spec.name}"
            f" (it maps: {', '.join(mapping.kinds)})"
        )
    unknown = sorted(set(kind_mapping.fields) - set(spec.fields))
    if unknown:
        raise ValueError(
            f"mapping {mapping.name!r} maps {', '.join(unknown)}, which {spec.name} do not have"
            f" (fields: {', '.join(spec.fields)})"
        )
    absent = [name for name in spec.required if name not in kind_mapping.fields]
    if absent:
        raise ValueError(
            f"mapping {mapping.name!r} does not say where {spec.name} get {', '.join(absent)} from"
        )
    return kind_mapping


def _parse_all(
    parser: _RowParser,
    numbered: Iterable[tuple[int, Mapping[str, str]]],
    source: str,
    digest: Any,
    progress: Progress | None,
) -> tuple[dict[str, tuple[int, tuple[Any, ...]]], list[ImportProblem], int, int]:
    """Return rows by id (with their line), problems, rows read and rows skipped."""
    parsed: dict[str, tuple[int, tuple[Any, ...]]] = {}
    problems: list[ImportProblem] = []
    noun = parser.kind.noun
    counted = skipped = pending = 0
    for line, row in numbered:
        counted += 1
        pending += 1
        if pending == 1000 and progress is not None:
            progress(pending)
            pending = 0
        if digest is not None:
            digest.update(repr(sorted(row.items())).encode())
        if parser.when and not parser.wanted(row):
            skipped += 1
            continue
        try:
            values = parser.parse(row)
        except BadRowError as bad:
            problems += [
                ImportProblem(source, line, str(e), e.code, e.field, e.detail) for e in bad.errors
            ]
            continue
        key = values[0]
        seen = parsed.get(key)
        if seen is None:
            parsed[key] = (line, values)
        elif seen[1] != values:
            problems.append(
                ImportProblem(
                    source,
                    line,
                    f"{noun} {key} appears again with different values (first on line {seen[0]})",
                    "L008",
                    "id",
                )
            )
    if progress is not None and pending:
        progress(pending)
    return parsed, problems, counted, skipped


def _fetch(
    conn: Connection, table: Table, columns: Sequence[str], keys: Iterable[str]
) -> dict[str, tuple[Any, ...]]:
    """Return the rows of ``table`` whose id is in ``keys``, by id, as stored, ``columns`` in order.

    Plain driver queries, ``BATCH`` ids at a time: rendering thousands of bound parameters
    through SQLAlchemy cost more than the lookups themselves.
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    wanted = list(keys)
    out: dict[str, tuple[Any, ...]] = {}
    for start in range(0, len(wanted), BATCH):
        batch = tuple(wanted[start : start + BATCH])
        sql = (
            f"SELECT {names} FROM {quote(table.name)}"  # noqa: S608 - our own names
            f" WHERE {quote('id')} IN ({', '.join([mark] * len(batch))})"
        )
        for row in conn.exec_driver_sql(sql, batch):
            out[row[0]] = tuple(row)
    return out


def _check_references(
    conn: Connection,
    spec: Kind,
    parsed: dict[str, tuple[int, tuple[Any, ...]]],
    existing: dict[str, tuple[Any, ...]],
    source: str,
) -> list[ImportProblem]:
    """Return the problems with what the rows refer to (customers, invoices, open disputes).

    ``existing`` holds the ledger's rows with the ids of the file (as stored).
    """
    problems: list[ImportProblem] = []
    if spec.name == "customers":
        return problems
    if spec.name in ("invoices", "payments", "credit-notes"):
        known = _fetch(conn, customers, ("id",), {values[1] for _, values in parsed.values()})
        for line, values in parsed.values():
            if values[1] not in known:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"customer {values[1]} is not in the ledger: import the customers first",
                        "L009",
                        "customer",
                    )
                )
    if spec.name == "invoices":
        for invoice_id, (line, values) in parsed.items():
            was = existing.get(invoice_id)
            if was is not None and was[1] != values[1]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"invoice {invoice_id} belongs to customer {was[1]} in the ledger;"
                        f" an invoice cannot move to customer {values[1]}"
                        " (credit it and invoice again)",
                        "L011",
                        "customer",
                    )
                )
    elif spec.name in ("payments", "credit-notes"):
        wanted = {values[5] for _, values in parsed.values() if values[5] is not None}
        known = _fetch(conn, invoices, ("id", "customer_id", "currency"), wanted)
        for line, values in parsed.values():
            invoice_id = values[5]
            if invoice_id is None:
                continue
            invoice = known.get(invoice_id)
            if invoice is None:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} is applied to invoice {invoice_id},"
                        " which is not in the ledger",
                        "L010",
                        "invoice",
                    )
                )
            elif invoice[1] != values[1]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} from customer {values[1]} is applied to invoice"
                        f" {invoice_id} of customer {invoice[1]}",
                        "L011",
                        "customer",
                    )
                )
            elif invoice[2] != values[4]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} in {values[4]} is applied to invoice"
                        f" {invoice_id} in {invoice[2]}",
                        "L011",
                        "currency",
                    )
                )
    elif spec.name == "disputes":
        problems += _check_disputes(conn, parsed, source)
    return sorted(problems, key=lambda p: p.line)


def _check_disputes(
    conn: Connection, parsed: dict[str, tuple[int, tuple[Any, ...]]], source: str
) -> list[ImportProblem]:
    problems: list[ImportProblem] = []
    wanted = sorted({values[2] for _, values in parsed.values()})
    known = _fetch(conn, invoices, ("id", "customer_id"), wanted)
    open_in_ledger: dict[str, str] = {}
    stmt = select(disputes.c.invoice_id, disputes.c.id).where(
        disputes.c.resolved.is_(None),
        disputes.c.invoice_id.in_(bindparam("keys", expanding=True)),
    )
    for start in range(0, len(wanted), BATCH):
        for invoice_id, dispute_id in conn.execute(stmt, {"keys": wanted[start : start + BATCH]}):
            open_in_ledger[invoice_id] = dispute_id
    open_in_file: dict[str, str] = {}
    for dispute_id, (line, values) in list(parsed.items()):
        invoice_id = values[2]
        invoice = known.get(invoice_id)
        if invoice is None:
            problems.append(
                ImportProblem(
                    source,
                    line,
                    f"dispute {dispute_id} is about invoice {invoice_id},"
                    " which is not in the ledger",
                    "L010",
                    "invoice",
                )
            )
            continue
        parsed[dispute_id] = (line, (values[0], invoice[1], *values[2:]))
        if values[4] is not None:
            continue
        other = open_in_file.get(invoice_id) or open_in_ledger.get(invoice_id)
        if other is not None and other != dispute_id:
            problems.append(
                ImportProblem(
                    source,
                    line,
                    f"invoice {invoice_id} already has an open dispute ({other}):"
                    " resolve it or update that dispute instead",
                )
            )
        open_in_file[invoice_id] = dispute_id
    return problems


def _upsert(
    conn: Connection,
    spec: Kind,
    parsed: dict[str, tuple[int, tuple[Any, ...]]],
    existing: dict[str, tuple[Any, ...]],
    progress: Progress | None,
) -> tuple[int, int, int]:
    """Return (inserted, updated, unchanged) after writing the parsed rows.

    Rows go to the driver's ``executemany`` as plain tuples already in the form the database
    stores (SQLite: money in ten-thousandths, ISO dates): SQLAlchemy's per-value processing
    was a third of an import's time. The values were checked above; the SQL names only the
    table's own columns.
    """
    table, columns = spec.table, spec.column_names
    stored = _stored_form(conn, table, columns)
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    names = [quote(name) for name in columns]
    insert = (
        f"INSERT INTO {quote(table.name)} ({', '.join(names)})"  # noqa: S608 - our own names
        f" VALUES ({', '.join([mark] * len(names))})"
    )
    update = (
        f"UPDATE {quote(table.name)} SET"  # noqa: S608 - our own names
        f" {', '.join(f'{name} = {mark}' for name in names[1:])} WHERE {names[0]} = {mark}"
    )
    # Written batch by batch as the rows are compared, so a big file is never held twice.
    fresh: list[tuple[Any, ...]] = []
    changed: list[tuple[Any, ...]] = []
    inserted = updated = unchanged = 0
    for key, (_line, values) in parsed.items():
        row = stored(values)
        was = existing.get(key)
        if was is None:
            fresh.append(row)
            if len(fresh) == BATCH:
                inserted += _flush(conn, insert, fresh, progress)
        elif was != row:
            changed.append((*row[1:], key))
            if len(changed) == BATCH:
                updated += _flush(conn, update, changed, progress)
        else:
            unchanged += 1
    inserted += _flush(conn, insert, fresh, progress)
    updated += _flush(conn, update, changed, progress)
    if progress is not None and unchanged:
        progress(unchanged)
    return inserted, updated, unchanged


def _flush(
    conn: Connection, sql: str, rows: list[tuple[Any, ...]], progress: Progress | None
) -> int:
    """Return how many rows were written by executing ``sql`` for ``rows`` (then emptied)."""
    count = len(rows)
    if count:
        _write(conn, sql, rows)
        rows.clear()
        if progress is not None:
            progress(count)
    return count


def _stored_form(
    conn: Connection, table: Table, columns: Sequence[str]
) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Return a function giving a row's values as the database stores them."""
    if conn.dialect.name != "sqlite":
        return tuple
    money = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, Money)]
    days = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, Date)]

    def stored(values: tuple[Any, ...]) -> tuple[Any, ...]:
        row = list(values)
        for i in money:
            if row[i] is not None:
                row[i] = money_to_units(row[i])
        for i in days:
            if row[i] is not None:
                row[i] = row[i].isoformat()
        return tuple(row)

    return stored


def _write(conn: Connection, sql: str, batch: list[tuple[Any, ...]]) -> None:
    """Execute ``sql`` for every row of ``batch`` (one driver executemany)."""
    conn.exec_driver_sql(sql, batch)
