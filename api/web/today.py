"""The Today page's list: the day's actions filtered, grouped by customer, sorted and paged.

The list comes from the API's cache of computed lists (``api.action_lists``); this module only
chooses and orders what is shown. A filter combination is worked out once per list and kept with
it, so paging through 10,000 actions costs a bisection and the rendering of one page. A page is
a number of customers after a cursor (the sort key of the last customer shown), not an offset:
while colleagues record outcomes and actions leave the list, the next page still starts where
this one ended. Totals come from the engine (``Evaluation.totals_by_currency``).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import dataclasses
import json
import threading
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

from api.action_lists import ActionList
from engine.model.actions import Action

Sort = Literal["customer", "amount", "overdue"]
SORTS: tuple[Sort, ...] = ("customer", "amount", "overdue")
_SORT_NAMED: dict[str, Sort] = {name: name for name in SORTS}
Queue = Literal["everyone", "mine"]
PAGE_CUSTOMERS = 25
KINDS = (
    "email", "letter", "phone", "sms", "credit_hold", "credit_release", "credit_review",
    "escalate", "write_off_review",
)  # fmt: skip
CHANNELS = ("email", "letter", "phone", "sms")
SortKey = tuple[str | int | Decimal, ...]


@dataclass(frozen=True, slots=True)
class TodayQuery:
    """What the Today page was asked to show."""

    queue: Queue = "everyone"
    kinds: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    ladders: frozenset[str] = frozenset()
    currencies: frozenset[str] = frozenset()
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    sort: Sort = "customer"
    cursor: str | None = None

    def selection_key(self, me: str, assignees: Mapping[str, str]) -> tuple[object, ...]:
        """Return what decides which actions are shown, in which order (not the page)."""
        mine: tuple[object, ...] = ()
        if self.queue == "mine":
            mine = (me, tuple(sorted(assignees.items())))
        return (
            self.kinds, self.channels, self.ladders, self.currencies, self.min_amount,
            self.max_amount, self.sort, mine,
        )  # fmt: skip


def parse_query(params: Mapping[str, Sequence[str]]) -> tuple[TodayQuery, list[str]]:
    """Return the query of the Today page and the problems with it (a bad value is ignored)."""
    problems: list[str] = []

    def many(name: str, allowed: Sequence[str] | None = None) -> frozenset[str]:
        values = {v for v in params.get(name, ()) if v}
        if allowed is not None:
            unknown = values - set(allowed)
            if unknown:
                problems.append(f"unknown {name} {', '.join(sorted(unknown))} ignored")
            values &= set(allowed)
        return frozenset(values)

    def one(name: str) -> str:
        values = [v for v in params.get(name, ()) if v]
        return values[-1] if values else ""

    def amount(name: str, label: str) -> Decimal | None:
        text = one(name).replace(",", "")
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0:
            problems.append(f"{label} {one(name)!r} is not an amount: ignored")
            return None
        return value

    asked = one("sort") or "customer"
    sort = _SORT_NAMED.get(asked)
    if sort is None:
        problems.append(f"unknown sort {asked!r}: sorted by customer")
        sort = "customer"
    queue: Queue = "mine" if one("queue") == "mine" else "everyone"
    currencies = frozenset(c.upper() for c in many("currency") if len(c) == 3 and c.isalpha())
    query = TodayQuery(
        queue=queue,
        kinds=many("kind", KINDS),
        channels=many("channel", CHANNELS),
        ladders=many("ladder"),
        currencies=currencies,
        min_amount=amount("min", "minimum amount"),
        max_amount=amount("max", "maximum amount"),
        sort=sort,
        cursor=one("cursor") or None,
    )
    return query, problems


@dataclass(frozen=True, slots=True)
class CustomerGroup:
    """A customer's actions of the day that pass the filters, with what sorts and sums them."""

    customer_id: str
    customer_name: str
    actions: tuple[Action, ...]
    totals: Mapping[str, Decimal]
    charges: Mapping[str, Decimal]
    charges_owed: Mapping[str, Decimal]  # charged before, still owed (rule "charges owed")
    max_days_overdue: int
    key: SortKey


