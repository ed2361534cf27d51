"""ASGI middleware: request ids, metrics and a privacy-safe access log; the policy-version header.

Both are plain ASGI (no ``BaseHTTPMiddleware``): they sit on every request of the daily list and
cost a few microseconds. Every request gets an id of its own (``X-Request-ID`` on the response,
the ``instance`` of a problem, and the log lines about it), so an operator can find what
happened to a request without anyone quoting its path. The access log names the route template,
the status and the request id, never the concrete path, the query string or a header: paths and
queries carry customer ids and notes, headers carry tokens. (uvicorn's own access log is
switched off by ``dunning serve``.)
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import Metrics
from engine.model.actions import PolicyVersion

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_KEY = "request_id"
POLICY_VERSION_HEADER = "X-Policy-Version"
POLICY_DIGEST_HEADER = "X-Policy-Digest"
# Where a route puts the version it used (an action list's own, stamped when computed), so the
# header always names the version of the body even if a reload happened meanwhile.
STATE_VERSION_KEY = "policy_version"

access_log = logging.getLogger("api.access")


def stamp_version(request: Request, version: PolicyVersion) -> None:
    """Record the policy version a response is computed from, for its ``X-Policy-Version``."""
    request.scope.setdefault("state", {})[STATE_VERSION_KEY] = version


def request_id(scope: Scope) -> str:
    """Return the id of the request (given by ``ObserveMiddleware``; a new one outside it)."""
    state = scope.setdefault("state", {})
    found = state.get(REQUEST_ID_KEY)
    if found is None:
        found = state[REQUEST_ID_KEY] = str(uuid.uuid4())
    return str(found)


def route_template(scope: Scope) -> str:
    """Return the template of the route that answered (``/v1/actions/{action_id}``)."""
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return str(path) if path else "unmatched"


def version_headers(version: PolicyVersion) -> list[tuple[bytes, bytes]]:
    """Return the response headers naming ``version``: the commit (or digest), and the digest."""
    label = version.commit or version.digest
    return [
        (POLICY_VERSION_HEADER.lower().encode(), label.encode("latin-1")),
        (POLICY_DIGEST_HEADER.lower().encode(), version.digest.encode("latin-1")),
    ]


class ObserveMiddleware:
    """Gives every request an id, counts and times it by route template, and writes the access
    log line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        rid = request_id(scope)

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", rid.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route = route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d %.1fms request %s", method, route, status, elapsed * 1000, rid
                )


class PolicyVersionMiddleware:
    """Stamps every response with the policy version: the route's own, else the one in force."""

    def __init__(self, app: ASGIApp, in_force: Callable[[], PolicyVersion | None]) -> None:
        self.app = app
        self.in_force = in_force

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def stamp(message: Message) -> None:
            if message["type"] == "http.response.start":
                state = scope.get("state") or {}
                version = state.get(STATE_VERSION_KEY) or self.in_force()
                if version is not None:
                    message["headers"] = [*message.get("headers", []), *version_headers(version)]
            await send(message)

        await self.app(scope, receive, stamp)
