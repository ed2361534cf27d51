"""The staff workspace: server-rendered pages on the API's app, under ``/`` (the API is ``/v1``).

Today (the day's list), an action (message, reasons, outcome forms), a customer (balances, aging,
charges, timeline, effective policy, notes) and the policy in force. Pages call the same code as
the API (the list cache, ``api.outcomes``, ``api.customer_view``, ``store.timeline``); they add
sign-in with a session cookie, CSRF keys and a strict Content-Security-Policy (``security``).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from api.errors import ApiError
from api.web import (
    action_page,
    case_page,
    customer_page,
    decisions_page,
    policy_page,
    reports_page,
    signin,
    today_page,
)
from api.web.security import NOT_PAGES, PageError, PageHeadersMiddleware, SignInRequiredError
from api.web.templating import STATIC, Pages

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def install_web(app: FastAPI) -> None:
    """Add the workspace's pages, static files, headers and error pages to ``app``."""
    app.state.pages = Pages()
    for module in (
        signin, today_page, action_page, customer_page, case_page, decisions_page, policy_page,
        reports_page,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(PageHeadersMiddleware)
    app.add_exception_handler(SignInRequiredError, _sign_in)
    app.add_exception_handler(PageError, _page_error)
    # The API's errors stay problem+json under /v1; on a page they are an HTML page.
    for kind in (ApiError, RequestValidationError):
        app.add_exception_handler(kind, _on_pages(app.exception_handlers[kind]))


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequiredError)
    return RedirectResponse("/signin?" + urlencode({"next": exc.next_url}), status_code=303)


def error_page(
    request: Request, status: int, title: str, detail: str, back: str | None
) -> Response:
    """Return an error as a page of the workspace."""
    pages: Pages = request.app.state.pages
    return pages.render(
        "error.html",
        {"title": title, "detail": detail, "back": back, "status": status, "user": None,
         "csrf": "", "path": request.url.path},
        status,
    )


async def _page_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return error_page(request, exc.status, exc.title, exc.detail, exc.back)


def _on_pages(api_handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith(NOT_PAGES):
            answered = api_handler(request, exc)
            return await answered if inspect.isawaitable(answered) else answered
        if isinstance(exc, ApiError):
            return error_page(request, exc.status, exc.title, exc.detail, "/")
        return error_page(
            request, 422, "The address has a value this page cannot use",
            "Check the date (YYYY-MM-DD, 1900-01-01 to 2199-12-31) and the other values in the "
            "address, or start again from Today.", "/",
        )

    return handle
