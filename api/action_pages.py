"""Pages of a computed action list as response bodies: JSON assembled from rendered actions, CSV.

A page is the actions after a cursor, in list order. The cursor is the sort key of the last
action shown (customer, step rank, occurrence, id), so a page stays correct while staff record
outcomes and actions leave the list; an offset would skip the actions that moved up.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json

from api.action_lists import COMPACT, ActionList, Filters, SortKey
from api.errors import InvalidRequestError
from engine.evaluate import action_order
from engine.model.actions import Action
from engine.report.render import RenderContext, render_csv


def encode_cursor(action: Action) -> str:
    """Return the opaque cursor that continues a page after ``action``."""
    raw = json.dumps(list(action_order(action)), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> SortKey:
    """Return the sort key in a cursor, or raise a 422 problem for a cursor we did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError) as exc:
        raise _bad_cursor() from exc
    if (
        isinstance(value, list)
        and len(value) == 4
        and isinstance(value[0], str)
        and isinstance(value[3], str)
        and type(value[1]) is int
        and type(value[2]) is int
    ):
        return (value[0], value[1], value[2], value[3])
    raise _bad_cursor()


def _bad_cursor() -> InvalidRequestError:
    return InvalidRequestError(
        "cursor is not one this service handed out: pass the next_cursor of the previous page",
        errors=[{"field": "query.cursor", "detail": "not a valid cursor", "code": "cursor"}],
    )


def page_json(
    listing: ActionList, filters: Filters, cursor: str | None, limit: int
) -> tuple[bytes, int]:
    """Return a page of the list as JSON bytes (``ActionPage``) and the matching total.

    Each page is assembled once per list (``ActionList.page``) and served as the same bytes.
    """
    return listing.page(
        (filters, cursor, limit), lambda: _render_page(listing, filters, cursor, limit)
    )


def _render_page(
    listing: ActionList, filters: Filters, cursor: str | None, limit: int
) -> tuple[bytes, int]:
    selection = listing.select(filters)
    after = decode_cursor(cursor) if cursor else None
    actions, more = selection.page(after, limit)
    next_cursor = encode_cursor(actions[-1]) if more and actions else None
    head = {
        "date": listing.evaluation.as_of.isoformat(),
        "total": len(selection.actions),
        "totals": listing.totals(filters),
        "limit": limit,
        "next_cursor": next_cursor,
    }
    # The actions are rendered once per list and spliced in as bytes.
    parts = [
        json.dumps(head, separators=COMPACT)[:-1].encode(),
        b',"policy_version":',
        listing.version_json,
        b',"items":[',
    ]
    for index, action in enumerate(actions):
        if index:
            parts.append(b",")
        parts.append(listing.action_json(action))
    parts.append(b"]}")
    return b"".join(parts), len(selection.actions)


def page_csv(
    listing: ActionList, filters: Filters, cursor: str | None, limit: int | None
) -> tuple[str, int]:
    """Return the matching actions after ``cursor`` (all of them without ``limit``) as CSV."""
    selection = listing.select(filters)
    after = decode_cursor(cursor) if cursor else None
    actions, _more = selection.page(after, limit)
    evaluation = dataclasses.replace(listing.evaluation, actions=actions)
    return render_csv(evaluation, RenderContext(with_messages=False)), len(selection.actions)


def action_detail_json(listing: ActionList, action: Action) -> bytes:
    """Return one action with its day and policy version as JSON bytes (``ActionDetail``)."""
    return b"".join(
        (
            b'{"date":"',
            listing.evaluation.as_of.isoformat().encode(),
            b'","policy_version":',
            listing.version_json,
            b',"action":',
            listing.action_json(action),
            b"}",
        )
    )
