"""Rule "history": what the action log says is still to be done, and whether the account is on
credit hold.

``done`` and ``skipped`` count as a step having been worked; ``superseded`` as passed over;
``failed`` is ignored (the step is retried), and so is ``sent`` (a message delivered for a step
that a person still has to work: it stays on the list until done); steps of other ladders are
ignored. A step at or below the highest one recorded for an invoice is not sent again, unless
it repeats: with ``repeat: 14d`` it is pending again once 14 days have passed since it was last
done or skipped; with ``repeat: 1m`` on the same day each month, counted from the step's own date;
``max_repeats`` ends it. The rules, with their names, are in docs/rules/ladder.md.

``pending_steps`` reads a customer's log once, keeping per invoice only the highest step recorded;
``tests/engine/rules/reference.py`` holds the plain form of the rule it is tested against.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

from engine.model.actions import CREDIT_RELEASE_STEP
from engine.model.ledger import ActionRecord, ActionStatus, Invoice
from engine.model.policy import Step
from engine.rules.step_dates import DayDates
from engine.rules.terms import add_months

if TYPE_CHECKING:
    from engine.rules.account import Account
    from engine.rules.ladder import Reached

_DONE = ActionStatus.DONE
# Facts about an action that do not work its step: a failed attempt, a delivery. A tuple, not a
# set: an enum member's hash is a Python call, and this is asked of every record.
_NOT_WORKED = (ActionStatus.FAILED, ActionStatus.SENT)
_COUNTED = frozenset({ActionStatus.DONE, ActionStatus.SKIPPED})
_tuple = tuple.__new__


class Pending(NamedTuple):
    """The step still to be done for an invoice."""

    step: int
    occurrence: int  # 0 the first time; n for the n-th repetition of a repeat step
    floor: int  # the highest step already in the history (-1: none); lower steps are passed
    due: date  # when this occurrence fell due


class PendingItem(NamedTuple):
    """An open invoice with a step pending today."""

    invoice: Invoice
    open: Decimal
    day: DayDates
    pending: Pending


class Hold(NamedTuple):
    """The credit hold an account is on: since when, and which step placed it."""

    since: date
    step: str


class InvoiceHistory(NamedTuple):
    """What the action log says about one invoice's steps."""

    # step index -> (times done or skipped, last date done or skipped); a step recorded only as
    # superseded has (0, None).
    seen: Mapping[int, tuple[int, date | None]]
    floor: int  # the highest step index recorded (-1: none)


def invoice_history(
    records: Iterable[ActionRecord], positions: Mapping[str, int]
) -> InvoiceHistory | None:
    """Return what ``records`` (all about one invoice) say about its steps (rule "history").

    A record counts once per action id. None when nothing is left.
    """
    worked: dict[int, dict[str, date]] = {}
    passed: set[int] = set()
    for record in records:
        index = positions.get(record.step)
        status = record.status
        if index is None or status in _NOT_WORKED:
            continue
        if status in _COUNTED:
            per_step = worked.setdefault(index, {})
            key = record.action_id or record.date.isoformat()
            previous = per_step.get(key)
            if previous is None or record.date > previous:
                per_step[key] = record.date
        else:
            passed.add(index)
    if not worked and not passed:
        return None
    seen: dict[int, tuple[int, date | None]] = dict.fromkeys(passed, (0, None))
    for index, dates in worked.items():
        seen[index] = (len(dates), max(dates.values()))
    return InvoiceHistory(seen, max(seen))


def pending_from(
    top: int, day: DayDates, history: InvoiceHistory | None, steps: tuple[Step, ...], as_of: date
) -> Pending | None:
    """Return the step ``top`` an invoice reached if it is still to be done, given its history.

    It is pending unless the history already has it (or a higher step); a repeat step is pending
    again once ``repeat_days`` have passed since it was last done or skipped.
    """
    step_due = day.dates.steps[top]
    assert step_due is not None  # a reached step has a date
    if history is None:
        return Pending(top, 0, -1, step_due)
    seen = history.seen.get(top)
    if seen is None:
        if history.floor > top:
            return None  # a later step was already worked: this one was passed over
        return Pending(top, 0, history.floor, step_due)
    count, last = seen
    step = steps[top]
    if not count or last is None or not (step.repeat_days or step.repeat_months):
        return None
    if step.max_repeats is not None and count > step.max_repeats:
        return None  # every repetition was done: the step is over (rule "repeat")
    if step.repeat_months:
        # The same day each month, counted from the step's own date (31 Jan, 28 Feb, 31 Mar).
        again = add_months(step_due, count * step.repeat_months)
    else:
        again = last + timedelta(days=step.repeat_days or 0)
    if again <= as_of:
        return Pending(top, count, history.floor, again)
    return None


