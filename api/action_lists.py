"""Action lists computed once per (policy version, ledger state, date) and served many times.

Evaluating the ledger is the expensive part of the service (seconds on a large ledger); serving
a page of a computed list should cost microseconds. ``ActionLists`` keeps the few most recent
evaluations, computes each key once even when many requests ask at the same moment, and drops
lists of an older ledger state as soon as a newer one is computed. ``ActionList`` holds one
evaluation with what serving it needs: actions by id, memoised filter results, and each action's
JSON rendered once (``engine.report.render.action_to_dict``, message included) and reused as bytes.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine

from api.metrics import Metrics
from api.policy_state import ServedPolicy
from engine.evaluate import action_order, evaluate
from engine.model.actions import Action, Evaluation, PolicyVersion
from engine.model.ledger import CustomerLedger
from engine.report.render import RenderContext, action_to_dict
from store.collector import collector_paused
from store.reader import iter_customer_ledgers

SortKey = tuple[str, int, int, str]
CacheKey = tuple[Hashable, ...]

# Distinct dates × recent states kept; a list is tens of megabytes at most on a large ledger.
MAX_LISTS = 6
# Pages are served as compact JSON: a page of 100 actions is a few hundred kilobytes.
COMPACT = (",", ":")
# Distinct filter combinations remembered per list (the UI's tabs, a few collectors' names).
_MAX_SELECTIONS = 64


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
        self._json: dict[str, bytes] = {}
        self._selections: dict[Filters, Selection] = {}
        self._all = Selection(
            evaluation.actions, tuple(action_order(a) for a in evaluation.actions)
        )

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

    def action_dict(self, action: Action) -> dict[str, Any]:
        """Return ``action`` as JSON-ready data, its message rendered."""
        return action_to_dict(action, self._ctx)

    def action_json(self, action: Action) -> bytes:
        """Return ``action`` as JSON bytes, rendered the first time it is asked for."""
        found = self._json.get(action.id)
        if found is None:
            # Two threads may render the same action at once; both get the same bytes.
            found = json.dumps(
                self.action_dict(action), ensure_ascii=False, separators=COMPACT
            ).encode()
            self._json[action.id] = found
        return found


LedgerReader = Callable[[Engine, date], Iterable[CustomerLedger]]


def read_ledger(engine: Engine, day: date) -> Iterable[CustomerLedger]:
    """Return the whole ledger as it stood at the end of ``day``, streamed by customer."""
    return iter_customer_ledgers(engine, None, as_of=day)


class ActionLists:
    """The cache of computed action lists, keyed by policy version, ledger state and date."""

    def __init__(
        self,
        engine: Engine,
        metrics: Metrics,
        *,
        reader: LedgerReader = read_ledger,
        max_lists: int = MAX_LISTS,
    ) -> None:
        self._engine = engine
        self._metrics = metrics
        self._reader = reader
        self._max = max_lists
        self._lists: OrderedDict[CacheKey, ActionList] = OrderedDict()
        self._computing: dict[CacheKey, threading.Lock] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(served: ServedPolicy, ledger_state: Hashable, day: date) -> CacheKey:
        """Return the cache key of the list of ``day`` under ``served`` and ``ledger_state``."""
        return (served.version.commit, served.version.digest, ledger_state, day)

    def cached(self, key: CacheKey) -> ActionList | None:
        """Return the list computed for ``key``, or None (never computes)."""
        found = self._lists.get(key)
        if found is not None:
            self._metrics.cache_hits.inc()
        return found

    def get(self, served: ServedPolicy, ledger_state: Hashable, day: date) -> ActionList:
        """Return the list for ``key``, computing it unless another request already did."""
        key = self.key(served, ledger_state, day)
        found = self.cached(key)
        if found is not None:
            return found
        with self._lock:
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            # Whoever waited on the gate finds the list the first request computed.
            found = self.cached(key)
            if found is not None:
                return found
            computed = self._compute(served, day)
            with self._lock:
                self._store(key, computed)
                self._computing.pop(key, None)
            return computed

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
        for old in [k for k in self._lists if k[2] != ledger_state]:
            del self._lists[old]
        self._lists[key] = computed
        self._lists.move_to_end(key)
        while len(self._lists) > self._max:
            self._lists.popitem(last=False)

    def clear(self) -> None:
        """Forget every computed list."""
        with self._lock:
            self._lists.clear()
