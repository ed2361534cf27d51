"""Write one ledger record that the service itself makes: a write-off. Idempotently.

Imports (``store.imports``) bring records from the accounting system in bulk. Some records are
made here: an approved write-off (the escalation and write-off workflow) becomes a ledger record
through ``record_write_off``. It is checked by the same rules as an imported write-off (the
values by ``engine.model.ledger_fields``, the invoice by ``store.import_checks``) and written with
``INSERT ... ON CONFLICT DO NOTHING``: recording the same write-off twice, or from two processes
at once, leaves one row, and the second call gets ``created=False``. A write-off is history:
recording another one under an id already used is refused, never an update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from engine.model.ledger_fields import (
    RECORDS,
    Invalid,
    ValueKind,
    check_text,
    read_amount,
    read_date,
    record_check,
)
from store.import_checks import ImportProblem, check_references
from store.models import write_offs
from store.outcomes import Recorded, _insert, _inserted, _writing
from store.row_reader import KINDS

_SOURCE = "write-off"


@dataclass(frozen=True, slots=True)
class WriteOff:
    """A write-off of ``amount`` of invoice ``invoice_id``: who wrote it off, who approved it
    (when someone else had to), and why."""

    id: str
    customer_id: str
    invoice_id: str
    date: date
    amount: Decimal
    currency: str
    reason: str
    by: str
    approved_by: str | None = None


class LedgerWriteError(ValueError):
    """A record that breaks the ledger's rules: each problem with its L-code and field."""

    def __init__(self, problems: list[ImportProblem]) -> None:
        super().__init__("; ".join(problem.message for problem in problems))
        self.problems = tuple(problems)


def record_write_off(conn: Connection, write_off: WriteOff) -> Recorded:
    """Return the recorded write-off (``created`` False: this very write-off was already there).

    Raises ``LedgerWriteError`` when a value breaks the ledger's rules, the invoice is not in the
    ledger, is another customer's or in another currency, or was for less than the amount, or
    when another write-off already has this id. Runs in the caller's transaction if there is
    one, else in its own.
    """
    values = _checked(write_off)
    with _writing(conn):
        problems = check_references(
            conn, KINDS["write-offs"], {write_off.id: (1, values)}, {}, _SOURCE
        )
        if problems:
            raise LedgerWriteError(problems)
        row = dict(zip(KINDS["write-offs"].column_names, values, strict=True))
        statement = _insert(conn, write_offs).values(row).on_conflict_do_nothing()
        created = _inserted(conn, statement.returning(write_offs.c.id))
        if not created:
            stored = conn.execute(
                select(*(write_offs.c[name] for name in row)).where(
                    write_offs.c.id == write_off.id
                )
            ).one()
            if tuple(stored) != values:
                raise LedgerWriteError([
                    ImportProblem(
                        _SOURCE, 1,
                        f"write-off {write_off.id} is already recorded with other values: a"
                        " write-off is history; record the correction under a new id",
                        "L008", "id",
                    )
                ])  # fmt: skip
    return Recorded(write_off.id, created)


def _checked(write_off: WriteOff) -> tuple[Any, ...]:
    """Return the write-off's row (columns in the import's order), or raise with every value
    that breaks its rule."""
    given: dict[str, object] = {
        "id": write_off.id,
        "customer": write_off.customer_id,
        "invoice": write_off.invoice_id,
        "date": write_off.date,
        "amount": write_off.amount,
        "currency": write_off.currency,
        "reason": write_off.reason,
        "by": write_off.by,
        "approved_by": write_off.approved_by,
    }
    problems: list[ImportProblem] = []
    read: dict[str, object] = {}
    for name, rule in RECORDS["write_offs"].items():
        value = given[name]
        if value is None or value == "":
            if rule.required:
                problems.append(
                    ImportProblem(_SOURCE, 1, f"{name} is missing", "L003", name)
                )
            continue
        found: object
        if rule.kind is ValueKind.DATE:
            found = read_date(value) if isinstance(value, date) else Invalid("L005", "")
        elif rule.kind is ValueKind.AMOUNT:
            found = read_amount(value) if isinstance(value, Decimal) else Invalid("L006", "")
        else:
            found = check_text(rule.kind, str(value), rule.max_length) or value
        if isinstance(found, Invalid):
            problems.append(
                ImportProblem(_SOURCE, 1, found.message(f"{name} {value!r}"), found.code, name)
            )
        else:
            read[name] = found
    if not problems:
        for name, invalid in record_check("write_offs")(read):
            problems.append(
                ImportProblem(
                    _SOURCE, 1, invalid.message(f"{name} {read[name]}"), invalid.code, name
                )
            )
    if problems:
        raise LedgerWriteError(problems)
    return tuple(read.get(field) for _, field in KINDS["write-offs"].columns if field)
