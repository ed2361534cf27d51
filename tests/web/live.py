"""A real workspace for browsers: the app served by uvicorn on a free loopback port, and
Debian's Chromium driven by Playwright (never a downloaded browser).

Used by the browser tests and by ``docs/screenshots/make_screenshots.py``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import Browser, Playwright
from sqlalchemy import Engine

from api.app import create_app
from api.settings import ApiSettings
from store.connection import create_store_engine
from store.demo import build_demo
from store.tokens import Role, create_token

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
INSTALL_CHROMIUM = "apt-get install -y chromium"
# Debian's Chromium in a container: no sandbox as root, nothing fetched in the background.
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
class ChromiumMissingError(RuntimeError):
    """Debian's Chromium is not installed."""


def launch_chromium(playwright: Playwright) -> Browser:
    """Return Debian's Chromium started headless, or raise with the command that installs it."""
    if not CHROMIUM.exists():
        raise ChromiumMissingError(
            f"the browser tests need Debian's Chromium at {CHROMIUM}: run `{INSTALL_CHROMIUM}`"
        )
    args = [*CHROMIUM_ARGS]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)


def demo_ledger(url: str, day: date) -> dict[str, str]:
    """Build the demo ledger at ``url`` for ``day``; return a token per role (named by role)."""
    engine: Engine = create_store_engine(url)
    try:
        build_demo(engine, day, 1, ROOT)
        with engine.begin() as conn:
            issued = {role.value: create_token(conn, f"ann-{role.value}", role).token
                      for role in Role}
    finally:
        engine.dispose()
    return issued


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve(url: str, repo: Path, **settings: Any) -> Iterator[str]:
    """Serve the app on a free loopback port while the block runs; yield its base URL."""
    config = replace(ApiSettings(database_url=url, repo=repo, policy_ref="main"), **settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_level="warning",
                       access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the workspace did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
