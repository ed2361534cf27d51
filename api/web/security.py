"""Who is signed in, what they may do, and the headers every page carries.

- **Sessions**: the browser holds a random cookie (HttpOnly, SameSite=Strict, Secure over HTTPS),
  exchanged for an API token at sign-in (``store.web_sessions``). A page without a live session
  sends the browser to the sign-in page; a session ends when idle, after its lifetime, at sign-out,
  or when its token is revoked.
- **CSRF**: every form carries the session's CSRF key; a POST without it, or with another one, is
  refused (403) before anything is read or written. The sign-in form, sent before there is a
  session, carries a random key that must match a cookie set with the form (double submit).
- **Roles**: as in the API. Viewers read; collectors also record; admins also reload the policy.
- **Headers**: a strict Content-Security-Policy (scripts and styles only from our own static
  files: no inline script or style at all), no framing, no MIME sniffing, no referrer to other
  sites, and no caching of pages that show the ledger.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any, TypeAlias

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Principal
from api.deps import ContextDep
from store.tokens import Role
from store.web_sessions import LIFETIME, WebSession, find_session

SESSION_COOKIE = "dunning_session"
SIGNIN_COOKIE = "dunning_signin"
CSRF_FIELD = "csrf"

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    )
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
# Paths that are not pages: the API, its generated docs (which load their own scripts), probes.
NOT_PAGES = ("/v1/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")


class SignInRequiredError(Exception):
    """No live session: the browser is sent to the sign-in page, then back to ``next_url``."""

    def __init__(self, next_url: str) -> None:
        super().__init__("sign in first")
        self.next_url = next_url


class PageError(Exception):
    """A page that cannot be shown as asked: rendered as an HTML page with ``status``."""

    def __init__(self, status: int, title: str, detail: str, back: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.back = back


@dataclass(frozen=True, slots=True)
class WebUser:
    """The person signed in: the token's name and role, and the CSRF key of their session."""

    name: str
    role: Role
    csrf: str

    @property
    def principal(self) -> Principal:
        """Return the user as the API's principal (recorded as who did it)."""
        return Principal(self.name, self.role)

    def may(self, role: str) -> bool:
        """Return whether the user's role allows what ``role`` may do."""
        return self.role.allows(Role(role))


def is_https(request: Request) -> bool:
    """Return whether the browser talks to us over HTTPS (directly or through a proxy that says
    so to uvicorn's ``--proxy-headers``)."""
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Any, name: str, value: str, max_age: int) -> None:
    """Set a cookie only our pages read: HttpOnly, SameSite=Strict, Secure over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def local_path(target: str | None, default: str = "/") -> str:
    """Return ``target`` if it is a path on this site (never another host), else ``default``."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ch in target for ch in "\r\n\x00"):
        return default
    return target


def same_key(given: str | None, expected: str) -> bool:
    """Return whether a submitted key equals the expected one (constant-time)."""
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def new_signin_key() -> str:
    """Return a fresh key for the sign-in form's double-submit check."""
    return secrets.token_urlsafe(24)


async def current_user(request: Request, context: ContextDep) -> WebUser:
    """Return the signed-in user, or send the browser to the sign-in page."""
    cookie = request.cookies.get(SESSION_COOKIE)
    session: WebSession | None = None
    if cookie:

        def look_up() -> WebSession | None:
            with context.engine.begin() as conn:
                return find_session(conn, cookie)

        session = await run_in_threadpool(look_up)
    if session is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequiredError(target if request.method == "GET" else "/")
    return WebUser(session.name, session.role, session.csrf)


UserDep: TypeAlias = Annotated[WebUser, Depends(current_user)]


def allowed(role: str) -> Callable[..., Coroutine[Any, Any, WebUser]]:
    """Return a dependency for a form post: a signed-in user of ``role`` whose form carries the
    session's CSRF key (403 otherwise, before anything is read or written)."""

    async def check(request: Request, user: UserDep) -> WebUser:
        form = await request.form()
        if not same_key(_text(form.get(CSRF_FIELD)), user.csrf):
            raise PageError(
                403,
                "This form was not sent from your workspace",
                "The form's security key is missing or out of date (a page left open from an "
                "earlier session, or a form posted from another site). Nothing was recorded. "
                "Go back, reload the page and send it again.",
            )
        if not user.may(role):
            raise PageError(
                403,
                "Not allowed for your role",
                f"This needs the {role} role; you signed in as {user.name} with the "
                f"{user.role.value} role. Nothing was recorded.",
            )
        return user

    check.__name__ = f"form_of_{role}"
    return check


CollectorFormDep: TypeAlias = Annotated[WebUser, Depends(allowed("collector"))]
AdminFormDep: TypeAlias = Annotated[WebUser, Depends(allowed("admin"))]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


SESSION_MAX_AGE = int(LIFETIME.total_seconds())


class PageHeadersMiddleware:
    """Adds the security headers to every page (not to the API, its docs or the probes)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in PAGE_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if scope["type"] != "http" or path.startswith(NOT_PAGES):
            await self.app(scope, receive, send)
            return
        static = path.startswith("/static/")

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *self._headers]
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add)
