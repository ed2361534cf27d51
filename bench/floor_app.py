"""The floor of ``bench/outcome_load.py``: the least a durable write costs in this framework.

    python bench/floor_app.py DATABASE_URL PORT

A FastAPI app served by uvicorn exactly as ``dunning serve`` serves the API (same event loop,
HTTP parser and thread pool, access log off), with one write route and one read route and
nothing else: no policy, no token check, no state machine, no action list.

- ``POST /floor/{action_id}/outcome`` reads the JSON body and inserts one row (the id, the body
  as text, the time) into ``bench_floor`` in one transaction in one thread-pool call, behind an
  asyncio semaphore of the service's write slots (1 on SQLite, whose one writer would otherwise
  meet ``database is locked``; 8 on PostgreSQL), on an engine made by the store's own
  ``create_store_engine`` with the service's pool. Answers 201 with ``{"id": ...}``.
- ``GET /floor`` answers a constant JSON object (a list page cached in memory, at its cheapest).
- ``GET /healthz`` answers ``{"status": "ok"}``.

The writers, readers and probes of the load script send the same requests, at the same rates,
to this app as to the service, so the outcome p99 over this write's p99 is what recording an
outcome costs beyond one INSERT answered over HTTP on the same machine and database.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Column, DateTime, Engine, MetaData, String, Table, Text, insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.context import POOL_SIZE, THREADS
from api.write_gate import WriteGate
from store.connection import begin_write, create_store_engine

metadata = MetaData()
floor = Table(
    "bench_floor",
    metadata,
    Column("id", String(160), primary_key=True),
    Column("body", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)


def create_table(engine: Engine) -> None:
    """Create the floor's table (the load script does, before it starts the app)."""
    metadata.create_all(engine)


def create_floor_app(url: str) -> FastAPI:
    """Return the floor app writing to the database at ``url``."""
    engine = create_store_engine(url, connections=(POOL_SIZE, THREADS))
    gate = WriteGate.for_backend(engine.dialect.name)
    serial = 0

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(lifespan=lifespan)

    def write(row: dict[str, Any]) -> None:
        with engine.connect() as conn:
            begin_write(conn)
            conn.execute(insert(floor), row)
            conn.commit()

    @app.post("/floor/{action_id}/outcome", status_code=201)
    async def record(action_id: str, request: Request) -> dict[str, str]:
        nonlocal serial
        serial += 1  # an action may be sent again (a retry): each request its own row
        key = f"{action_id}#{serial}"
        row = {"id": key, "body": (await request.body()).decode(), "recorded_at": datetime.now(UTC)}
        async with gate.slot():
            await run_in_threadpool(write, row)
        return {"id": key}

    @app.get("/floor")
    async def page() -> dict[str, Any]:
        return {"items": [], "next_cursor": None}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    url, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(
        create_floor_app(url),
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        log_level="warning",
        server_header=False,
    )


if __name__ == "__main__":
    main()
