"""Atomic imports of customers, invoices, cash, disputes, write-offs, reversals and cancellations.

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

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, Table, text

from store.cancellation_checks import lock_for
from store.collector import collector_paused
from store.columns import Money, money_to_units
from store.connection import begin_write
from store.csv_file import CsvFileError, header_problems, open_export
from store.import_checks import BATCH, ImportProblem, check_references, fetch_rows
from store.mapping import ColumnMapping
from store.models import imports
from store.row_reader import KINDS, BadRowError, Kind, RowParser, kind_mapping

# Files with more data rows than this get a progress bar in the CLI.
PROGRESS_THRESHOLD = 5000

Progress = Callable[[int], None]


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
    parser = RowParser(spec, kind_mapping(spec, mapping), mapping, export=export)
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
    parser: RowParser,
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
        _lock(conn, spec.table)
        lock_for(conn, spec.name)
        # Every bad row, whatever is wrong with it: values first, then what the good rows refer to.
        existing = fetch_rows(conn, spec.table, spec.column_names, parsed)
        problems = sorted(
            [*problems, *check_references(conn, spec, parsed, existing, source_name)],
            key=lambda p: p.line,
        )
        if problems:
            tx.rollback()
            return ImportResult(
                kind, source_name, counted, skipped=skipped, problems=tuple(problems)
            )
        inserted, updated, unchanged = _upsert(conn, spec, parsed, existing, progress)
        if inserted or updated:
            _analyze(conn, spec.table, inserted + updated)
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
    encoding: str = "utf-8",
    source: str | None = None,
) -> ImportResult:
    """Return what importing the CSV file ``path`` of ``kind`` did (see ``import_rows``).

    The file has a header row and is text in ``encoding`` (UTF-8 by default, where a byte-order
    mark from Excel is fine): a byte that is not is reported on its line, with the encoding that
    reads the file. A column the import needs and the header lacks, or one it reads that the
    header has twice, is reported on line 1. ``source`` names the file in the import record and
    the problems (default: its path).
    """
    source = source or str(path)
    try:
        with open_export(path, encoding) as export:
            problems = header_problems(kind, export.header, mapping)
            if problems:
                return ImportResult(
                    kind, source, 0, problems=tuple(ImportProblem(source, 1, m) for m in problems)
                )
            return _import(
                conn,
                kind,
                export.rows(),
                source,
                mapping,
                digest=export.digest,
                progress=progress,
                export=True,
            )
    except CsvFileError as error:
        problem = ImportProblem(source, error.line, str(error))
        return ImportResult(kind, source, 0, problems=(problem,))


def _parse_all(
    parser: RowParser,
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


def _lock(conn: Connection, table: Table) -> None:
    """Make every other writer of ``table`` wait until this transaction ends (PostgreSQL).

    The import reads the rows it will compare with and the rules across rows (one open dispute
    per invoice) before it writes. On PostgreSQL two imports run at once: both would read the
    ledger without the other's rows, and the second to write would fail on a duplicate id (a
    500) or break a rule across rows. ``SHARE ROW EXCLUSIVE`` conflicts with itself and with
    every insert, update and delete of the table, not with reads: the second import waits, then
    reads what the first wrote, as on SQLite, whose ``BEGIN IMMEDIATE`` already admits one
    writer at a time (docs/decisions/025-imports-one-at-a-time-per-table.md).
    """
    if conn.dialect.name == "postgresql":
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"LOCK TABLE {quote(table.name)} IN SHARE ROW EXCLUSIVE MODE")


def _analyze(conn: Connection, table: Table, changed: int) -> None:
    """Refresh PostgreSQL's statistics of ``table`` when an import changed much of it.

    The planner chooses how to read the ledger from them; with none (tables filled by their
    first import) it guessed plans that took the demo ledger's list from 0.13 s to 6.4 s
    (bench/README.md, "After an import"). Autovacuum analyzes too, but a minute or more later,
    and every list computed until then pays. As for autovacuum, "much" is a tenth of the rows.
    SQLite is left alone: the same list took 0.16 s there with statistics or without.
    """
    if conn.dialect.name != "postgresql":
        return
    rows = conn.execute(
        text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:name)"),
        {"name": table.name},
    ).scalar()
    if rows is None or rows < 0 or changed >= rows / 10:  # reltuples -1: never analyzed
        quote = conn.dialect.identifier_preparer.quote
        conn.exec_driver_sql(f"ANALYZE {quote(table.name)}")


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


__all__ = [
    "BATCH",
    "PROGRESS_THRESHOLD",
    "ImportProblem",
    "ImportResult",
    "Progress",
    "import_csv",
    "import_rows",
]
