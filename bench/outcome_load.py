"""Benchmark: collectors recording outcomes while others read the list, against ``dunning serve``.

    python bench/outcome_load.py                                  # SQLite, 200 writers, 50 readers
    python bench/outcome_load.py --database postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/outcome_load.py --writers 200 --readers 50 --duration 20 --rounds 3 --think 1.0
    python bench/outcome_load.py --think 0                        # closed loop: saturation

The server is started as users start it (``python -m dunning serve``) on a free loopback port,
serving the committed policy of this checkout (pinned to the commit of HEAD) over the demo ledger
built for today plus ``--customers`` customers with one overdue invoice each, so that every
writer has actions of its own to record. A PostgreSQL URL gets a schema of its own, dropped at
the end. Three phases, each reporting every status, the server errors (5xx) and transport
errors, and the latency percentiles of the outcome writes (and of the list reads). Phase 1
runs once; phases 2 and 3 once per round:

1. **same action**: 50 writers send "done" and "skipped" for one action at the same moment (the
   failure of issue 13: a 30 s hang and a 500 for most of them). Exactly one 201 is expected.
2. **burst**: ``--writers`` writers record an outcome for an action each at the same moment.
3. **sustained**: for ``--duration`` seconds, ``--writers`` writers each record an outcome
   (done 70 %, failed 10 %, skipped 10 %, promise 5 %, dispute 5 %), now and then re-send one
   (a retry: 200) or send another outcome for an action already done (409), and wait a random
   time of mean ``--think`` seconds before the next (exponential: a collector between calls);
   ``--readers`` readers fetch ``GET /v1/actions?limit=100`` with a mean wait of
   ``--read-think`` seconds. ``--think 0`` makes both closed loops (as many requests as the
   server can take: the median is then the number of clients over the throughput).

**The floor** is ``bench/floor_app.py``: the same framework, server and thread pool answering
the same requests with one INSERT on the same database (behind the same write slots) and
nothing else. Phases 2 and 3 run ``--rounds`` times, on the service and on the floor app in
turn (the floor first in every other round), and the report gives each round, its load average,
the server's CPU time per request, and the min and median over the rounds of the outcome p99,
the floor's p99 and their ratio: what recording an outcome costs beyond one durable write
answered over HTTP on this machine at that moment. ``GET /healthz`` is sent too (phase 2: as
many at once as writers, right after them; phase 3: ``--probes`` clients) as the cost of being
answered at all.

The load comes from a small asyncio HTTP/1.1 client on keep-alive connections (no parsing
beyond the status line and Content-Length), so that the generator leaves as much of the second
core as it can to the server; latencies are from sending a request to its last byte.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_load import POLICY_TIMEZONE, Server, pinned_ref  # noqa: E402

TARGET_P99_MS = 250


# -- the ledger -------------------------------------------------------------------------------


def prepare(url: str | None, workdir: Path, customers: int) -> tuple[str, str, str, str | None]:
    """Return the database URL, a collector and a viewer token, and the schema to drop after."""
    from sqlalchemy import insert
    from sqlalchemy.engine import make_url

    from store.connection import create_store_engine
    from store.demo import build_demo
    from store.models import customers as customer_table
    from store.models import invoices
    from store.tokens import Role, create_token

    schema = None
    if url is None:
        url = f"sqlite:///{workdir / 'ledger.db'}"
    elif make_url(url).get_backend_name() == "postgresql":
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = create_store_engine(url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        admin.dispose()
        url = (
            make_url(url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    engine = create_store_engine(url)
    today = datetime.now(ZoneInfo(POLICY_TIMEZONE)).date()
    summary = build_demo(engine, today, policy_root=ROOT)
    issued = today - timedelta(days=45)
    ids = [f"BENCH-{n:05d}" for n in range(customers)]
    with engine.begin() as conn:
        conn.execute(
            insert(customer_table),
            [{"id": c, "name": f"Bench customer {c[6:]}", "country": "GB"} for c in ids],
        )
        conn.execute(
            insert(invoices),
            [
                {
                    "id": f"INV-{c}",
                    "customer_id": c,
                    "number": f"INV-{c}",
                    "issued": issued,
                    "amount": Decimal("480.00"),
                    "currency": "GBP",
                }
                for c in ids
            ],
        )
        stamp = time.time_ns()
        collector = create_token(conn, f"bench-collector-{stamp}", Role.COLLECTOR).token
        viewer = create_token(conn, f"bench-viewer-{stamp}", Role.VIEWER).token
    engine.dispose()
    print(
        f"ledger for {today}: the demo ({summary.customers} customers, {summary.invoices} "
        f"invoices) and {customers} customers with an overdue invoice each"
    )
    return url, collector, viewer, schema


def drop_schema(base_url: str, schema: str) -> None:
    """Drop the PostgreSQL schema the run made."""
    from store.connection import create_store_engine

    admin = create_store_engine(base_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


# -- a small HTTP/1.1 client ------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection: send a request, read the status and the body."""

    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.auth = f"Authorization: Bearer {token}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        """Return the status and body of ``method path`` (reconnecting if the server closed)."""
        reused = self.writer is not None
        try:
            return await self._request(method, path, body)
        except (ConnectionError, asyncio.IncompleteReadError):
            if not reused:
                raise
        # The server closed an idle kept-alive connection as the request left: a new
        # connection and the request again, as any HTTP client does (outcomes are idempotent).
        self.writer = None
        return await self._request(method, path, body)

    async def _request(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing() or self.reader_closed():
            # New, or closed by the server after its keep-alive time (as any HTTP client does).
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        payload = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: bench\r\n{self.auth}"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + payload)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        data = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status, data

    def reader_closed(self) -> bool:
        """Return whether the server has closed its side of the connection."""
        return self.reader is not None and self.reader.at_eof()

    def close(self) -> None:
        """Close the connection."""
        if self.writer is not None:
            self.writer.close()


# -- measuring --------------------------------------------------------------------------------


@dataclass
class Tally:
    """Statuses and latencies of one kind of request."""

    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    transport_errors: int = 0

    async def timed(self, conn: Connection, method: str, path: str, body: Any = None) -> int:
        """Send a request, count its status and time it; return the status (0: no answer)."""
        start = time.perf_counter()
        try:
            status, _ = await conn.request(method, path, body)
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            self.transport_errors += 1
            conn.writer = None
            return 0
        self.latencies.append(time.perf_counter() - start)
        self.statuses[status] += 1
        return status

    def figures(self) -> dict[str, Any]:
        """Return the counts and the latency percentiles in milliseconds."""
        cuts = statistics.quantiles(self.latencies, n=100) if len(self.latencies) > 1 else []
        ms = [c * 1000 for c in cuts]
        return {
            "requests": len(self.latencies) + self.transport_errors,
            "statuses": dict(sorted(self.statuses.items())),
            "server_errors": sum(n for s, n in self.statuses.items() if s >= 500),
            "transport_errors": self.transport_errors,
            "p50_ms": ms[49] if ms else None,
            "p90_ms": ms[89] if ms else None,
            "p99_ms": ms[98] if ms else None,
            "max_ms": max(self.latencies) * 1000 if self.latencies else None,
        }


def outcome_path(action_id: str) -> str:
    """Return the path that records an outcome for ``action_id``."""
    return f"/v1/actions/{action_id}/outcome"


@dataclass(frozen=True)
class Target:
    """A server under load: the service, or the floor app (``bench/floor_app.py``)."""

    name: str
    port: int
    pid: int
    prefix: str  # "" for the service, "/floor" for the floor app
    list_path: str

    def outcome(self, action_id: str) -> str:
        """Return the path that records an outcome for ``action_id`` on this server."""
        if self.prefix:
            return f"{self.prefix}/{action_id}/outcome"
        return outcome_path(action_id)

    def cpu_seconds(self) -> float:
        """Return the CPU time (user and system) the server process has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def body_for(rng: random.Random, action: dict[str, Any]) -> dict[str, Any]:
    """Return an outcome as a team records them: mostly done, some failed, skipped, promised,
    disputed."""
    draw = rng.random()
    if draw < 0.70 or not action["invoices"] or len(action["totals"]) != 1:
        return {"outcome": "done", "note": "Sent"}
    if draw < 0.80:
        return {"outcome": "failed", "note": "No answer"}
    if draw < 0.90:
        return {"outcome": "skipped", "note": "Customer called first"}
    if draw < 0.95:
        pay_by = (datetime.fromisoformat(action["date"]) + timedelta(days=14)).date()
        amount = next(iter(action["totals"].values()))
        currency = next(iter(action["totals"]))
        return {"outcome": "promise", "pay_by": pay_by.isoformat(), "amount": amount,
                "currency": currency}  # fmt: skip
    return {"outcome": "dispute", "invoice": action["invoices"][0]["id"], "reason": "Damaged"}


