"""Benchmark: HTTP load on ``GET /v1/actions?limit=100`` against a real ``dunning serve``.

    python bench/http_load.py                         # demo ledger, 50 clients, 15 s, wrk
    python bench/http_load.py --clients 50 --duration 30
    python bench/http_load.py --database sqlite:///bench/out/ledger-100000-7.db
    python bench/http_load.py --tool python           # the asyncio + httpx load generator

The server is started as users start it (``python -m dunning serve``), on a free loopback port,
serving the committed policy of this checkout (``--policy-ref`` the commit of HEAD, pinned so a
commit during the run cannot trigger a reload) over the demo ledger built
for today (or the database given, migrated and with a token added). The first request computes
the day's list and is timed on its own; the load then runs against the computed list, which is
what the target (p99 under 50 ms at 50 concurrent clients) is about.

The load comes from wrk (Debian's ``wrk`` package) when it is installed: it is written in C and
leaves the second core to the server. ``--tool python`` uses an asyncio + httpx generator instead,
which needs no install but spends a core of its own parsing the responses, so its figures are
lower bounds for the server. Everything runs on loopback and stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

POLICY_TIMEZONE = "Europe/London"  # policies/policy.yaml: the demo is built for this "today"


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def prepare_database(url: str | None, workdir: Path) -> tuple[str, str]:
    """Return the database URL (building the demo ledger when none is given) and a viewer token."""
    from store.connection import create_store_engine
    from store.demo import build_demo
    from store.migrate import upgrade
    from store.tokens import Role, create_token

    if url is None:
        url = f"sqlite:///{workdir / 'demo.db'}"
        engine = create_store_engine(url)
        today = datetime.now(ZoneInfo(POLICY_TIMEZONE)).date()
        summary = build_demo(engine, today, policy_root=ROOT)
        print(
            f"demo ledger for {today}: {summary.customers} customers, {summary.invoices} invoices"
        )
    else:
        engine = create_store_engine(url)
        upgrade(engine)
    with engine.begin() as conn:
        token = create_token(conn, f"bench-{time.time_ns()}", Role.VIEWER).token
    engine.dispose()
    return url, token


def pinned_ref() -> str:
    """Return the commit of HEAD, so that a commit made during the run cannot move the policy."""
    done = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else "HEAD"


class Server:
    """A ``dunning serve`` child process on a free port."""

    def __init__(self, database: str, workdir: Path, ref: str, port: int | None = None) -> None:
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = workdir / "serve.log"
        command = [
            sys.executable, "-m", "dunning", "serve", "--port", str(self.port),
            "--database", database, "--repo", str(ROOT), "--policy-ref", ref,
            "--log-level", "warning",
        ]  # fmt: skip
        with self.log.open("w") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=out)

    def wait_ready(self, timeout: float = 60) -> None:
        """Return when ``/readyz`` answers 200; raise with the server's log otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"dunning serve did not become ready:\n{self.log.read_text()}")

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the server process has used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """Stop the server (SIGINT: uvicorn's graceful shutdown), killing it if it hangs."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_wrk(url: str, token: str, clients: int, duration: int) -> dict[str, Any]:
    """Return p50, p99 (ms) and requests/s measured by wrk."""
    command = [
        "wrk", "-t2", f"-c{clients}", f"-d{duration}s", "--latency", "--timeout", "10s",
        "-H", f"Authorization: Bearer {token}", url,
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=duration + 60
    )
    out = done.stdout

    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if match is None:
            raise SystemExit(f"could not read the {label} latency from wrk:\n{out}")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "tool": "wrk",
        "p50_ms": latency("50%"),
        "p90_ms": latency("90%"),
        "p99_ms": latency("99%"),
        "requests_per_s": float(rate.group(1)) if rate else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "errors": int(errors.group(1)) if errors else 0,
    }


async def _python_load(url: str, token: str, clients: int, duration: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(limits=limits, headers=headers, timeout=30) as client:
        deadline = time.perf_counter() + duration

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "tool": "python (asyncio + httpx)",
        "p50_ms": cuts[49] * 1000,
        "p90_ms": cuts[89] * 1000,
        "p99_ms": cuts[98] * 1000,
        "requests_per_s": len(latencies) / elapsed,
        "requests": len(latencies),
        "errors": errors,
    }


def run_python(url: str, token: str, clients: int, duration: int) -> dict[str, Any]:
    """Return p50, p99 (ms) and requests/s measured by the asyncio + httpx generator."""
    return asyncio.run(_python_load(url, token, clients, duration))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", help="Database URL (default: a fresh demo ledger).")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=15, help="Seconds of load.")
    parser.add_argument("--limit", type=int, default=100, help="Page size asked for.")
    parser.add_argument("--tool", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    parser.add_argument("--port", type=int, help="Serve on this port (default: a free one).")
    args = parser.parse_args()

    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    with tempfile.TemporaryDirectory(prefix="dunning-http-load-") as tmp:
        workdir = Path(tmp)
        database, token = prepare_database(args.database, workdir)
        server = Server(database, workdir, pinned_ref(), args.port)
        try:
            server.wait_ready()
            url = f"{server.base}/v1/actions?limit={args.limit}"
            start = time.perf_counter()
            first = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=600)
            first_ms = (time.perf_counter() - start) * 1000
            first.raise_for_status()
            page = first.json()
            measure = run_wrk if tool == "wrk" else run_python
            cpu = server.cpu_seconds()
            load = os.getloadavg()[0]
            figures = measure(url, token, args.clients, args.duration)
            cpu = server.cpu_seconds() - cpu
            figures["load_average"] = (load, os.getloadavg()[0])
        finally:
            server.stop()
    figures |= {
        "clients": args.clients,
        "duration_s": args.duration,
        "actions_on_list": page["total"],
        "page_bytes": len(first.content),
        "first_request_ms": first_ms,
        "target_p99_ms": 50,
        "server_cpu_us_per_request": cpu / max(figures["requests"], 1) * 1e6,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    met = "met" if figures["p99_ms"] < 50 else "MISSED"
    print(
        f"GET /v1/actions?limit={args.limit}: {figures['clients']} clients for "
        f"{figures['duration_s']} s ({figures['tool']})\n"
        f"  list: {figures['actions_on_list']} actions; page {figures['page_bytes']:,} bytes; "
        f"first request (computes the list) {first_ms:.0f} ms\n"
        f"  p50 {figures['p50_ms']:.1f} ms  p90 {figures['p90_ms']:.1f} ms  "
        f"p99 {figures['p99_ms']:.1f} ms  {figures['requests_per_s']:.0f} req/s  "
        f"({figures['requests']} requests, {figures['errors']} errors)\n"
        f"  server CPU {figures['server_cpu_us_per_request']:.0f} µs a request; load average "
        f"{figures['load_average'][0]:.1f} before, {figures['load_average'][1]:.1f} after\n"
        f"  target p99 < 50 ms: {met}"
    )


if __name__ == "__main__":
    main()
