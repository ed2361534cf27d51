"""Bulk JSON imports: rows handed to ``store.imports`` (atomic, idempotent), problems per row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection

from api.action_lists import version_to_dict
from api.auth import Principal
from api.errors import InvalidRequestError
from api.policy_state import ServedPolicy
from store.imports import import_rows


def _text(row: BaseModel) -> dict[str, str]:
    # The store parses text, as it reads CSV: dates as ISO dates, amounts as exact decimals.
    return {
        key: str(value) for key, value in row.model_dump(mode="json").items() if value is not None
    }


def import_batch(
    conn: Connection,
    kind: str,
    rows: Sequence[BaseModel],
    who: Principal,
    served: ServedPolicy | None,
) -> dict[str, Any]:
    """Return what importing ``rows`` of ``kind`` changed (``ImportOut``); all rows or none.

    A bad row answers 422 with one error per row, located as ``body.rows[i]``. The import is
    recorded with the token's name as its source.
    """
    result = import_rows(
        conn, kind, (_text(row) for row in rows), f"API ({who.name})", lines=range(len(rows))
    )
    if result.problems:
        count = len(result.problems)
        raise InvalidRequestError(
            f"nothing was imported: {count} bad row{'s' if count != 1 else ''}",
            errors=[
                {
                    "field": f"body.rows[{problem.line}]",
                    "pointer": f"/rows/{problem.line}",
                    "detail": problem.message,
                    "code": "row",
                }
                for problem in result.problems
            ],
        )
    return {
        "kind": kind,
        "rows": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "policy_version": version_to_dict(served.version) if served else None,
    }
