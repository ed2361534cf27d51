"""Signing in (an API token for a session cookie) and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.deps import ContextDep
from api.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    SIGNIN_COOKIE,
    UserDep,
    local_path,
    new_signin_key,
    same_key,
    set_cookie,
)
from api.web.templating import Pages
from store.web_sessions import StartedSession, end_session, purge_expired, start_session

router = APIRouter(include_in_schema=False)
# The sign-in form's double-submit key lives as long as someone may take to paste a token.
SIGNIN_KEY_SECONDS = 3600


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _form(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    key = new_signin_key()
    response = _pages(request).render(
        "signin.html",
        {"key": key, "next": local_path(next_url), "error": error, "user": None, "csrf": ""},
        status,
    )
    set_cookie(request, response, SIGNIN_COOKIE, key, SIGNIN_KEY_SECONDS)
    return response


@router.get("/signin")
async def signin_page(request: Request, next: str = "/") -> Response:
    """Return the sign-in form."""
    return _form(request, next)


@router.post("/signin")
async def signin(
    request: Request,
    context: ContextDep,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Exchange an API token for a session cookie, then go where the user was going."""
    if not same_key(csrf, request.cookies.get(SIGNIN_COOKIE, "")):
        return _form(
            request,
            next,
            "The sign-in form had expired (or came from another site). Paste your token again.",
            403,
        )

    def start() -> StartedSession | None:
        with context.engine.begin() as conn:
            # Signing in is rare: the moment to drop sessions that ended long ago.
            purge_expired(conn)
            return start_session(conn, token.strip())

    started = await run_in_threadpool(start) if token.strip() else None
    if started is None:
        return _form(
            request,
            next,
            "That token is not one this service knows, or it was revoked. Ask an admin for one "
            "(`dunning token create --role collector --name YOUR-NAME`).",
            401,
        )
    response = RedirectResponse(local_path(next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, started.cookie, SESSION_MAX_AGE)
    response.delete_cookie(SIGNIN_COOKIE, path="/")
    return response


@router.post("/signout")
async def signout(request: Request, context: ContextDep, user: UserDep) -> Response:
    """End the session (with the form's CSRF key, so no other site can sign anyone out)."""
    form = await request.form()
    given = form.get(CSRF_FIELD)
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if same_key(given if isinstance(given, str) else None, user.csrf) and cookie:

        def end() -> None:
            with context.engine.begin() as conn:
                end_session(conn, cookie)

        await run_in_threadpool(end)
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    return RedirectResponse("/", status_code=303)
