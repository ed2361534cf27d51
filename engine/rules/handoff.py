"""Rule "hand-off": a customer whose debt is with an agency or a solicitor is not chased here.

From the day the debt is handed off until the day the case is recalled, no step of the ladder
fires for the customer: every step that would have is reported as a suppression with code
``handoff`` (``engine.rules.suppressions``), so staff see why the customer is quiet. The rule is
documented in docs/rules/handoff.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from engine.model.handoff import TARGET_WORDS, Handoff


def handoff_in_force(handoffs: Iterable[Handoff], as_of: date) -> Handoff | None:
    """Return the hand-off open on ``as_of`` (the latest opened), or None."""
    open_now = [h for h in handoffs if h.open_on(as_of)]
    return max(open_now, key=lambda h: (h.opened, h.id), default=None)


def handoff_text(handoff: Handoff, step: str) -> str:
    """Return why a customer whose debt was handed off is not chased internally."""
    return (
        f"The debt was handed to {TARGET_WORDS.get(handoff.to, handoff.to)} on "
        f"{handoff.opened.isoformat()} (case {handoff.id}): it is not chased internally until the "
        f"case is recalled; the step '{step}' waits."
    )
