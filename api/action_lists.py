"""Action lists computed once per (policy version, ledger state, date) and served many times.

Evaluating the ledger is the expensive part of the service (seconds on a large ledger); serving
a page of a computed list should cost microseconds. ``ActionLists`` keeps the few most recent
evaluations, computes each key once even when many requests ask at the same moment, and drops
lists of an older ledger state as soon as a newer one is computed. When the ledger moved on by
writes that name their customers (outcomes recorded through the API, ``api.ledger_state``), the
newer list is the older one with those customers evaluated again: evaluating a customer needs
only that customer's data, so the result is the list a full evaluation would give, for the cost
of a few customers. ``ActionList`` holds one evaluation with what serving it needs: actions by
id, memoised filter results, and each action's JSON rendered once
(``engine.report.render.action_to_dict``, message included) and reused as bytes.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine

from api.ledger_state import LedgerState, LedgerToken
from api.metrics import Metrics
from api.policy_state import ServedPolicy
from engine.evaluate import action_order, evaluate
from engine.model.actions import (
    Action,
    Evaluation,
    ListTotals,
    PolicyVersion,
    Superseded,
    Suppression,
)
from engine.model.ledger import CustomerLedger
from engine.model.money import money_strings
from engine.report.render import RenderContext, action_to_dict
from store.collector import collector_paused
from store.reader import iter_customer_ledgers

SortKey = tuple[str, int, int, str]
# (policy commit, policy digest, ledger state, day)
CacheKey = tuple[str | None, str, LedgerToken, date]

# Distinct dates × recent states kept; a list is tens of megabytes at most on a large ledger.
MAX_LISTS = 6
# Pages are served as compact JSON: a page of 100 actions is a few hundred kilobytes.
COMPACT = (",", ":")
# Distinct filter combinations remembered per list (the UI's tabs, a few collectors' names).
_MAX_SELECTIONS = 64
# Response bodies of pages remembered per list (a few hundred kilobytes each at most).
_MAX_PAGES = 64


@dataclass(frozen=True, slots=True)
class Filters:
    """Which actions a request wants; an empty set means any."""

    kinds: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    steps: frozenset[str] = frozenset()
    customers: frozenset[str] = frozenset()
    owners: frozenset[str] = frozenset()

    def matches(self, action: Action) -> bool:
        """Return whether ``action`` passes every filter."""
        return (
            (not self.kinds or action.kind in self.kinds)
            and (not self.channels or (action.channel or "") in self.channels)
            and (not self.steps or action.step in self.steps)
            and (not self.customers or action.customer_id in self.customers)
            and (not self.owners or (action.owner or "") in self.owners)
        )

    @property
    def empty(self) -> bool:
        """Return whether no filter is set."""
        return not (self.kinds or self.channels or self.steps or self.customers or self.owners)


# A page of a list: its filters, the cursor it continues after, its size.
PageKey = tuple[Filters, str | None, int]


@dataclass(frozen=True, slots=True)
class Selection:
    """The actions that pass some filters, in list order, with their sort keys for cursors."""

    actions: tuple[Action, ...]
    keys: tuple[SortKey, ...]

    def page(self, after: SortKey | None, limit: int | None) -> tuple[tuple[Action, ...], bool]:
        """Return the actions after ``after`` (at most ``limit``) and whether more follow."""
        start = 0 if after is None else bisect.bisect_right(self.keys, after)
        end = len(self.actions) if limit is None else min(start + limit, len(self.actions))
        return self.actions[start:end], end < len(self.actions)


def version_to_dict(version: PolicyVersion) -> dict[str, Any]:
    """Return a policy version as JSON-ready data."""
    return {
        "commit": version.commit,
        "ref": version.ref,
        "digest": version.digest,
        "source": version.source,
        "loaded_at": version.loaded_at.isoformat() if version.loaded_at else None,
    }


class ActionList:
    """One evaluation, ready to be filtered, paged and rendered again and again."""

    def __init__(self, evaluation: Evaluation, served: ServedPolicy) -> None:
        self.evaluation = evaluation
        self.version = evaluation.policy_version
        self.by_id = {action.id: action for action in evaluation.actions}
        self.version_json = json.dumps(version_to_dict(self.version), separators=COMPACT).encode()
        self._ctx = RenderContext(policy=served.policy, with_messages=True)
        # Each action's JSON, rendered once: shared with the lists brought up to date from
        # this one, and checked against the very action object (an action id re-evaluated for a
        # changed customer is a new object, rendered again).
        self._json: dict[str, tuple[Action, bytes]] = {}
        self._selections: dict[Filters, Selection] = {}
        self._totals: dict[Filters, ListTotals] = {}
        self._pages: dict[PageKey, tuple[bytes, int]] = {}
        self._all = Selection(
            evaluation.actions, tuple(action_order(a) for a in evaluation.actions)
        )

    def with_customers(self, customers: frozenset[str], part: Evaluation) -> ActionList:
        """Return this list with what it holds of ``customers`` replaced by ``part`` (those
        customers evaluated again on the same day under the same policy)."""
        ordered = sorted(customers)
        evaluation = dataclasses.replace(
            self.evaluation,
            actions=_splice(self.evaluation.actions, ordered, part.actions, _customer_of),
            suppressions=_splice(
                self.evaluation.suppressions, ordered, part.suppressions, _customer_of
            ),
            superseded=_splice(self.evaluation.superseded, ordered, part.superseded, _customer_of),
        )
        out = ActionList.__new__(ActionList)
        out.evaluation = evaluation
        out.version = self.version
        out.version_json = self.version_json
        out._ctx = self._ctx
        out._pages = {}  # a new list: its pages are assembled anew
        removed: list[Action] = []
        for customer in ordered:
            lo, hi = _slice(self.evaluation.actions, customer, _customer_of)
            removed.extend(self.evaluation.actions[lo:hi])
        by_id = dict(self.by_id)
        for action in removed:
            by_id.pop(action.id, None)
        by_id.update((a.id, a) for a in part.actions)
        out.by_id = by_id
        out._json = self._json
        keys = tuple(action_order(a) for a in part.actions)
        out._all = Selection(evaluation.actions, _splice(self._all.keys, ordered, keys, _first))
        # What was worked out for the older list is carried over customer by customer rather
        # than worked out again over the whole list at the next request (a list of 12,000
        # actions costs tens of milliseconds on the event loop to add up).
        out._selections = {}
        for filters, selection in list(self._selections.items()):
            mine = [i for i, a in enumerate(part.actions) if filters.matches(a)]
            out._selections[filters] = Selection(
                _splice(selection.actions, ordered, tuple(part.actions[i] for i in mine),
                        _customer_of),
                _splice(selection.keys, ordered, tuple(keys[i] for i in mine), _first),
            )  # fmt: skip
        out._totals = {
            filters: totals.replaced(
                (a for a in removed if filters.matches(a)),
                (a for a in part.actions if filters.matches(a)),
            )
            for filters, totals in list(self._totals.items())
        }
        return out

    def select(self, filters: Filters) -> Selection:
        """Return the actions that pass ``filters`` (remembered per filter combination)."""
        if filters.empty:
            return self._all
        found = self._selections.get(filters)
        if found is None:
            actions = tuple(a for a in self.evaluation.actions if filters.matches(a))
            found = Selection(actions, tuple(action_order(a) for a in actions))
            if len(self._selections) >= _MAX_SELECTIONS:
                self._selections.clear()
            self._selections[filters] = found
        return found

    def totals(self, filters: Filters) -> dict[str, dict[str, str]]:
        """Return the open amounts (each invoice once) and the charges of the actions that pass
        ``filters``, on all pages, as JSON-ready money (remembered per filter combination)."""
        found = self._totals.get(filters)
        if found is None:
            found = ListTotals.of(self.select(filters).actions)
            if len(self._totals) >= _MAX_SELECTIONS:
                self._totals.clear()
            self._totals[filters] = found
        return {
            "open_by_currency": money_strings(found.open_by_currency()),
            "charges_by_currency": money_strings(found.charges_by_currency()),
            "charges_owed_by_currency": money_strings(found.charges_owed_by_currency()),
        }

    def page(
        self, key: PageKey, render: Callable[[], tuple[bytes, int]]
    ) -> tuple[bytes, int]:
        """Return the page ``key`` as ``render`` gives it (body and total), rendered once per
        list: the list is one policy version, ledger state and day, so its pages never change."""
        found = self._pages.get(key)
        if found is None:
            # Two threads may render the same page at once; both get the same bytes.
            found = render()
            if len(self._pages) >= _MAX_PAGES:
                self._pages.clear()
            self._pages[key] = found
        return found

    def action_dict(self, action: Action) -> dict[str, Any]:
        """Return ``action`` as JSON-ready data, its message rendered."""
        return action_to_dict(action, self._ctx)

    def action_json(self, action: Action) -> bytes:
        """Return ``action`` as JSON bytes, rendered the first time it is asked for."""
        found = self._json.get(action.id)
        if found is not None and found[0] is action:
            return found[1]
        # Two threads may render the same action at once; both get the same bytes.
        rendered = json.dumps(self.action_dict(action), ensure_ascii=False, separators=COMPACT)
        self._json[action.id] = (action, rendered.encode())
        return self._json[action.id][1]


_Item = TypeVar("_Item")


def _customer_of(item: Action | Suppression | Superseded) -> str:
    return item.customer_id


def _first(key: SortKey) -> str:
    return key[0]


def _state(pair: tuple[LedgerToken, ActionList]) -> LedgerToken:
    return pair[0]


def _slice(items: Sequence[_Item], customer: str, by: Callable[[_Item], str]) -> tuple[int, int]:
    """Return where the items of ``customer`` are in ``items`` (sorted customer first)."""
    lo = bisect.bisect_left(items, customer, key=by)
    return lo, bisect.bisect_right(items, customer, lo=lo, key=by)


def _splice(
    items: tuple[_Item, ...],
    customers: Sequence[str],
    part: tuple[_Item, ...],
    by: Callable[[_Item], str],
) -> tuple[_Item, ...]:
    """Return ``items`` with those of ``customers`` (sorted) replaced by theirs in ``part``;
    both sorted customer first, ``by`` giving an item's customer."""
    pieces: list[tuple[_Item, ...]] = []
    start = 0
    for customer in customers:
        lo, hi = _slice(items, customer, by)
        new_lo, new_hi = _slice(part, customer, by)
        pieces += [items[start:lo], part[new_lo:new_hi]]
        start = hi
    pieces.append(items[start:])
    return tuple(itertools.chain.from_iterable(pieces))


