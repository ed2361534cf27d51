"""Property-based requests from the app's own OpenAPI schema: no server error, conforming answers.

Bounded (25 examples an operation, no shrinking) and marked slow. The calls carry an admin token
so generated requests get past authentication into every route; schemathesis also sends
requests without it, which must answer 401.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from sqlalchemy import Engine

from api.app import create_app
from api.settings import ApiSettings
from tests.api.conftest import ROOT, Tokens
from tests.api.ledger_data import seed

pytestmark = pytest.mark.slow

# The schema does not depend on the database or the policy: read it from an app that never
# touches either. Each test then calls an app of its own, on a fresh database.
# Schema-valid requests may still be refused with 422 for what a schema cannot say: an unknown
# customer in an import, a dispute of an invoice the action does not cover, a stale cursor.
# Negative data is still generated (and must never cause a 5xx), but its rejection is not
# checked: in a query string a "wrong type" such as the boolean false arrives as the valid string
# "false", which schemathesis would then call an accepted invalid request.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
            },
            "negative_data_rejection": {"enabled": False},
        }
    }
)
schema = schemathesis.openapi.from_asgi(
    "/openapi.json", create_app(ApiSettings(database_url="sqlite://", repo=ROOT)), config=CONFIG
)


@pytest.fixture
def app(settings: ApiSettings, engine: Engine) -> FastAPI:
    seed(engine)
    return create_app(settings)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests(case: schemathesis.Case[Any], app: FastAPI, tokens: Tokens) -> None:
    case.call_and_validate(app=app, headers=tokens.headers("admin"))
