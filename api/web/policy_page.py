"""The policy in force: commit, digest, when it was loaded, and the last reload's result."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from api.deps import ContextDep
from api.policy_view import policy_to_dict
from api.web.layout import page_context, pages_of
from api.web.provenance import link_to
from api.web.security import AdminFormDep, UserDep
from engine.model.source import Source

router = APIRouter(include_in_schema=False)


@router.get("/policy")
async def policy_page(request: Request, user: UserDep, context: ContextDep) -> Response:
    """Return the policy page (a refused reload lists its problems with file:line)."""
    holder = context.policies
    if holder.check_due():
        await run_in_threadpool(holder.current)
    status = holder.status()
    data = policy_to_dict(status)
    served = status.served
    links: dict[int, str | None] = {}
    last = status.last_attempt
    if served is not None and last is not None:
        for index, problem in enumerate(last.problems):
            # A refused commit's problems are in that commit, not in the one in force.
            version = served.version
            if last.commit:
                version = type(version)(digest="", commit=last.commit, ref=version.ref)
            source = Source(problem.file, problem.line, problem.column)
            links[index] = link_to(context.settings.policy_url, version, source)
    return pages_of(request).render(
        "policy.html",
        page_context(
            request,
            user,
            None,
            served.version if served else None,
            title="Policy in force",
            data=data,
            links=links,
            reloaded=request.query_params.get("reloaded", ""),
        ),
    )


@router.post("/policy/reload")
async def reload_page(user: AdminFormDep, context: ContextDep) -> Response:
    """Load the ref again (admins): put in force only if valid; show the result."""
    attempt = await run_in_threadpool(context.policies.reload, "request")
    return RedirectResponse(f"/policy?reloaded={'ok' if attempt.ok else 'refused'}", 303)