def pending_in(  # noqa: PLR0917 - the inputs of the rule, in the order it reads
    top: int,
    day: DayDates,
    records: Iterable[ActionRecord],
    positions: Mapping[str, int],
    steps: tuple[Step, ...],
    as_of: date,
) -> Pending | None:
    """Return ``pending_from(top, day, invoice_history(records, positions), ...)``, faster.

    Most invoices with records have simply had their step done; that needs no counting.
    """
    floor = -1
    seen = False
    for record in records:
        index = positions.get(record.step)
        if index is None or record.status in _NOT_WORKED:
            continue
        if index > floor:  # noqa: PLR1730 - max() would cost a call per record here
            floor = index
        if index == top:
            seen = True
    if not seen:
        if floor > top:
            return None
        step_due = day.dates.steps[top]
        assert step_due is not None  # a reached step has a date
        return Pending(top, 0, floor, step_due)
    if not (steps[top].repeat_days or steps[top].repeat_months):
        return None
    return pending_from(top, day, invoice_history(records, positions), steps, as_of)


def pending_steps(
    account: Account, reached: list[Reached]
) -> tuple[list[PendingItem], Hold | None]:
    """Return the invoices whose reached step is still to be done, and the credit hold in force.

    Reads the action log once: whether the account is on credit hold (the latest hold done is not
    followed by a release done on or after its day), and per invoice the highest step recorded
    (done, skipped or superseded). Below the step reached, the step is pending; at or above it,
    it is not, unless it repeats (``pending_in`` decides those).
    """
    history = account.ledger.history
    if not history:
        # The first run: every invoice that reached a step has it pending. Built with
        # tuple.__new__, as the reader builds its records: the NamedTuple's own __new__ is a
        # Python function, and this runs for every open invoice.
        first_run: list[PendingItem] = []
        for invoice, open_amount, day, top in reached:
            pending = _tuple(Pending, (top, 0, -1, day.dates.steps[top] or day.dates.due))
            first_run.append(_tuple(PendingItem, (invoice, open_amount, day, pending)))
        return first_run, None
    positions = account.ladder.positions
    floor_of: dict[str, int] = {}
    known = floor_of.get
    hold_steps = account.context.hold_or_release
    # The latest hold done (its date, then its step) and the latest release done.
    hold_on: date | None = None
    hold_step = ""
    last_release: date | None = None
    # The log is the longest list a customer has: each record is touched as little as possible.
    for record in history:
        step = record.step
        status = record.status
        if step in hold_steps and status == _DONE:
            on = record.date
            if step == CREDIT_RELEASE_STEP:
                if last_release is None or on > last_release:
                    last_release = on
            elif hold_on is None or on > hold_on or (on == hold_on and step > hold_step):
                hold_on, hold_step = on, step
        index = positions.get(step)
        if index is None or status in _NOT_WORKED:
            continue
        for invoice_id in record.invoice_ids:
            if known(invoice_id, -1) < index:
                floor_of[invoice_id] = index
    hold = None
    if hold_on is not None and (last_release is None or last_release < hold_on):
        hold = Hold(hold_on, hold_step)
    steps, as_of = account.steps, account.as_of
    repeating = account.ladder.repeat_steps
    items: list[PendingItem] = []
    for invoice, open_amount, day, top in reached:
        floor = known(invoice.id, -1)
        if floor < top:
            step_due = day.dates.steps[top]
            assert step_due is not None  # a reached step has a date
            first = _tuple(Pending, (top, 0, floor, step_due))
            items.append(_tuple(PendingItem, (invoice, open_amount, day, first)))
        elif top in repeating:
            records = [r for r in history if invoice.id in r.invoice_ids]
            again = pending_in(top, day, records, positions, steps, as_of)
            if again is not None:
                items.append(PendingItem(invoice, open_amount, day, again))
        # else the step, or a later one, was worked already
    return items, hold


def occurrences(history: Iterable[ActionRecord], step_id: str) -> int:
    """Return how many times ``step_id`` was done (once per action id, else per day)."""
    return len(
        {
            r.action_id or r.date.isoformat()
            for r in history
            if r.status == _DONE and r.step == step_id
        }
    )
