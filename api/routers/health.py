"""Health, readiness and metrics: for the orchestrator and Prometheus, without a token."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from api.action_lists import version_to_dict
from api.deps import ContextDep
from api.metrics import CONTENT_TYPE
from api.models import HealthOut, ReadyOut

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz", operation_id="health", summary="The process is up", response_model=HealthOut
)
async def health() -> dict[str, Any]:
    """Return ok while the process answers at all."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="ready",
    summary="The service can answer",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "No valid policy, or no database."}},
)
async def ready(context: ContextDep, response: Response) -> dict[str, Any]:
    """Return ready, degraded (the last reload was refused; the last good policy is served) or
    unavailable (503: no valid policy at all, or the database cannot be reached)."""
    holder = context.policies
    if holder.check_due():
        await run_in_threadpool(holder.current)
    status = holder.status()
    database_ok = await run_in_threadpool(context.database_ok)
    reasons = []
    if status.served is None:
        reasons.append("no valid policy is in force")
    if status.degraded and status.last_attempt is not None:
        reasons.append(status.last_attempt.message)
    if status.note:
        reasons.append(status.note)
    if not database_ok:
        reasons.append("the database cannot be reached")
    if status.served is None or not database_ok:
        state = "unavailable"
        response.status_code = 503
    else:
        state = "degraded" if status.degraded else "ready"
    return {
        "status": state,
        "policy_version": version_to_dict(status.served.version) if status.served else None,
        "database": "ok" if database_ok else "unreachable",
        "reasons": reasons,
    }


@router.get(
    "/metrics",
    operation_id="metrics",
    summary="Prometheus metrics",
    responses={200: {"content": {CONTENT_TYPE: {"schema": {"type": "string"}}}}},
    response_class=Response,
)
async def metrics(context: ContextDep) -> Response:
    """Return the service's metrics in the Prometheus text format."""
    return Response(context.metrics.exposition(), media_type=CONTENT_TYPE)
