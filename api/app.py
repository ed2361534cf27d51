"""The FastAPI application: ``create_app(settings)`` wires routers, errors, auth and middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.utils import get_openapi

from api.context import AppContext
from api.errors import FailureMiddleware, install_problem_handlers
from api.middleware import ObserveMiddleware, PolicyVersionMiddleware
from api.models import Problem
from api.portal_page import install_portal
from api.request_guard import RequestGuardMiddleware
from api.routers import (
    actions,
    customers,
    handoffs,
    health,
    ledger,
    ledger_files,
    policy,
    reports,
    workspace,
    write_offs,
)
from api.settings import ApiSettings
from api.web import install_web
from engine.model.actions import PolicyVersion
from store.portal_links import PortalLinks

DESCRIPTION = """\
The daily dunning action list, computed from the committed collections policy and the ledger.

Every response carries `X-Policy-Version` (the git commit of the policy in force, or its digest
when served from files) and `X-Policy-Digest`. Errors are `application/problem+json` (RFC 9457).
Authenticate with `Authorization: Bearer <token>`; roles: viewer (read), collector (read and
record outcomes), admin (everything).
"""


def create_app(settings: ApiSettings, *, context: AppContext | None = None) -> FastAPI:
    """Return the app for ``settings`` (the policy is loaded at startup or on first use)."""
    ctx = context or AppContext.build(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(ctx.policies.current)
        yield
        ctx.close()

    app = FastAPI(
        title="dunning-as-code",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.context = ctx
    install_problem_handlers(app)
    for module in (
        actions, customers, policy, ledger, ledger_files, reports, health, workspace, handoffs,
        write_offs,
    ):
        app.include_router(module.router)

    def in_force() -> PolicyVersion | None:
        served = ctx.policies.served()
        return served.version if served else None

    install_web(app)
    install_portal(app, PortalLinks(settings.portal) if settings.portal else None)
    # Added innermost first. From the outside: request id, metrics and access log; the
    # policy-version header on every response; unexpected failures answered as problems; who
    # sends a request and how large its body is, checked before the body is read.
    app.add_middleware(
        RequestGuardMiddleware,
        tokens=ctx.tokens,
        max_body_bytes=settings.max_body_bytes,
        max_import_bytes=settings.max_import_bytes,
    )
    app.add_middleware(FailureMiddleware)
    app.add_middleware(PolicyVersionMiddleware, in_force=in_force)
    app.add_middleware(ObserveMiddleware, metrics=ctx.metrics)
    app.openapi = _openapi(app)  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> Callable[[], dict[str, Any]]:
    """Return the schema builder: FastAPI's, plus the ``Problem`` schema the errors refer to."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(problem.pop("$defs", {}))
        components["Problem"] = problem
        app.openapi_schema = schema
        return schema

    return build