LedgerReader = Callable[[Engine, date], Iterable[CustomerLedger]]
CustomerReader = Callable[[Engine, Sequence[str], date], Iterable[CustomerLedger]]


def read_ledger(engine: Engine, day: date) -> Iterable[CustomerLedger]:
    """Return the whole ledger as it stood at the end of ``day``, streamed by customer."""
    return iter_customer_ledgers(engine, None, as_of=day)


def read_customers(engine: Engine, ids: Sequence[str], day: date) -> Iterable[CustomerLedger]:
    """Return the ledgers of customers ``ids`` as they stood at the end of ``day``."""
    return iter_customer_ledgers(engine, ids, as_of=day)


class ActionLists:
    """The cache of computed action lists, keyed by policy version, ledger state and date."""

    def __init__(
        self,
        engine: Engine,
        metrics: Metrics,
        ledger: LedgerState,
        *,
        reader: LedgerReader = read_ledger,
        customer_reader: CustomerReader = read_customers,
        max_lists: int = MAX_LISTS,
    ) -> None:
        self._engine = engine
        self._metrics = metrics
        self._ledger = ledger
        self._reader = reader
        self._customer_reader = customer_reader
        self._max = max_lists
        self._lists: OrderedDict[CacheKey, ActionList] = OrderedDict()
        # The same lists as a tuple, replaced whole (under the lock) whenever ``_lists``
        # changes: read without the lock by ``_of_day``, which every outcome and every list
        # request calls on the event loop, where waiting for a lock a busy thread holds would
        # stall every other request.
        self._held: tuple[tuple[CacheKey, ActionList], ...] = ()
        self._computing: dict[CacheKey, threading.Lock] = {}
        self._running: dict[tuple[Any, ...], tuple[LedgerToken, asyncio.Future[ActionList]]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(served: ServedPolicy, ledger_state: LedgerToken, day: date) -> CacheKey:
        """Return the cache key of the list of ``day`` under ``served`` and ``ledger_state``."""
        return (served.version.commit, served.version.digest, ledger_state, day)

    def _of_day(self, served: ServedPolicy, day: date) -> list[tuple[LedgerToken, ActionList]]:
        policy = (served.version.commit, served.version.digest)
        return [(k[2], v) for k, v in self._held if k[:2] == policy and k[3] == day]

    def latest(self, served: ServedPolicy, day: date) -> ActionList | None:
        """Return the newest list of ``day`` under ``served`` whatever its ledger state, or None.

        An action found in it is one the service showed for that day; what has been recorded
        about it since is in the action log, which recording an outcome reads anyway.
        """
        found = self._of_day(served, day)
        return max(found, key=_state)[1] if found else None

    def _at_least(
        self, served: ServedPolicy, ledger_state: LedgerToken, day: date
    ) -> ActionList | None:
        """Return the newest list of ``day`` that holds every write up to ``ledger_state``."""
        fresh = [
            (state, listing)
            for state, listing in self._of_day(served, day)
            if state[0] == ledger_state[0] and state[1] >= ledger_state[1]
        ]
        if not fresh:
            return None
        self._metrics.cache_hits.inc()
        return max(fresh, key=_state)[1]

    async def current(self, served: ServedPolicy, day: date) -> ActionList:
        """Return the list of ``day`` for the ledger as it is now (it holds every write committed
        before the call). Serving a cached list never leaves the event loop.

        One computation runs at a time for a day, on the thread pool; requests that need a newer
        list than it will give wait for it on the event loop, holding no thread, and the next
        computation brings the list up to the newest state at the moment it starts: however many
        outcomes arrive meanwhile, they are evaluated together.
        """
        state = self._ledger.cached_token()
        if state is None:
            state = await run_in_threadpool(self._ledger.token)
        loop = asyncio.get_running_loop()
        slot = (id(loop), served.version.commit, served.version.digest, day)
        while True:
            found = self._at_least(served, state, day)
            if found is not None:
                return found
            running = self._running.get(slot)
            if running is None or running[1].done():
                newest = self._ledger.cached_token() or state
                started = asyncio.ensure_future(run_in_threadpool(self.get, served, newest, day))
                running = self._running[slot] = (newest, started)
                started.add_done_callback(lambda done: self._settled(slot, done))
            covers, task = running
            # Shielded: a request that goes away does not cancel the others' computation.
            if covers[0] == state[0] and covers[1] >= state[1]:
                return await asyncio.shield(task)
            with contextlib.suppress(Exception):
                await asyncio.shield(task)  # older than needed: wait for it, then go again

    def _settled(self, slot: tuple[Any, ...], task: asyncio.Future[ActionList]) -> None:
        if self._running.get(slot, (None, None))[1] is task:
            del self._running[slot]
        if not task.cancelled():
            task.exception()  # retrieved: the requests waiting for it have re-raised it

    def get(self, served: ServedPolicy, ledger_state: LedgerToken, day: date) -> ActionList:
        """Return the list of ``day`` holding every write up to ``ledger_state``, bringing an
        older one up to date or computing it unless another request already did."""
        found = self._at_least(served, ledger_state, day)
        if found is not None:
            return found
        key = self.key(served, ledger_state, day)
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            # Whoever waited on the gate finds the list the first request computed.
            found = self._at_least(served, ledger_state, day)
            if found is not None:
                return found
            computed = self._brought_up_to_date(served, ledger_state, day)
            if computed is None:
                computed = self._compute(served, day)
            with self._lock:
                self._store(key, computed)
                self._computing.pop(key, None)
            return computed

    def _brought_up_to_date(
        self, served: ServedPolicy, ledger_state: LedgerToken, day: date
    ) -> ActionList | None:
        """Return an older list of the day with the customers changed since evaluated again,
        or None when there is none or only a fresh evaluation can tell what changed."""
        older = [
            (state, listing)
            for state, listing in self._of_day(served, day)
            if state[0] == ledger_state[0] and state[1] <= ledger_state[1]
        ]
        if not older:
            return None
        state, listing = max(older, key=lambda pair: pair[0])
        changed = self._ledger.changed_between(state, ledger_state)
        if changed is None:
            return None
        if not changed:
            return listing
        start = time.perf_counter()
        with collector_paused():
            ledgers = self._customer_reader(self._engine, sorted(changed), day)
            part = evaluate(served.policy, ledgers, day, served.version)
            updated = listing.with_customers(changed, part)
        self._metrics.updates.inc()
        self._metrics.update_seconds.observe(time.perf_counter() - start)
        return updated

    def _compute(self, served: ServedPolicy, day: date) -> ActionList:
        start = time.perf_counter()
        # Reading and evaluating build hundreds of thousands of records that never form a cycle:
        # the collector stays paused while they are built (store.collector), never frozen.
        with collector_paused():
            ledger = self._reader(self._engine, day)
            evaluation = evaluate(served.policy, ledger, day, served.version)
            computed = ActionList(evaluation, served)
        self._metrics.computations.inc()
        self._metrics.computation_seconds.observe(time.perf_counter() - start)
        return computed

    def _store(self, key: CacheKey, computed: ActionList) -> None:
        # A list of an older ledger state can never be asked for again: the state only moves on.
        ledger_state = key[2]
        for old in [k for k in self._lists if k[2] < ledger_state]:
            del self._lists[old]
        self._lists[key] = computed
        self._lists.move_to_end(key)
        while len(self._lists) > self._max:
            self._lists.popitem(last=False)
        self._held = tuple(self._lists.items())

    def clear(self) -> None:
        """Forget every computed list."""
        with self._lock:
            self._lists.clear()
            self._held = ()
