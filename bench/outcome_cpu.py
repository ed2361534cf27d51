"""Benchmark: the server's CPU time per request, by kind, at low concurrency.

    python bench/outcome_cpu.py                       # SQLite, 800 requests of each kind
    python bench/outcome_cpu.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test

Latency on a shared machine says as much about the other processes as about the service; the
CPU time the server process used (user and system, from ``/proc``) per request says what a
request costs it. Over the ledger of ``bench/outcome_load.py`` (the demo and 12,000 customers
with an overdue invoice each), the script sends, on keep-alive connections:

- ``GET /healthz`` from 4 clients (the floor: the framework, middleware and nothing else);
- outcomes ("done") for distinct actions from 4 clients (grouped commits, as under load);
- one client sending three outcomes then one ``GET /v1/actions?limit=100`` (each list page
  brings the list up to date for the customers just written to).

To compare two checkouts, run it from each, one after the other, more than once.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import Server, pinned_ref  # noqa: E402
from bench.outcome_load import (  # noqa: E402
    Connection,
    drop_schema,
    fetch_actions,
    outcome_path,
    prepare,
)

Request = tuple[str, str, Any]


def cpu_seconds(pid: int) -> float:
    """Return the CPU time (user and system) process ``pid`` has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    port: int, token: str, pid: int, make: Callable[[int], Request], *, count: int, clients: int
) -> tuple[float, float]:
    """Return the server's CPU milliseconds per request and the requests per second."""
    conns = [Connection(port, token) for _ in range(clients)]
    for conn in conns:
        await conn.request("GET", "/healthz")
    numbers = iter(range(count))

    async def client(conn: Connection) -> None:
        for n in numbers:
            status, _ = await conn.request(*make(n))
            if status >= 500:
                raise SystemExit(f"server error {status}")

    before, start = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(client(c) for c in conns))
    elapsed = time.perf_counter() - start
    for conn in conns:
        conn.close()
    return (cpu_seconds(pid) - before) / count * 1000, count / elapsed


async def run(port: int, tokens: tuple[str, str], pid: int, count: int) -> dict[str, Any]:
    """Return CPU per request and throughput of each kind of request."""
    collector, viewer = tokens
    actions = await fetch_actions(port, viewer)
    if len(actions) < 2 * count:
        raise SystemExit(f"only {len(actions)} actions on the list; lower --requests")
    done = {"outcome": "done", "note": "Sent"}

    def outcome(n: int) -> Request:
        return ("POST", outcome_path(actions[n]["id"]), done)

    def mixed(n: int) -> Request:
        if n % 4 == 3:
            return ("GET", "/v1/actions?limit=100", None)
        return ("POST", outcome_path(actions[count + n]["id"]), done)

    return {
        "healthz": await measure(
            port, viewer, pid, lambda _: ("GET", "/healthz", None), count=count, clients=4
        ),
        "outcome": await measure(port, collector, pid, outcome, count=count, clients=4),
        "3 outcomes + 1 list page": await measure(
            port, collector, pid, mixed, count=count, clients=1
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="Database URL (default: a SQLite file).")
    parser.add_argument("--requests", type=int, default=800, help="Requests of each kind.")
    parser.add_argument("--port", type=int, help="Port of the service (default: a free one).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dunning-outcome-cpu-") as tmp:
        url, collector, viewer, schema = prepare(args.database, Path(tmp), 12_000)
        server = Server(url, Path(tmp), pinned_ref(), args.port)
        try:
            server.wait_ready()
            figures = asyncio.run(
                run(server.port, (collector, viewer), server.process.pid, args.requests)
            )
        finally:
            server.stop()
            if schema is not None:
                drop_schema(args.database, schema)
    for kind, (ms, rate) in figures.items():
        print(f"{kind:26s} server CPU {ms:6.2f} ms a request ({rate:.0f} requests/s)")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
