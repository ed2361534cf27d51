"""Errors as ``application/problem+json`` (RFC 9457): the typed domain errors and their handlers.

Routes and services raise an ``ApiError`` subclass; ``install_problem_handlers`` maps it, and
FastAPI's own validation and HTTP errors, to a problem document in one place. No handler echoes
what the client sent (a token, a customer's data) back into the response or the log: a problem's
``instance`` is the request's id (``urn:uuid:…``, also in ``X-Request-ID`` and the log), never
its path, which holds customer and action ids.

An unexpected failure (``FailureMiddleware``) answers a bare 500 and is logged with the error's
class, the request id, the route template and the traceback's frames (file, line, function):
never the error's message or arguments, which may quote a customer id, an amount or an SQL
parameter. SQLite's "database is locked" (another process wrote for longer than the busy
timeout) answers 503 with ``Retry-After`` instead.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.middleware import request_id, route_template
from store.connection import is_busy_error

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:dunning:problem:"

log = logging.getLogger("api.errors")


class ProblemResponse(JSONResponse):
    """A JSON response sent as ``application/problem+json``."""

    media_type = PROBLEM_MEDIA_TYPE


class ApiError(Exception):
    """A failure the client can act on; subclasses fix the status and the problem type."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions

    def headers(self) -> Mapping[str, str]:
        """Return extra response headers for this problem."""
        return {}


class UnauthenticatedError(ApiError):
    """No bearer token, or one the service does not know (or that was revoked)."""

    status = 401
    code = "unauthenticated"
    title = "Authentication required"

    def headers(self) -> Mapping[str, str]:
        return {"WWW-Authenticate": 'Bearer realm="dunning"'}


class ForbiddenError(ApiError):
    """A known token whose role may not do this."""

    status = 403
    code = "forbidden"
    title = "Not allowed for this role"


class NotFoundError(ApiError):
    """The thing named in the path does not exist (or is not on the list for that day).

    Its detail names the kind of thing, never the id: the caller has the path.
    """

    status = 404
    code = "not-found"
    title = "Not found"


CUSTOMER_NOT_FOUND = "The customer named in the path is not in the ledger."


class ConflictError(ApiError):
    """The request contradicts what is already recorded."""

    status = 409
    code = "conflict"
    title = "Conflict"


class InvalidRequestError(ApiError):
    """The request is well-formed but cannot be carried out as asked (field errors attached)."""

    status = 422
    code = "invalid-request"
    title = "The request has invalid values"


class PolicyUnavailableError(ApiError):
    """No valid policy has been loaded yet, so nothing can be evaluated."""

    status = 503
    code = "policy-unavailable"
    title = "No valid policy is loaded"


class PolicyRefusedError(ApiError):
    """A reload found the new policy invalid (or its ref missing); the old one stays in force."""

    status = 422
    code = "policy-invalid"
    title = "The new policy was refused"


def problem_body(
    status: int, code: str, title: str, detail: str, instance: str, **extensions: Any
) -> dict[str, Any]:
    """Return an RFC 9457 problem document."""
    return {
        "type": PROBLEM_TYPE_PREFIX + code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extensions,
    }


def field_path(loc: Sequence[str | int]) -> str:
    """Return a location as people read it: ``query.limit``, ``body.rows[3].amount``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def json_pointer(loc: Sequence[str | int]) -> str | None:
    """Return the JSON Pointer (RFC 6901) into the request body, or None outside the body."""
    if not loc or loc[0] != "body":
        return None
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in loc[1:]]
    return "/" + "/".join(parts) if parts else ""


def _without_tags(loc: Sequence[str | int], body: Any) -> tuple[str | int, ...]:
    """Return ``loc`` without the tags pydantic inserts for tagged unions.

    An outcome body ``{"outcome": "promise", "amount": 1.5}`` fails at ``body.promise.amount``:
    ``promise`` names the union member, not a key of the body. A step that is not a key of the
    object at hand but is one of its values is such a tag.
    """
    if not loc or loc[0] != "body":
        return tuple(loc)
    out: list[str | int] = ["body"]
    current = body
    for part in loc[1:]:
        if (
            isinstance(current, Mapping)
            and isinstance(part, str)
            and part not in current
            and part in {v for v in current.values() if isinstance(v, str)}
        ):
            continue
        out.append(part)
        if isinstance(current, Mapping) and isinstance(part, str):
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        else:
            current = None
    return tuple(out)


def validation_errors(
    errors: Sequence[Mapping[str, Any]], body: Any = None
) -> list[dict[str, Any]]:
    """Return pydantic's errors as field problems, without the offending input values."""
    out = []
    for error in errors:
        loc = _without_tags(tuple(error.get("loc", ())), body)
        item: dict[str, Any] = {
            "field": field_path(loc),
            "detail": str(error.get("msg", "invalid value")),
            "code": str(error.get("type", "invalid")),
        }
        pointer = json_pointer(loc)
        if pointer is not None:
            item["pointer"] = pointer
        out.append(item)
    return out


