"""Rule "collector activity": what each person worked, the promises they took, the cash that came.

For a period (``first``..``last``) seen on ``as_of`` (docs/rules/reports.md, "Collector activity"):

- **actions worked**: the actions a person recorded an outcome for (done, skipped or failed) in
  the period, each action once per person;
- **contacts**: the actions of a contact step (email, letter, phone…: not a credit hold or an
  escalation) that a person worked (``done``) or that were delivered (``sent``, the sender's);
- **promises made**: the promises to pay made in the period that a person recorded (an action
  of the customer recorded as ``promise`` on the day the promise was made); promises that came
  another way (the payment portal, an import) are counted under ``NOBODY``. Each is **kept**,
  **broken** or **pending** on ``as_of`` by rule "promise kept or broken"
  (``engine.rules.promises``); a promise replaced by a later one before it was kept or broken
  is **replaced**;
- **paid within 14 days of a contact**: the cash (payments) applied to a contacted invoice in the
  14 days after the contact (the day after it to the 14th day, up to ``as_of``), per currency,
  credited to the latest contact before the payment (so a payment counts once, for one person).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple

from engine.model.ledger import Payment, Promise
from engine.model.money import ZERO
from engine.rules.promises import promise_state

CONTACT_WINDOW_DAYS = 14
# Who a promise is counted under when no person recorded it (portal answer, import).
NOBODY = "(not recorded by a person)"
WORKED_STATUSES = frozenset({"done", "skipped", "failed"})
CONTACT_STATUSES = frozenset({"done", "sent"})
PROMISE_OUTCOME = "promise"


class LogEntry(NamedTuple):
    """An entry of the action log: who recorded what about an action, on which day."""

    action_id: str
    customer_id: str
    step: str
    day: date
    status: str  # done | skipped | failed | sent
    outcome: str | None
    who: str
    invoice_ids: tuple[str, ...]


class PromiseMade(NamedTuple):
    """A promise to pay, and the day a later promise replaced it (None: still in force)."""

    promise: Promise
    superseded_on: date | None


class CashApplied(NamedTuple):
    """A payment applied to an invoice."""

    invoice_id: str
    day: date
    amount: Decimal
    currency: str


@dataclass(slots=True)
class CollectorActivity:
    """One person's figures for the period."""

    who: str
    worked: int = 0
    contacts: int = 0
    promises: int = 0
    kept: int = 0
    broken: int = 0
    pending: int = 0
    replaced: int = 0
    collected: dict[str, Decimal] = field(default_factory=dict)

    @property
    def kept_share(self) -> Decimal | None:
        """Return kept / (kept + broken): the share of the promises that came due that were
        kept, None when none has come due."""
        due = self.kept + self.broken
        return Decimal(self.kept) / due if due else None


@dataclass(frozen=True, slots=True)
class CollectorReport:
    """The activity of every person in ``first``..``last``, seen on ``as_of``."""

    first: date
    last: date
    as_of: date
    people: tuple[CollectorActivity, ...]  # by name


def promise_outcome(made: PromiseMade, payments: Iterable[Payment], as_of: date) -> str:
    """Return kept, broken, pending or replaced: the promise's state on ``as_of``, or on the
    day before a later promise replaced it."""
    replaced = made.superseded_on
    if replaced is not None and replaced <= as_of:
        state = promise_state(made.promise, payments, replaced - timedelta(days=1))
        return state.status if state.status != "pending" else "replaced"
    return promise_state(made.promise, payments, as_of).status


def collector_activity(
    entries: Iterable[LogEntry],
    promises: Iterable[PromiseMade],
    payments: Mapping[str, Sequence[Payment]],
    cash: Iterable[CashApplied],
    contact_steps: Collection[str],
    *,
    first: date,
    last: date,
    as_of: date,
) -> CollectorReport:
    """Return each person's activity in ``first``..``last`` seen on ``as_of``.

    ``entries`` are the action log's entries of the period; ``promises`` the promises made in it;
    ``payments`` every customer's payments (by customer id) that may keep them; ``cash`` the
    payments applied to the contacted invoices; ``contact_steps`` the step ids that contact the
    customer.
    """
    people: dict[str, CollectorActivity] = {}

    def person(who: str) -> CollectorActivity:
        found = people.get(who)
        if found is None:
            found = people[who] = CollectorActivity(who)
        return found

    worked: set[tuple[str, str]] = set()
    contacted: set[tuple[str, str]] = set()
    # (invoice, day) -> who contacted the customer about it that day (the last entry wins).
    touches: dict[str, list[tuple[date, str]]] = {}
    promised_by: dict[tuple[str, date], str] = {}
    for entry in entries:
        if not first <= entry.day <= last:
            continue
        who = entry.who or NOBODY
        if entry.status in WORKED_STATUSES and (entry.action_id, who) not in worked:
            worked.add((entry.action_id, who))
            person(who).worked += 1
        if entry.status == "done" and entry.outcome == PROMISE_OUTCOME:
            promised_by.setdefault((entry.customer_id, entry.day), who)
        if (
            entry.status in CONTACT_STATUSES
            and entry.step in contact_steps
            and (entry.action_id, who) not in contacted
        ):
            contacted.add((entry.action_id, who))
            person(who).contacts += 1
            for invoice_id in entry.invoice_ids:
                touches.setdefault(invoice_id, []).append((entry.day, who))
    for made in promises:
        promise = made.promise
        if not first <= promise.made <= last:
            continue
        row = person(promised_by.get((promise.customer_id, promise.made), NOBODY))
        row.promises += 1
        status = promise_outcome(made, payments.get(promise.customer_id, ()), as_of)
        if status == "kept":
            row.kept += 1
        elif status == "broken":
            row.broken += 1
        elif status == "pending":
            row.pending += 1
        else:
            row.replaced += 1
    for paid in cash:
        toucher = _last_touch(touches.get(paid.invoice_id, ()), paid.day, as_of)
        if toucher is not None:
            row = person(toucher)
            row.collected[paid.currency] = row.collected.get(paid.currency, ZERO) + paid.amount
    for row in people.values():
        row.collected = dict(sorted(row.collected.items()))
    return CollectorReport(first, last, as_of, tuple(people[w] for w in sorted(people)))


def _last_touch(touches: Sequence[tuple[date, str]], paid: date, as_of: date) -> str | None:
    """Return who made the latest contact in the 14 days before ``paid`` (None: nobody)."""
    if paid > as_of:
        return None
    latest: tuple[date, str] | None = None
    for day, who in touches:
        if day < paid <= day + timedelta(days=CONTACT_WINDOW_DAYS) and (
            latest is None or day >= latest[0]
        ):
            latest = (day, who)
    return latest[1] if latest is not None else None
