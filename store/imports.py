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
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, Table, bindparam, select

from engine.model.money import is_currency, minor_units
from store.collector import collector_paused
from store.columns import Money, money_to_units
from store.connection import begin_write
from store.mapping import ColumnMapping, Extract, KindMapping, default_mapping
from store.models import credit_notes, customers, disputes, imports, invoices, payments

# Rows per INSERT/UPDATE batch and ids per lookup: large batches amortise the round trip,
# and stay far below SQLite's 32,766 bound parameters.
BATCH = 5000
# Files with more data rows than this get a progress bar in the CLI.
PROGRESS_THRESHOLD = 5000

Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A bad row: where it is and what is wrong with it, in words."""

    source: str
    line: int
    message: str

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


# -- field parsers --------------------------------------------------------------------------

_PLAIN = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?")
_PLAIN_COMMA = re.compile(r"[+-]?(?:\d+|\d{1,3}(?:[. ]\d{3})+)(?:,\d+)?")
_COUNTRY = re.compile(r"[A-Z]{2}")
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def parse_amount(text: str, currency: str, *, decimal_comma: bool = False) -> Decimal:
    """Return ``text`` as an exact amount in ``currency``; raise ``RowError`` in finance words.

    Accepts plain decimals with optional thousands separators (``1,234.56``; with
    ``decimal_comma``, ``1.234,56``). Refuses exponents (``1e3``), words (``NaN``) and more
    decimals than the currency has (``12.345`` in GBP).
    """
    pattern = _PLAIN_COMMA if decimal_comma else _PLAIN
    if pattern.fullmatch(text) is None:
        example = "1.234,56" if decimal_comma else "1234.56"
        raise RowError(f"amount {text!r} is not a plain decimal amount (write it like {example})")
    plain = (
        text.replace(".", "").replace(" ", "").replace(",", ".")
        if decimal_comma
        else text.replace(",", "")
    )
    try:
        amount = Decimal(plain)
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only decimals
        raise RowError(f"amount {text!r} is not a decimal amount") from error
    exponent = amount.as_tuple().exponent
    digits = minor_units(currency)
    if isinstance(exponent, int) and -exponent > digits:
        raise RowError(
            f"amount {text} has {-exponent} decimals but {currency} has {digits}"
            f" (amounts are taken exactly, never rounded)"
        )
    if amount.adjusted() >= 14:
        raise RowError(
            f"amount {text} is too large for the ledger (up to 14 digits before the point)"
        )
    return amount


class _Dates:
    """Parse dates in one format, each distinct text once (exports repeat dates a lot)."""

    def __init__(self, date_format: str | None) -> None:
        self.format = date_format
        self.cache: dict[str, date] = {}

    def __call__(self, text: str, what: str) -> date:
        parsed = self.cache.get(text)
        if parsed is not None:
            return parsed
        try:
            if self.format is None:
                parsed = date.fromisoformat(text)
            else:
                parsed = datetime.strptime(text, self.format).date()  # noqa: DTZ007 - a date
        except ValueError as error:
            expected = self.format or "YYYY-MM-DD"
            raise RowError(f"{what} {text!r} is not a date in the format {expected}") from error
        self.cache[text] = parsed
        return parsed


# -- the kinds ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """One import kind: its file columns, table, and what a row of it is called."""

    name: str
    noun: str
    table: Table
    fields: tuple[str, ...]
    required: tuple[str, ...]
    columns: tuple[str, ...]  # table columns, in the order rows are built


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "customers",
            "customer",
            customers,
            ("id", "name", "country", "segment", "email", "language"),
            ("id",),
            ("id", "name", "country", "segment", "email", "language"),
        ),
        Kind(
            "invoices",
            "invoice",
            invoices,
            ("id", "customer", "number", "issued", "due", "terms", "amount", "currency"),
            ("id", "customer", "issued", "amount", "currency"),
            ("id", "customer_id", "number", "issued", "due", "terms", "amount", "currency"),
        ),
        Kind(
            "payments",
            "payment",
            payments,
            ("id", "customer", "date", "amount", "currency", "invoice"),
            ("id", "customer", "date", "amount", "currency"),
            ("id", "customer_id", "date", "amount", "currency", "invoice_id"),
        ),
        Kind(
            "credit-notes",
            "credit note",
            credit_notes,
            ("id", "customer", "date", "amount", "currency", "invoice"),
            ("id", "customer", "date", "amount", "currency"),
            ("id", "customer_id", "date", "amount", "currency", "invoice_id"),
        ),
        Kind(
            "disputes",
            "dispute",
            disputes,
            ("id", "invoice", "opened", "resolved", "reason"),
            ("id", "invoice", "opened"),
            ("id", "customer_id", "invoice_id", "opened", "resolved", "reason"),
        ),
    )
}

_WHAT = {
    "id": "id",
    "customer": "customer",
    "invoice": "invoice",
    "issued": "invoice date",
    "due": "due date",
    "date": "date",
    "opened": "date the dispute was opened",
    "resolved": "date the dispute was resolved",
    "amount": "amount",
    "currency": "currency",
}


class _RowParser:
    """Turn one source row into the table row of its kind, or raise ``RowError``."""

    def __init__(self, kind: Kind, mapping: KindMapping, file_mapping: ColumnMapping | None):
        self.kind = kind
        # Fields read straight from a column are looked up inline (most of them, and the
        # import's hottest loop); constants, templates and value maps go through a function.
        self.plain = tuple(
            (name, source.column)
            for name, source in mapping.fields.items()
            if source.column is not None and not source.values
        )
        self.computed: tuple[tuple[str, Extract], ...] = tuple(
            (name, source.extractor())
            for name, source in mapping.fields.items()
            if source.column is None or source.values
        )
        self.when = dict(mapping.when)
        self.dates = _Dates(file_mapping.date_format if file_mapping else None)
        self.decimal_comma = bool(file_mapping and file_mapping.decimal_comma)
        self.currencies: dict[str, str] = {}

    def wanted(self, row: Mapping[str, str]) -> bool:
        """Return whether the mapping's ``when`` keeps this row."""
        return all((row.get(col) or "").strip() in allowed for col, allowed in self.when.items())

    def _values(self, row: Mapping[str, str]) -> dict[str, str | None]:
        get = row.get
        values = {
            name: (text.strip() or None) if (text := get(column)) else None
            for name, column in self.plain
        }
        for name, extract in self.computed:
            values[name] = extract(row)
        missing = [_WHAT.get(n, n) for n in self.kind.required if not values.get(n)]
        if missing:
            raise RowError(f"{' and '.join(missing)} missing")
        return values

    def _currency(self, text: str | None) -> str:
        code = self.currencies.get(text or "")
        if code is None:
            code = (text or "").upper()
            if not is_currency(code):
                raise RowError(f"currency {text!r} is not an ISO 4217 currency code")
            self.currencies[text or ""] = code
        return code

    def _positive(self, text: str, currency: str) -> Decimal:
        amount = parse_amount(text, currency, decimal_comma=self.decimal_comma)
        if amount <= 0:
            noun = self.kind.noun
            hint = " (record a credit as a credit note)" if noun == "invoice" else ""
            article = "an" if noun[0] in "aeiou" else "a"
            raise RowError(f"{article} {noun} amount must be more than zero, not {text}{hint}")
        return amount

    def parse(self, row: Mapping[str, str]) -> tuple[Any, ...]:
        """Return the table row for ``row`` (columns in ``Kind.columns`` order)."""
        v = self._values(row)
        name = self.kind.name
        day = self.dates
        if name == "customers":
            country = v.get("country")
            if country is not None:
                country = country.upper()
                if not _COUNTRY.fullmatch(country):
                    raise RowError(f"country {country!r} is not a two-letter ISO 3166 code")
            language = v.get("language")
            if language is not None and not _LANGUAGE.fullmatch(language):
                raise RowError(f"language {language!r} is not an ISO 639 code such as 'en'")
            return (
                v["id"],
                v.get("name") or "",
                country,
                v.get("segment"),
                v.get("email") or "",
                language,
            )
        if name == "invoices":
            currency = self._currency(v["currency"])
            issued = day(v["issued"] or "", "invoice date")
            due = day(v["due"] or "", "due date") if v.get("due") else None
            if due is not None and due < issued:
                raise RowError(f"due date {due} is before the invoice date {issued}")
            return (
                v["id"],
                v["customer"],
                v.get("number"),
                issued,
                due,
                v.get("terms"),
                self._positive(v["amount"] or "", currency),
                currency,
            )
        if name in ("payments", "credit-notes"):
            currency = self._currency(v["currency"])
            return (
                v["id"],
                v["customer"],
                day(v["date"] or "", "date"),
                self._positive(v["amount"] or "", currency),
                currency,
                v.get("invoice"),
            )
        # disputes: the customer is the invoice's, filled in by the reference check
        opened = day(v["opened"] or "", "date the dispute was opened")
        resolved = (
            day(v["resolved"] or "", "date the dispute was resolved") if v.get("resolved") else None
        )
        if resolved is not None and resolved < opened:
            raise RowError(f"dispute resolved on {resolved}, before it was opened on {opened}")
        return (v["id"], None, v["invoice"], opened, resolved, v.get("reason") or "")


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
) -> ImportResult:
    """Return what importing ``rows`` of ``kind`` did; with any bad row, nothing is written.

    ``rows`` are source rows (column name to text). Row *n* (from 0) is reported as line
    ``first_line + n`` of ``source_name`` unless ``lines`` gives each row's line. ``mapping``
    maps the source columns (default: the documented column names). ``digest`` identifies the
    source in the ``imports`` table (default: a digest of the rows). ``progress`` is called with
    the number of rows handled since the last call, while reading and while writing.
    """
    numbered: Iterable[tuple[int, Mapping[str, str]]] = (
        zip(lines, rows, strict=False) if lines is not None else enumerate(rows, first_line)
    )
    return _import(conn, kind, numbered, source_name, mapping, digest=digest, progress=progress)


def _import(
    conn: Connection,
    kind: str,
    numbered: Iterable[tuple[int, Mapping[str, str]]],
    source_name: str,
    mapping: ColumnMapping | None,
    *,
    digest: str | None,
    progress: Progress | None,
) -> ImportResult:
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown import kind {kind!r}: use one of {', '.join(KINDS)}")
    parser = _RowParser(spec, _kind_mapping(spec, mapping), mapping)
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
        existing = _fetch(conn, spec.table, spec.columns, parsed)
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

        return _import(conn, kind, numbered(), source, mapping, digest=digest, progress=progress)


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
        except RowError as error:
            problems.append(ImportProblem(source, line, str(error)))
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
                    )
                )
            elif invoice[1] != values[1]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} from customer {values[1]} is applied to invoice"
                        f" {invoice_id} of customer {invoice[1]}",
                    )
                )
            elif invoice[2] != values[4]:
                problems.append(
                    ImportProblem(
                        source,
                        line,
                        f"{spec.noun} in {values[4]} is applied to invoice"
                        f" {invoice_id} in {invoice[2]}",
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
    table, columns = spec.table, spec.columns
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
