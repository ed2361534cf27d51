"""A customer's timeline as JSON-ready data (the API) and as text (``dunning customer``)."""

from __future__ import annotations

from typing import Any

from engine.model.money import money_string
from engine.model.timeline import Timeline, TimelineEntry

STATUS_LABELS = {
    "done": "done",
    "skipped": "skipped",
    "failed": "not done",
    "superseded": "superseded",
    "pending": "pending",
    "kept": "kept",
    "broken": "broken",
    "open": "open",
    "resolved": "resolved",
}


def entry_to_dict(entry: TimelineEntry) -> dict[str, Any]:
    """Return one timeline entry as JSON-ready data (money as a decimal string)."""
    return {
        "date": entry.day.isoformat(),
        "at": entry.at.isoformat() if entry.at else None,
        "kind": entry.kind,
        "title": entry.title,
        "detail": entry.detail,
        "who": entry.who or None,
        "status": entry.status,
        "amount": (
            money_string(entry.amount, entry.currency)
            if entry.amount is not None and entry.currency
            else None
        ),
        "currency": entry.currency,
        "invoices": list(entry.invoices),
        "ref": entry.ref,
    }


def timeline_to_dict(timeline: Timeline) -> dict[str, Any]:
    """Return the timeline as JSON-ready data, newest entry first."""
    return {
        "customer": {"id": timeline.customer_id, "name": timeline.customer_name},
        "date": timeline.as_of.isoformat(),
        "entries": [entry_to_dict(entry) for entry in timeline.entries],
    }


def render_timeline_text(timeline: Timeline) -> str:
    """Return the timeline as lines for a terminal: date, what, who, then the detail indented."""
    lines = [
        f"Timeline of {timeline.customer_id} {timeline.customer_name} up to {timeline.as_of}"
        f" ({len(timeline.entries)} entries, newest first)",
    ]
    if not timeline.entries:
        lines.append("Nothing has happened on this account yet.")
    for entry in timeline.entries:
        head = f"{entry.day}  {entry.title}"
        if entry.status and entry.kind in ("promise", "dispute"):
            head += f" [{STATUS_LABELS.get(entry.status, entry.status)}]"
        if entry.who:
            head += f"  by {entry.who}"
        lines.append(head)
        lines.extend(f"            {line}" for line in entry.detail.splitlines() if line.strip())
    return "\n".join(lines) + "\n"
