"""What a request must show before its body is read: who sends it, and a body of bounded size.

FastAPI reads and parses a route's body before it runs the route's dependencies, so a bearer
token was checked only after the whole body had been parsed: a 30 MB body without a token lifted
the server by 900 MB, stalled every other request and then answered 400, not 401. This ASGI
middleware sits in front of every route, the routes other modules add included, and watches the
body's source:

- **Authentication first.** When a route asks for the first bytes of the body, and the route the
  router chose depends on ``RequireRole``, the request is authenticated and its role checked,
  with the same functions that dependency uses: 401 or 403 with the body unread. Routes without
  a bearer role (the sign-in form, the staff pages, which check their session before they read a
  form) are left to their own checks.
- **A bounded body.** A declared ``Content-Length`` above ``ApiSettings.max_body_bytes`` is
  refused (413) before a byte is read; a body sent without one (chunked) is counted as it is read
  and refused when it passes the limit, so no route ever holds more than the limit. A route that
  streams its body to disk (``streamed_body``: the CSV imports) has a limit of its own,
  ``ApiSettings.max_import_bytes``.

The refusals are raised as HTTP exceptions (``api.errors.RequestRefused``), the only kind FastAPI
lets through from a body read, and answered as problems. FastAPI's own ``max_body_size`` is not
used: it answers in plain text rather than a problem, and when the declared length is over its
limit it replaces whatever the app answered, a 401 included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import TokenVerifier, authorise, bearer_principal
from api.deps import RequireRole
from api.errors import ApiError, BodyTooLargeError, RequestRefused
from store.tokens import Role

_STREAMED = "dunning_streamed_body"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def streamed_body(endpoint: Endpoint) -> Endpoint:
    """Mark a route that streams its body to disk rather than parsing it in memory (a CSV
    import): its body may be up to ``ApiSettings.max_import_bytes``."""
    setattr(endpoint, _STREAMED, True)
    return endpoint


def is_streamed(route: object) -> bool:
    """Return whether ``route`` streams its body (``streamed_body``)."""
    return bool(getattr(getattr(route, "endpoint", None), _STREAMED, False))


def route_roles(route: object) -> tuple[Role, ...]:
    """Return the roles a route requires through ``RequireRole`` (none: not a bearer route)."""
    if not isinstance(route, APIRoute):
        return ()
    return tuple(dict.fromkeys(_roles(route.dependant)))


def _roles(dependant: Dependant) -> Iterator[Role]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RequireRole):
            yield sub.call.role
        yield from _roles(sub)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


class RequestGuardMiddleware:
    """Authenticates a request to a bearer route before its body is read; bounds every body."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tokens: TokenVerifier,
        max_body_bytes: int,
        max_import_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.limit = max_body_bytes
        self.import_limit = max_body_bytes if max_import_bytes is None else max_import_bytes
        self._roles: dict[int, tuple[Role, ...]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.app(scope, self._guarded(scope, receive), send)

    def _guarded(self, scope: Scope, receive: Receive) -> Receive:
        """Return ``receive`` that checks the sender on the first read and counts the bytes."""
        checked = False
        seen = 0
        limit = self.limit

        async def guarded() -> Message:
            nonlocal checked, seen, limit
            if not checked:
                limit = await self._check(scope)
                checked = True
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise RequestRefused(BodyTooLargeError(limit))
            return message

        return guarded

    async def _check(self, scope: Scope) -> int:
        """Refuse the request before its body is read: an unknown sender, a role too low, a
        declared length over the limit; return the route's limit."""
        route = scope.get("route")
        limit = self.import_limit if is_streamed(route) else self.limit
        roles = self._roles.get(id(route))
        if roles is None:
            roles = self._roles[id(route)] = route_roles(route)
        if roles:
            principal = await bearer_principal(self.tokens, _header(scope, b"authorization"))
            try:
                for role in roles:
                    authorise(principal, role)
            except ApiError as refused:
                raise RequestRefused(refused) from None
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise RequestRefused(BodyTooLargeError(limit))
        return limit