async def fetch_actions(port: int, token: str) -> list[dict[str, Any]]:
    """Return every action on today's list."""
    conn = Connection(port, token)
    status, data = await conn.request("GET", "/v1/actions?format=json&limit=1000")
    assert status == 200, data
    page = json.loads(data)
    items: list[dict[str, Any]] = page["items"]
    while page["next_cursor"]:
        status, data = await conn.request(
            "GET", f"/v1/actions?limit=1000&cursor={page['next_cursor']}"
        )
        page = json.loads(data)
        items += page["items"]
    conn.close()
    return items


async def same_action(port: int, token: str, action: dict[str, Any]) -> dict[str, Any]:
    """Phase 1: 50 writers, one action, "done" and "skipped" at the same moment."""
    conns = [Connection(port, token) for _ in range(50)]
    for conn in conns:  # connected first, so that the requests leave together
        await conn.request("GET", "/healthz")
    tally = Tally()
    path = outcome_path(action["id"])
    await asyncio.gather(
        *(tally.timed(c, "POST", path, {"outcome": ("done", "skipped")[i % 2]})
          for i, c in enumerate(conns))
    )  # fmt: skip
    for conn in conns:
        conn.close()
    return tally.figures()


async def burst(
    target: Target, token: str, actions: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Phase 2: one writer per action, all at the same moment; then as many ``/healthz``
    requests at the same moment on the same connections."""
    conns = [Connection(target.port, token) for _ in actions]
    for conn in conns:
        await conn.request("GET", "/healthz")
    tally, floor = Tally(), Tally()
    await asyncio.gather(
        *(tally.timed(c, "POST", target.outcome(a["id"]), {"outcome": "done"})
          for c, a in zip(conns, actions, strict=True))
    )  # fmt: skip
    await asyncio.gather(*(floor.timed(c, "GET", "/healthz") for c in conns))
    for conn in conns:
        conn.close()
    return tally.figures(), floor.figures()


async def sustained(
    target: Target,
    tokens: tuple[str, str],
    actions: list[dict[str, Any]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Phase 3: writers and readers for a while, each waiting a random time between requests."""
    collector, viewer = tokens
    port = target.port
    writes, retries, conflicts, reads, floor = Tally(), Tally(), Tally(), Tally(), Tally()
    deadline = time.perf_counter() + args.duration
    queue = list(actions)
    random.Random(args.seed).shuffle(queue)
    done: list[str] = []
    used: list[str] = []

    async def pause(rng: random.Random, mean: float) -> None:
        if mean > 0:
            await asyncio.sleep(rng.expovariate(1 / mean))

    async def writer(n: int) -> None:
        rng = random.Random(args.seed * 1000 + n)
        conn = Connection(port, collector)
        await pause(rng, args.think)  # start spread out, as a team does
        while time.perf_counter() < deadline and queue:
            draw = rng.random()
            if draw < 0.05 and done:
                # A retry of an outcome already recorded (a lost answer): the same again.
                await retries.timed(conn, "POST", target.outcome(rng.choice(done)),
                                    {"outcome": "done", "note": "Sent"})  # fmt: skip
            elif draw < 0.08 and done:
                # A colleague's different outcome for an action already done: 409.
                await conflicts.timed(conn, "POST", target.outcome(rng.choice(done)),
                                      {"outcome": "skipped"})  # fmt: skip
            else:
                action = queue.pop()
                used.append(action["id"])
                body = body_for(rng, action)
                status = await writes.timed(conn, "POST", target.outcome(action["id"]), body)
                if status == 201 and body["outcome"] == "done":
                    done.append(action["id"])
            await pause(rng, args.think)
        conn.close()

    async def reader(n: int) -> None:
        rng = random.Random(args.seed * 1000 + 500 + n)
        conn = Connection(port, viewer)
        await pause(rng, args.read_think)
        while time.perf_counter() < deadline:
            await reads.timed(conn, "GET", target.list_path)
            await pause(rng, args.read_think)
        conn.close()

    async def prober(n: int) -> None:
        rng = random.Random(args.seed * 1000 + 900 + n)
        conn = Connection(port, viewer)
        await pause(rng, args.think)
        while time.perf_counter() < deadline and queue:
            await floor.timed(conn, "GET", "/healthz")
            await pause(rng, args.think)
        conn.close()

    started, cpu = time.perf_counter(), target.cpu_seconds()
    await asyncio.gather(
        *(writer(n) for n in range(args.writers)),
        *(reader(n) for n in range(args.readers)),
        *(prober(n) for n in range(args.probes)),
    )
    elapsed = time.perf_counter() - started
    out = {
        "seconds": elapsed,
        "server_cpu_s": target.cpu_seconds() - cpu,
        "writes": writes.figures(),
        "retries": retries.figures(),
        "conflicts": conflicts.figures(),
        "reads": reads.figures(),
        "floor": floor.figures(),
    }
    out["writes_per_s"] = (out["writes"]["requests"] + out["retries"]["requests"]
                           + out["conflicts"]["requests"]) / elapsed  # fmt: skip
    out["reads_per_s"] = out["reads"]["requests"] / elapsed
    out["ran_out_of_actions"] = not queue
    out["used"] = used
    return out


def progress(what: str) -> None:
    """Say on stderr which phase starts (a profiler can be attached to the server for one)."""
    print(f"{time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


async def run(
    service: Target, floor_app: Target, tokens: tuple[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    """Run phase 1 on the service, then ``--rounds`` rounds of phases 2 and 3 on the service and
    on the floor app, interleaved (the floor first in every other round); return the figures."""
    actions = await fetch_actions(service.port, tokens[1])
    needed = 1 + args.rounds * (args.writers + 100)
    if len(actions) < needed:
        raise SystemExit(f"only {len(actions)} actions on the list; raise --customers")
    progress("phase 1: 50 writers, one action")
    out: dict[str, Any] = {"actions_on_list": len(actions)}
    out["same_action"] = await same_action(service.port, tokens[0], actions[0])
    pool = actions[1:]
    rounds = []
    for number in range(args.rounds):
        order = (service, floor_app) if number % 2 == 0 else (floor_app, service)
        this: dict[str, Any] = {"load_before": os.getloadavg()[0]}
        for target in order:
            progress(f"round {number + 1}, {target.name}: phase 2, then phase 3 for "
                     f"{args.duration:.0f} s")  # fmt: skip
            writes, health = await burst(target, tokens[0], pool[: args.writers])
            rest = pool[args.writers :]
            figures = await sustained(target, tokens, rest, args)
            if target is service:  # the floor app keeps nothing: its actions can be used again
                used = set(figures.pop("used"))
                pool = [a for a in rest if a["id"] not in used]
            else:
                figures.pop("used")
            this[target.name] = {"burst": writes, "burst_health": health, "sustained": figures}
        this["load_after"] = os.getloadavg()[0]
        rounds.append(this)
    out["rounds"] = rounds
    progress("done")
    conn = Connection(service.port, tokens[1])
    _, metrics = await conn.request("GET", "/metrics")
    conn.close()
    out["list_evaluations"] = {
        name: float(value)
        for name, value in re.findall(
            r"^dunning_action_list_(computations_total|updates_total|update_seconds_sum"
            r"|computation_seconds_sum) ([0-9.e+-]+)$",
            metrics.decode(),
            re.MULTILINE,
        )
    }
    return out


def line(name: str, f: dict[str, Any]) -> str:
    """Return one phase's figures as a line of text."""
    if not f["requests"]:
        return f"  {name}: none"
    return (
        f"  {name}: {f['requests']} requests {f['statuses']}, server errors {f['server_errors']},"
        f" transport errors {f['transport_errors']}; p50 {f['p50_ms']:.1f} ms, p90"
        f" {f['p90_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms, max {f['max_ms']:.1f} ms"
    )


def ratio(measured: dict[str, Any], floor: dict[str, Any]) -> str:
    """Return the p99 of ``measured`` as a multiple of the floor's p99."""
    if not measured["p99_ms"] or not floor["p99_ms"]:
        return "-"
    return f"{measured['p99_ms'] / floor['p99_ms']:.2f}x"


def start_floor(url: str, workdir: Path, port: int | None) -> tuple[subprocess.Popen[bytes], int]:
    """Start the floor app (``bench/floor_app.py``) on ``url``; return its process and port."""
    from bench.floor_app import create_table
    from bench.http_load import free_port
    from store.connection import create_store_engine

    engine = create_store_engine(url)
    create_table(engine)
    engine.dispose()
    port = port or free_port()
    with (workdir / "floor.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "floor_app.py"), url, str(port)],
            cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process, port
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the floor app did not start:\n{(workdir / 'floor.log').read_text()}")


def summary(rounds: list[dict[str, Any]], what: str) -> tuple[list[float], list[float]]:
    """Return the service's and the floor app's p99 of ``what`` (burst or sustained) per round."""

    def p99(r: dict[str, Any], name: str) -> float:
        f = r[name][what] if what == "burst" else r[name]["sustained"]["writes"]
        return float(f["p99_ms"])

    return [p99(r, "service") for r in rounds], [p99(r, "floor") for r in rounds]


def report(figures: dict[str, Any], args: argparse.Namespace) -> str:
    """Return the figures as text: phase 1, each round, then min and median over the rounds."""
    lines = [
        f"{figures['backend']}: {figures['actions_on_list']} actions on the list",
        f"1. 50 writers, one action, at once\n{line('outcome', figures['same_action'])}",
    ]
    errors = figures["same_action"]["server_errors"] + figures["same_action"]["transport_errors"]
    for n, r in enumerate(figures["rounds"], 1):
        lines.append(f"round {n} (load average {r['load_before']:.1f} -> {r['load_after']:.1f})")
        for name in ("service", "floor"):
            t = r[name]
            s = t["sustained"]
            requests = sum(s[k]["requests"] for k in ("writes", "retries", "conflicts", "reads",
                                                        "floor"))  # fmt: skip
            lines += [
                f" {name}: 2. {args.writers} writers at once",
                line("write", t["burst"]),
                line("healthz", t["burst_health"]),
                f" {name}: 3. {args.writers} writers (mean wait {args.think} s), {args.readers}"
                f" readers (mean wait {args.read_think} s) for {s['seconds']:.0f} s:"
                f" {s['writes_per_s']:.0f} writes/s, {s['reads_per_s']:.0f} reads/s, server CPU"
                f" {s['server_cpu_s'] / s['seconds'] * 100:.0f} % of a core,"
                f" {s['server_cpu_s'] / max(requests, 1) * 1000:.2f} ms a request",
                line("write", s["writes"]),
                line("retry", s["retries"]),
                line("conflict", s["conflicts"]),
                line("list page", s["reads"]),
                line("healthz", s["floor"]),
            ]
            for f in (t["burst"], t["burst_health"], *(s[k] for k in ("writes", "retries",
                      "conflicts", "reads", "floor"))):  # fmt: skip
                errors += f["server_errors"] + f["transport_errors"]
    for what, label in (("burst", "2. burst"), ("sustained", "3. sustained")):
        mine, floors = summary(figures["rounds"], what)
        ratios = [m / f for m, f in zip(mine, floors, strict=True)]
        lines.append(
            f"{label}: outcome p99 min {min(mine):.1f} ms, median {statistics.median(mine):.1f} ms;"
            f" floor (one INSERT) p99 min {min(floors):.1f} ms, median"
            f" {statistics.median(floors):.1f} ms; outcome / floor min {min(ratios):.2f}x,"
            f" median {statistics.median(ratios):.2f}x"
        )
    mine, _ = summary(figures["rounds"], "sustained")
    met = "met" if statistics.median(mine) < TARGET_P99_MS else "MISSED"
    ev = figures["list_evaluations"]
    lines += [
        f"lists evaluated in full: {ev.get('computations_total', 0):.0f}"
        f" ({ev.get('computation_seconds_sum', 0):.2f} s), brought up to date:"
        f" {ev.get('updates_total', 0):.0f} ({ev.get('update_seconds_sum', 0):.2f} s)",
        f"server errors in all: {errors}; sustained outcome p99 (median of the rounds)"
        f" < {TARGET_P99_MS} ms: {met}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="Database URL (default: a SQLite file; a PostgreSQL "
                        "URL gets a schema of its own).")  # fmt: skip
    parser.add_argument("--writers", type=int, default=200)
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=20, help="Seconds of phase 3.")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="Rounds of phases 2 and 3, on the service and the floor app.",
    )
    parser.add_argument("--think", type=float, default=1.0,
                        help="Mean seconds a writer waits between outcomes (0: none).")  # fmt: skip
    parser.add_argument("--read-think", type=float, default=1.0,
                        help="Mean seconds a reader waits between pages (0: none).")  # fmt: skip
    parser.add_argument("--probes", type=int, default=10,
                        help="Clients sending GET /healthz in phase 3.")  # fmt: skip
    parser.add_argument("--customers", type=int, default=12_000,
                        help="Customers with an overdue invoice added to the demo.")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int,
                        help="Port of the service (the floor app takes the next one; default: "
                        "free ones).")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dunning-outcome-load-") as tmp:
        workdir = Path(tmp)
        url, collector, viewer, schema = prepare(args.database, workdir, args.customers)
        server = Server(url, workdir, pinned_ref(), args.port)
        floor_process = None
        try:
            server.wait_ready()
            floor_process, floor_port = start_floor(url, workdir, args.port and args.port + 1)
            service = Target("service", server.port, server.process.pid, "",
                             "/v1/actions?limit=100")  # fmt: skip
            floor_app = Target("floor", floor_port, floor_process.pid, "/floor", "/floor")
            figures = asyncio.run(run(service, floor_app, (collector, viewer), args))
        finally:
            if floor_process is not None:
                floor_process.terminate()
                floor_process.wait(timeout=15)
            server.stop()
            if schema is not None:
                drop_schema(args.database, schema)
    figures |= {
        "backend": "postgresql" if schema else "sqlite",
        "writers": args.writers,
        "readers": args.readers,
        "think_s": args.think,
        "read_think_s": args.read_think,
        "target_p99_ms": TARGET_P99_MS,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(report(figures, args))


if __name__ == "__main__":
    main()