@dataclass(frozen=True, slots=True)
class Selection:
    """The groups that pass a query, in order, with the totals of all of them."""

    groups: tuple[CustomerGroup, ...]
    keys: tuple[SortKey, ...]
    actions: int
    totals: Mapping[str, Decimal]
    charges: Mapping[str, Decimal]
    charges_owed: Mapping[str, Decimal]

    def page(self, cursor: SortKey | None, size: int) -> tuple[tuple[CustomerGroup, ...], bool]:
        """Return the groups after ``cursor`` (at most ``size``) and whether more follow."""
        start = 0 if cursor is None else bisect.bisect_right(self.keys, cursor)
        end = min(start + size, len(self.groups))
        return self.groups[start:end], end < len(self.groups)


def _passes(action: Action, query: TodayQuery, me: str, assignees: Mapping[str, str]) -> bool:
    if query.kinds and action.kind not in query.kinds:
        return False
    if query.channels and (action.channel or "") not in query.channels:
        return False
    if query.ladders and action.ladder not in query.ladders:
        return False
    if query.currencies and query.currencies.isdisjoint(action.totals):
        return False
    if query.min_amount is not None or query.max_amount is not None:
        chased = [
            v for c, v in action.totals.items() if not query.currencies or c in query.currencies
        ]
        low, high = query.min_amount, query.max_amount
        if not any((low is None or v >= low) and (high is None or v <= high) for v in chased):
            return False
    if query.queue == "mine":
        holder = assignees.get(action.id)
        return holder == me if holder is not None else action.owner == me
    return True


def _key(sort: Sort, group: CustomerGroup, currencies: frozenset[str]) -> SortKey:
    if sort == "amount":
        chased = [v for c, v in group.totals.items() if not currencies or c in currencies]
        return (-max(chased, default=Decimal(0)), group.customer_id)
    if sort == "overdue":
        return (-group.max_days_overdue, group.customer_id)
    return (group.customer_id,)


def select(
    listing: ActionList, query: TodayQuery, me: str, assignees: Mapping[str, str]
) -> Selection:
    """Return the groups of ``listing`` that pass ``query``, in its order (kept per list)."""
    memo = _memo_of(listing)
    key = query.selection_key(me, assignees)
    found = memo.get(key)
    if found is not None:
        return found
    evaluation = listing.evaluation
    chosen = [a for a in evaluation.actions if _passes(a, query, me, assignees)]
    by_customer: dict[str, list[Action]] = {}
    for action in chosen:
        by_customer.setdefault(action.customer_id, []).append(action)
    groups = []
    for customer_id, actions in by_customer.items():
        # The engine sums: an evaluation of just this customer's chosen actions.
        part = dataclasses.replace(evaluation, actions=tuple(actions))
        group = CustomerGroup(
            customer_id,
            actions[0].customer_name,
            tuple(actions),
            part.totals_by_currency(),
            part.charges_by_currency(),
            part.charges_owed_by_currency(),
            max((i.days_overdue for a in actions for i in a.invoices), default=0),
            (),
        )
        groups.append(dataclasses.replace(group, key=_key(query.sort, group, query.currencies)))
    groups.sort(key=lambda g: g.key)
    everything = dataclasses.replace(evaluation, actions=tuple(chosen))
    found = Selection(
        tuple(groups),
        tuple(g.key for g in groups),
        len(chosen),
        everything.totals_by_currency(),
        everything.charges_by_currency(),
        everything.charges_owed_by_currency(),
    )
    with _lock:
        if len(memo) >= _MAX_SELECTIONS:
            memo.clear()
        memo[key] = found
    return found


# Selections are kept with the list they were made from, and go when it goes.
_MAX_SELECTIONS = 64
_memos: weakref.WeakKeyDictionary[ActionList, dict[tuple[object, ...], Selection]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def _memo_of(listing: ActionList) -> dict[tuple[object, ...], Selection]:
    with _lock:
        memo = _memos.get(listing)
        if memo is None:
            memo = _memos[listing] = {}
        return memo


def encode_cursor(sort: Sort, key: SortKey) -> str:
    """Return the opaque cursor that continues after the group with sort key ``key``."""
    raw = json.dumps([sort, *[str(part) for part in key]], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(sort: Sort, text: str | None) -> SortKey | None:
    """Return the sort key in ``text``, or None for no cursor, another sort's, or a bad one."""
    if not text:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(value, list) or not value or value[0] != sort:
        return None
    parts = value[1:]
    try:
        if sort == "amount" and len(parts) == 2:
            return (Decimal(parts[0]), str(parts[1]))
        if sort == "overdue" and len(parts) == 2:
            return (int(parts[0]), str(parts[1]))
        if sort == "customer" and len(parts) == 1:
            return (str(parts[0]),)
    except (InvalidOperation, ValueError):
        return None
    return None
