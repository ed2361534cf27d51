"""Rules "closed day" and "contact limit": the guardrails on contacting a customer.

With ``guardrails.contact_days: business`` no email, letter, call or text goes out on a closed
day of the policy calendar: it waits for the next business day. With
``guardrails.max_contacts_per_7_days`` the contacts done (or sent) in the seven days up to today
plus today's stay within the limit: the lowest-ranked of today's contacts wait. Holds, escalations
and reviews are not contacts and always go out. What waits is reported with the day it can go
out. The rules, with their names, are in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from engine.model.actions import CONTACT_KINDS, Action, Suppression
from engine.model.ledger import ActionRecord, ActionStatus
from engine.rules import explain

if TYPE_CHECKING:
    from engine.rules.account import Account

_ONE_DAY = timedelta(days=1)
_WEEK = timedelta(days=7)
# A contact was made when its action was done, or when its message was sent (a step that names a
# person stays on the list after its email or letter went out).
_CONTACTED = (ActionStatus.DONE, ActionStatus.SENT)


def guard(account: Account, actions: list[Action]) -> tuple[list[Action], list[Suppression]]:
    """Return the actions that may go out today, and the contacts the guardrails hold back."""
    rules = account.context.policy.guardrails
    calendar = account.context.calendar
    as_of = account.as_of
    held: list[Suppression] = []
    contacts = [a for a in actions if a.kind in CONTACT_KINDS]
    if not contacts:
        return actions, held
    dropped: set[str] = set()
    closed = calendar.closed_reason(as_of)
    if rules.contact_days == "business" and closed is not None:
        next_open = calendar.next_business_day(as_of + _ONE_DAY)
        for action in contacts:
            text = explain.closed_day_text(as_of, closed, action.step, next_open)
            held.append(_held_action(action, "closed_day", text, next_open))
            dropped.add(action.id)
        contacts = []
    limit = rules.max_contacts_per_7_days
    if limit is not None and contacts:
        recent = recent_contacts(account.ledger.history, account.ladder.contact_ids, as_of)
        # An action whose message went out (a person still has to work it) made its contact
        # already: it needs no room and is never held back.
        contacts = [a for a in contacts if a.id not in recent]
        room = max(limit - len(recent), 0)
        if len(contacts) > room:
            contacts.sort(key=lambda a: (-a.step_index, -a.occurrence, a.id))
            until = min(recent.values()) + _WEEK if recent else None
            for action in contacts[room:]:
                text = explain.contact_limit_text(len(recent), room, limit, action.step)
                held.append(_held_action(action, "contact_limit", text, until))
                dropped.add(action.id)
    return [a for a in actions if a.id not in dropped], held


def recent_contacts(
    history: Iterable[ActionRecord], contact_ids: frozenset[str], as_of: date
) -> dict[str, date]:
    """Return the contacts done or sent in the 7 days up to ``as_of`` (action id -> date)."""
    start = as_of - timedelta(days=6)
    out: dict[str, date] = {}
    for r in history:
        if r.status in _CONTACTED and r.step in contact_ids and start <= r.date <= as_of:
            out[r.action_id or f"{r.step}@{r.date.isoformat()}"] = r.date
    return out


def _held_action(action: Action, code: str, text: str, until: date | None) -> Suppression:
    return Suppression(
        action.customer_id,
        action.customer_name,
        code,
        text,
        action.step,
        action.invoice_ids,
        until,
    )
