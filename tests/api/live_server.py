"""A real ``dunning serve`` process on a free loopback port, for tests that need one."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import ROOT


def free_port() -> int:
    """Return a TCP port on the loopback interface that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True, slots=True)
class LiveServer:
    """A running ``dunning serve``: where it answers, its process and its log file."""

    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, sig: int = signal.SIGINT, timeout: float = 30) -> int:
        """Send ``sig`` and return the exit code (killing the process if it does not exit)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            pytest.fail(f"dunning serve did not stop within {timeout} s of signal {sig}")


@contextmanager
def live_server(db_url: str, repo: Path, log: Path, *options: str) -> Iterator[LiveServer]:
    """Yield a ``dunning serve`` of ``repo``'s main branch over ``db_url``, ready; stop it after."""
    port = free_port()
    command = [
        sys.executable, "-m", "dunning", "serve", "--port", str(port), "--database", db_url,
        "--repo", str(repo), "--policy-ref", "main", *options,
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{server.base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"dunning serve did not become ready:\n{log.read_text()}")
            time.sleep(0.2)
        yield server
    finally:
        server.stop()
