"""``/v1/policy``: the policy in force, its version and the last reload; reloading it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from api.deps import AdminDep, ContextDep, ViewerDep
from api.errors import PolicyRefusedError, problem_responses
from api.models import PolicyOut
from api.policy_view import attempt_to_dict, policy_to_dict

router = APIRouter(prefix="/v1/policy", tags=["policy"])


@router.get(
    "",
    operation_id="getPolicy",
    summary="The policy in force",
    response_model=PolicyOut,
    responses=problem_responses(401, 403),
)
async def get_policy(_: ViewerDep, context: ContextDep) -> dict[str, Any]:
    """Return the version in force (commit, digest, when loaded), its ladders and terms, and the
    state of the last reload attempt (a refused commit is listed with its problems)."""
    holder = context.policies
    if holder.check_due():
        await run_in_threadpool(holder.current)
    return policy_to_dict(holder.status())


@router.post(
    "/reload",
    operation_id="reloadPolicy",
    summary="Load the policy of the ref again",
    response_model=PolicyOut,
    responses=problem_responses(401, 403, 422),
)
async def reload_policy(_: AdminDep, context: ContextDep) -> dict[str, Any]:
    """Load the ref's commit (or the files) and put it in force only if it validates.

    A refused policy answers 422 with its problems; the previous policy stays in force.
    """
    attempt = await run_in_threadpool(context.policies.reload, "request")
    status = context.policies.status()
    if not attempt.ok:
        body = policy_to_dict(status)
        raise PolicyRefusedError(
            attempt.message,
            attempt=attempt_to_dict(attempt),
            policy_version=body["policy_version"],
        )
    return policy_to_dict(status)
