"""Rule "catch-up": where several steps of an invoice are due at once, only one is sent.

After a missed day or a late import an invoice may have passed several steps since the last one
worked. A ladder with ``catch_up: highest_step`` (the default) sends the highest: the lower ones
are marked superseded by it, so nobody gets three letters on one morning, and a credit hold
jumped over is still placed, beside the letter (a hold is no letter), unless the account is
already on hold. A ladder with ``catch_up: one_level_per_run`` sends the next step after the last
one sent instead, one level per run, as ERP follow-up modules do; nothing is superseded. The
rules, with their names, are in docs/rules/ladder.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from engine.model.actions import Superseded, new_superseded
from engine.rules.history import Pending, PendingItem
from engine.rules.step_dates import DayDates

if TYPE_CHECKING:
    from engine.rules.account import Account

_NO_STEPS: frozenset[int] = frozenset()

# The invoices at one step on one day: (step index, occurrence) -> the pending invoices.
Groups = dict[tuple[int, int], list[PendingItem]]


def one_level_per_run(account: Account, items: list[PendingItem]) -> list[PendingItem]:
    """Return ``items`` with each invoice's pending step lowered to the next eligible step after
    the last one in its history (``catch_up: one_level_per_run``); repetitions are left as they
    are."""
    out: list[PendingItem] = []
    for it in items:
        pending = it.pending
        if pending.occurrence:
            out.append(it)
            continue
        inel = account.ineligible.get(it.invoice.currency, _NO_STEPS)
        floor = pending.floor
        # day.reached runs highest first: the last eligible one above the floor is the lowest.
        step = pending.step
        for index in it.day.reached:
            if floor < index < step and index not in inel:
                step = index
        if step == pending.step:
            out.append(it)
            continue
        due = it.day.dates.steps[step]
        assert due is not None  # a reached step has a date
        out.append(PendingItem(it.invoice, it.open, it.day, Pending(step, 0, floor, due)))
    return out


def passed_over(day: DayDates, ineligible: frozenset[int], pending: Pending) -> tuple[int, ...]:
    """Return the lower steps a pending step supersedes, lowest first.

    They are the eligible steps reached but ranked between the last step in the history and the
    pending one: due, never sent, and now overtaken.
    """
    if pending.occurrence:
        return ()
    floor, top = pending.floor, pending.step
    return tuple([i for i in reversed(day.reached) if floor < i < top and i not in ineligible])


def superseded_steps(account: Account, items: Sequence[PendingItem]) -> dict[int, list[str]]:
    """Return the lower steps the invoices of one action pass over, each with those invoices.

    A hold step is never among them: it is placed, never superseded (``add_passed_holds``).
    """
    holds = account.ladder.hold_steps
    passed: dict[int, list[str]] = {}
    for it in items:
        pending = it.pending
        if pending.occurrence or pending.step - pending.floor < 2:
            continue  # nothing between the last step worked and this one
        inel = account.ineligible.get(it.invoice.currency, _NO_STEPS)
        for lower in passed_over(it.day, inel, pending):
            if lower in holds:
                continue
            found = passed.get(lower)
            if found is None:
                passed[lower] = [it.invoice.id]
            else:
                found.append(it.invoice.id)
    return passed


def superseded_records(
    account: Account, by_step: dict[str, list[str]], invoice_ids: list[str], step: str, aid: str
) -> list[Superseded]:
    """Return the superseded steps of the action ``aid`` of ``step``, from ``by_step`` (lower
    step id -> its invoices)."""
    customer_id = account.policy.customer_id
    one = (invoice_ids[0],) if len(invoice_ids) == 1 else None  # the common case: one shared tuple
    return [
        new_superseded(customer_id, lower, one or tuple(ids), step, aid)
        for lower, ids in by_step.items()
    ]


def add_passed_holds(account: Account, groups: Groups) -> None:
    """Add a credit hold for invoices whose catch-up jumps a hold step (rule "credit hold").

    Catch-up sends only the highest letter, but a credit hold is no letter: an account that
    is 60 days overdue and was never put on hold must go on hold today, next to its final
    notice. Nothing is added when the account is already on hold.
    """
    holds = account.ladder.hold_steps
    if not holds or account.hold is not None:
        return
    hold_order = sorted(holds)
    added: dict[int, list[PendingItem]] = {}
    for (index, occurrence), items in groups.items():
        if index in holds or occurrence:
            continue
        for it in items:
            pending = it.pending
            floor, top = pending.floor, pending.step
            if top - floor < 2:
                continue
            inel = account.ineligible.get(it.invoice.currency, _NO_STEPS)
            reached = it.day.reached
            # The first hold step jumped over: passed_over(), asked of the few hold steps.
            for lower in hold_order:
                if floor < lower < top and lower not in inel and lower in reached:
                    due = it.day.dates.steps[lower]
                    assert due is not None  # a reached step has a date
                    # floor just below the hold: the letters it jumped over are reported
                    # as superseded by the higher step, not a second time by the hold.
                    hold = PendingItem(
                        it.invoice, it.open, it.day, Pending(lower, 0, lower - 1, due)
                    )
                    added.setdefault(lower, []).append(hold)
                    break  # one hold per invoice
    for index, items in added.items():
        groups.setdefault((index, 0), []).extend(items)
