"""Bulk JSON imports: rows handed to ``store.imports`` (atomic, idempotent), problems per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from api.action_lists import version_to_dict
from api.auth import Principal
from api.errors import ConflictError, InvalidRequestError
from api.policy_state import ServedPolicy
from store.imports import ImportProblem, import_rows

# Rows that contradict what the ledger already holds rather than bad values: an invoice
# cancelled by another cancellation (L018), or with money still applied to it (L019).
CONFLICT_CODES = frozenset({"L018", "L019"})


def _text(row: BaseModel) -> dict[str, str]:
    # The store parses text, as it reads CSV: dates as ISO dates, amounts as exact decimals.
    return {
        key: str(value) for key, value in row.model_dump(mode="json").items() if value is not None
    }


def _field_problem(problem: ImportProblem) -> dict[str, str]:
    row = f"rows[{problem.line}]" + (f".{problem.field}" if problem.field else "")
    return {
        "field": f"body.{row}",
        "pointer": f"/rows/{problem.line}" + (f"/{problem.field}" if problem.field else ""),
        "detail": problem.detail or problem.message,
        "code": problem.code or "row",
    }


def import_batch(
    conn: Connection,
    kind: str,
    rows: Sequence[BaseModel],
    who: Principal,
    served: ServedPolicy | None,
) -> dict[str, Any]:
    """Return what importing ``rows`` of ``kind`` changed (``ImportOut``); all rows or none.

    A bad row answers 422 (409 when every problem contradicts what the ledger holds:
    ``CONFLICT_CODES``) with one error per problem, located as ``body.rows[i].field`` (or
    ``body.rows[i]`` when no one field is at fault), with the ledger's error code and the rule's
    words without the value. The import is recorded with the token's name as its source.
    """
    result = import_rows(
        conn, kind, (_text(row) for row in rows), f"API ({who.name})", lines=range(len(rows))
    )
    if result.problems:
        count = len({problem.line for problem in result.problems})
        error = (
            ConflictError
            if all(problem.code in CONFLICT_CODES for problem in result.problems)
            else InvalidRequestError
        )
        raise error(
            f"nothing was imported: {count} bad row{'s' if count != 1 else ''}",
            errors=[_field_problem(problem) for problem in result.problems],
        )
    return {
        "kind": kind,
        "rows": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "policy_version": version_to_dict(served.version) if served else None,
    }
