"""A problem with an import row, and reading the ledger's rows an import refers to, by id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table

# Ids per lookup (and rows per INSERT/UPDATE batch of the import): large batches amortise the
# round trip, and stay far below SQLite's 32,766 bound parameters.
BATCH = 5000


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


def fetch_rows(
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
