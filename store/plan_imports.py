"""Import payment plans from CSV: one row per instalment, all plans or none.

Columns (docs/imports.md): ``plan`` (the plan's id), ``customer``, ``agreed`` (YYYY-MM-DD),
``currency``, ``invoices`` (the invoice ids the plan pays off, separated by spaces or
semicolons), ``due`` and ``amount`` (the instalment), and an optional ``note``. The rows of a plan
share its id; ``customer``, ``agreed``, ``currency``, ``invoices`` and ``note`` may be left blank
after its first row, and must not contradict it. Every plan is recorded with
``store.payment_plans.record_payment_plan``, the same checks as the API and the pages; one bad row
imports nothing, and importing the same file again changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection

from engine.model.ledger_fields import Invalid, read_date
from engine.model.money import is_currency
from store.connection import begin_write
from store.csv_file import CsvFileError, open_export
from store.imports import ImportProblem, ImportResult
from store.payment_plans import InstalmentIn, PlanError, record_payment_plan
from store.row_reader import RowError, parse_amount

KIND = "payment-plans"
COLUMNS = ("plan", "customer", "agreed", "currency", "invoices", "due", "amount")
SHARED = ("customer", "agreed", "currency", "invoices", "note")
_SEPARATORS = re.compile(r"[;\s]+")


@dataclass(slots=True)
class _PlanRows:
    line: int
    shared: dict[str, str]
    schedule: list[InstalmentIn] = field(default_factory=list)


def _date(text: str, field: str) -> date:
    read = read_date(text)  # the ledger's rule for dates, as every import and ledger file
    if isinstance(read, Invalid):
        raise RowError.of(field, text, read)
    return read


def import_plans_csv(
    conn: Connection, path: Path, *, who: str = "", encoding: str = "utf-8"
) -> ImportResult:
    """Return what importing the payment plans in ``path`` did; with problems, nothing is written.

    ``who`` is recorded as who agreed each plan (default: the file's name). The file is text in
    ``encoding`` (a byte that is not is reported with its line, as for every import).
    """
    source = str(path)
    plans: dict[str, _PlanRows] = {}
    problems: list[ImportProblem] = []
    rows = 0
    try:
        with open_export(path, encoding) as export:
            missing = [c for c in COLUMNS if c not in export.header]
            if missing:
                message = (
                    f"the header lacks {', '.join(missing)}: the columns are {', '.join(COLUMNS)}"
                )
                return ImportResult(KIND, source, 0, problems=(ImportProblem(source, 1, message),))
            for line, record in export.rows():
                values = {k: v.strip() for k, v in record.items()}
                if not any(values.values()):
                    continue
                rows += 1
                try:
                    _add_row(plans, {c: values.get(c, "") for c in (*COLUMNS, "note")}, line)
                except RowError as error:
                    problems.append(ImportProblem(source, line, str(error)))
    except CsvFileError as error:
        problem = ImportProblem(source, error.line, str(error))
        return ImportResult(KIND, source, 0, problems=(problem,))
    if problems:
        return ImportResult(KIND, source, rows, problems=tuple(problems))
    return _write(conn, plans, source, rows, who or f"import {path.name}")


def _add_row(plans: dict[str, _PlanRows], values: dict[str, str], line: int) -> None:
    plan_id = values["plan"]
    if not plan_id:
        raise RowError("plan is empty: give each plan an id, repeated on each of its instalments")
    found = plans.get(plan_id)
    if found is None:
        for column in ("customer", "agreed", "currency", "invoices"):
            if not values.get(column):
                raise RowError(f"{column} is empty on the first row of plan {plan_id}")
        currency = values["currency"]
        if not is_currency(currency):
            raise RowError(f"currency {currency!r} is not an ISO 4217 currency code")
        _date(values["agreed"], "agreed")
        found = plans[plan_id] = _PlanRows(line, {k: values.get(k, "") for k in SHARED})
    else:
        for column in SHARED:
            given = values.get(column, "")
            if given and given != found.shared[column]:
                raise RowError(
                    f"{column} {given!r} contradicts the first row of plan {plan_id}"
                    f" (line {found.line}: {found.shared[column]!r})"
                )
    due = _date(values["due"], "due")
    amount: Decimal = parse_amount(values["amount"], found.shared["currency"])
    found.schedule.append(InstalmentIn(due, amount))


def _write(
    conn: Connection, plans: dict[str, _PlanRows], source: str, rows: int, who: str
) -> ImportResult:
    inserted = unchanged = 0
    problems: list[ImportProblem] = []
    transaction = begin_write(conn)
    try:
        for plan_id, found in plans.items():
            shared = found.shared
            try:
                recorded = record_payment_plan(
                    conn,
                    plan_id=plan_id,
                    customer_id=shared["customer"],
                    agreed=_date(shared["agreed"], "agreed"),
                    currency=shared["currency"],
                    invoice_ids=[i for i in _SEPARATORS.split(shared["invoices"]) if i],
                    schedule=sorted(found.schedule, key=lambda item: item.due),
                    who=who,
                    note=shared["note"],
                )
            except PlanError as error:
                problems.append(ImportProblem(source, found.line, f"plan {plan_id}: {error}"))
                continue
            inserted += recorded.created
            unchanged += not recorded.created
    except BaseException:
        transaction.rollback()
        raise
    if problems:
        transaction.rollback()
        return ImportResult(KIND, source, rows, problems=tuple(problems))
    transaction.commit()
    return ImportResult(KIND, source, rows, inserted=inserted, unchanged=unchanged)
