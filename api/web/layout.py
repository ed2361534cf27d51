"""What every page shows around its content: who is signed in, the day, the policy in force."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from api.web.security import WebUser
from api.web.templating import Pages
from engine.model.actions import PolicyVersion


def pages_of(request: Request) -> Pages:
    """Return the app's page renderer."""
    pages: Pages = request.app.state.pages
    return pages


def page_context(
    request: Request, user: WebUser, day: date | None, version: PolicyVersion | None, **extra: Any
) -> dict[str, Any]:
    """Return the context every page's layout needs, plus ``extra``."""
    return {
        "user": user,
        "csrf": user.csrf,
        "day": day,
        "day_query": urlencode({"date": day.isoformat()}) if day else "",
        "version": version,
        "path": request.url.path,
        "can_record": user.may("collector"),
        "can_administer": user.may("admin"),
        **extra,
    }
