"""``POST /v1/ledger/{kind}.csv``: a whole CSV export imported as ``dunning import`` does, streamed.

A ledger export can be far larger than a JSON request may be (``ApiSettings.max_body_bytes``):
the body is written to a temporary file as it arrives, never held whole in memory, up to its own
cap (``ApiSettings.max_import_bytes``, ``dunning serve --max-import-mb``; a larger body answers
413 and imports nothing). The file is then imported exactly as the CLI imports it
(``store.imports.import_csv``: the columns of docs/imports.md, all rows or none, the same
problems on the same lines, an encoding to name when the file is not UTF-8), in one transaction
behind the write gate.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from api.action_lists import version_to_dict
from api.deps import AdminDep, ContextDep
from api.errors import InvalidRequestError, problem_responses
from api.models import ImportOut
from api.request_guard import streamed_body
from api.write_gate import WriteGate
from store.connection import begin_write
from store.csv_file import encoding_name
from store.imports import ImportResult, import_csv

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])

CsvKind = Literal[
    "customers",
    "invoices",
    "payments",
    "credit-notes",
    "disputes",
    "write-offs",
    "reversals",
    "cancellations",
]
# Problems listed in a refusal: the first ones tell what is wrong with the file.
MAX_PROBLEMS = 1000
# One file import at a time: two imports of the same rows in parallel (PostgreSQL writes in
# parallel) would both insert them, and the second fail on the unique key.
_ONE_IMPORT = WriteGate(1)


@router.post(
    "/{kind}.csv",
    operation_id="importCsvFile",
    summary="Import a CSV export of ledger records, streamed",
    response_model=ImportOut,
    responses=problem_responses(401, 403, 413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
@streamed_body
async def import_csv_file(
    *,
    who: AdminDep,
    context: ContextDep,
    request: Request,
    kind: CsvKind,
    encoding: Annotated[
        str,
        Query(
            max_length=40,
            pattern=r"^[A-Za-z0-9_.-]+$",
            description="The file's text encoding: utf-8 (a byte-order mark from Excel is "
            "fine), or for older Windows exports cp1252 or latin-1.",
        ),
    ] = "utf-8",
) -> dict[str, Any]:
    """Import a CSV file of ``kind`` with the columns of docs/imports.md, all rows or none, as
    `dunning import KIND FILE` does: a bad row answers 422 with every problem by line, and the
    same file again changes nothing. The body may be up to `--max-import-mb` (a larger one
    answers 413 and imports nothing); it is streamed to a temporary file, never held in memory.
    """
    try:
        codec = encoding_name(encoding)
    except LookupError:
        raise InvalidRequestError(
            f"{encoding!r} is not an encoding Python knows: try utf-8, cp1252 or latin-1",
            errors=[{"field": "query.encoding", "detail": "unknown encoding", "code": "value"}],
        ) from None
    with tempfile.TemporaryDirectory(prefix="dunning-import-") as tmp:
        path = Path(tmp) / f"{kind}.csv"
        with path.open("wb") as out:
            async for chunk in request.stream():
                out.write(chunk)
        async with _ONE_IMPORT.slot(), context.writes.slot():
            result = await run_in_threadpool(
                _import, context.engine, kind, path, codec, f"API ({who.name})"
            )
    context.ledger.written()
    if result.problems:
        count = len({problem.line for problem in result.problems})
        raise InvalidRequestError(
            f"nothing was imported: {count} line{'s' if count != 1 else ''} with problems",
            errors=[
                {
                    "field": "body",
                    "pointer": f"/line/{problem.line}",
                    "detail": f"line {problem.line}: {problem.message}",
                    "code": problem.code or "row",
                }
                for problem in result.problems[:MAX_PROBLEMS]
            ],
        )
    served = context.policies.served()
    return {
        "kind": kind,
        "rows": result.rows,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "policy_version": version_to_dict(served.version) if served else None,
    }


def _import(engine: Engine, kind: str, path: Path, encoding: str, source: str) -> ImportResult:
    """Return what importing the file did, committed (or rolled back when it has problems)."""
    with engine.connect() as conn:
        transaction = begin_write(conn)
        try:
            result = import_csv(conn, kind, path, encoding=encoding, source=source)
            if result.problems:
                transaction.rollback()
            else:
                transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
    return result