def _instance(request: Request) -> str:
    return instance(request.scope)


def instance(scope: Scope) -> str:
    """Return a problem's ``instance``: the request id as a URN (the path holds ids)."""
    return f"urn:uuid:{request_id(scope)}"


def problem_response(scope: Scope, exc: ApiError) -> ProblemResponse:
    """Return the problem response of ``exc`` for the request of ``scope``."""
    body = problem_body(exc.status, exc.code, exc.title, exc.detail, instance(scope),
                        **exc.extensions)  # fmt: skip
    return ProblemResponse(body, status_code=exc.status, headers=dict(exc.headers()))


async def _api_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ApiError)
    return problem_response(request.scope, exc)


class BodyTooLargeError(ApiError):
    """The request's body is larger than the service takes (``ApiSettings.max_body_bytes``)."""

    status = 413
    code = "content-too-large"
    title = "The request is too large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request's body is larger than {limit:,} bytes, the most this service takes; "
            "nothing was read or changed. Send the rows in smaller batches.",
            limit_bytes=limit,
        )


async def _validation_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors(), exc.body)
    fields = ", ".join(e["field"] for e in errors[:5])
    detail = f"{len(errors)} invalid value{'s' if len(errors) != 1 else ''}: {fields}"
    invalid = InvalidRequestError
    body = problem_body(422, invalid.code, invalid.title, detail, _instance(request), errors=errors)
    return ProblemResponse(body, status_code=422)


async def _http_error(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    code = phrase.lower().replace(" ", "-").replace("'", "")
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    body = problem_body(status, code, phrase, detail, _instance(request))
    return ProblemResponse(body, status_code=status, headers=dict(exc.headers or {}))


class RequestRefused(StarletteHTTPException):
    """A request refused while its body is read (``api.request_guard``), carrying the problem:
    an HTTP exception, because FastAPI turns any other error raised from a body read into a 400."""

    def __init__(self, problem: ApiError) -> None:
        super().__init__(problem.status)
        self.problem = problem


async def _refused(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestRefused)
    return problem_response(request.scope, exc.problem)


class LedgerBusyError(ApiError):
    """Another process held the ledger's write lock for longer than the busy timeout."""

    status = 503
    code = "ledger-busy"
    title = "The ledger is busy"

    def headers(self) -> Mapping[str, str]:
        return {"Retry-After": "2"}


def failure_frames(exc: BaseException) -> str:
    """Return where ``exc`` (and the errors it was raised from) happened: the class of each and
    the frames of its traceback (file, line, function, source line), never its message."""
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.format_list(traceback.extract_tb(current.__traceback__))
        kind = type(current)
        parts.append(f"{kind.__module__}.{kind.__qualname__}:\n{''.join(frames)}")
        current = current.__cause__ or current.__context__
    return "caused by ".join(parts)


def log_failure(scope: Scope, exc: BaseException) -> None:
    """Log an unexpected failure for the operator: its class, the request id, the route and
    the traceback's frames; never its message, arguments or the request's values."""
    kind = type(exc)
    log.error(
        "unexpected %s.%s on %s %s, request %s\n%s",
        kind.__module__,
        kind.__qualname__,
        scope.get("method", "-"),
        route_template(scope),
        request_id(scope),
        failure_frames(exc),
    )


def _failure_response(scope: Scope, exc: BaseException) -> ProblemResponse:
    if is_busy_error(exc):
        busy = LedgerBusyError(
            "Another process (an import) is writing to the ledger; nothing was changed. "
            "Try again in a few seconds."
        )
        body = problem_body(busy.status, busy.code, busy.title, busy.detail, instance(scope))
        return ProblemResponse(body, status_code=busy.status, headers=dict(busy.headers()))
    body = problem_body(
        500,
        "internal-error",
        "Internal server error",
        "The service failed to answer; the operator's log has the details (find them by the "
        "request id).",
        instance(scope),
    )
    return ProblemResponse(body, status_code=500)


class FailureMiddleware:
    """Answers an unexpected failure with a problem (500, or 503 for a busy ledger) and logs it
    without values; the error never reaches the server, whose log would print its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            if not is_busy_error(exc):
                log_failure(scope, exc)
            if not started:
                await _failure_response(scope, exc)(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to its problem+json response."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestRefused, _refused)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI ``responses`` entries of the problems an operation can answer with."""
    content = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    out: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"description": HTTPStatus(status).phrase, "content": content}
        if status == 401:
            entry["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}
            }
        out[status] = entry
    out["default"] = {"description": "A problem (RFC 9457)", "content": content}
    return out
