"""``/v1/customers/{id}``: a customer's state, effective policy, suppressions and history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from api.customer_view import customer_detail
from api.deps import ContextDep, DayDep, PolicyDep, ViewerDep
from api.errors import problem_responses
from api.models import ID_PATTERN, CustomerDetail

router = APIRouter(prefix="/v1/customers", tags=["customers"])


@router.get(
    "/{customer_id}",
    operation_id="getCustomer",
    summary="A customer's state on a day",
    response_model=CustomerDetail,
    responses=problem_responses(401, 403, 404, 422, 503),
)
def get_customer(
    _: ViewerDep,
    context: ContextDep,
    served: PolicyDep,
    day: DayDep,
    customer_id: Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)],
) -> dict[str, Any]:
    """Return the customer's open invoices, balance and aging, the effective policy with the layer
    that set each value, today's actions, the suppressions in force, and the history of actions,
    promises and disputes."""
    return customer_detail(context.engine, served, customer_id, day)
