"""The steps of a ladder: unique ids, date order, none before the invoice, no more contacts in 7
days than the guardrail allows, a step counted from the previous one has one, on a ladder that
catches up one level at a time, a repeat that has time to happen, and step conditions that can
fail (P019-P021, P032, P073-P076).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from engine.check.context import Context, step_label
from engine.model.policy import (
    Ladder,
    Step,
)
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P019": "two steps of a ladder have the same id",
    "P020": "the steps of a ladder are not in date order",
    "P021": "a step is dated before the invoice date (invoice-Nd)",
    "P032": "a ladder contacts the customer more often in 7 days than the guardrail allows",
    "P073": "the first step of a ladder is counted from the previous step (previous+Nd)",
    "P074": "a ladder with previous+Nd steps catches up to the highest step, not one level per run",
    "P075": "a repeated step is followed by the next step before its first repetition",
    "P076": "a step condition that always holds (min_open_invoices: 1)",
}

# The fewest days a calendar repeat of one month can take (February).
_SHORTEST_MONTH = 28


_WINDOW_DAYS = 7


def check_step_ids(context: Context) -> Iterator[Problem]:
    """Return problems for step ids used twice in one ladder."""
    for ladder in context.policy.ladders.values():
        yield from _id_problems(ladder)


def _id_problems(ladder: Ladder) -> Iterator[Problem]:
    first: dict[str, Step] = {}
    for step in ladder.steps:
        earlier = first.setdefault(step.id, step)
        if earlier is not step:
            line = earlier.origin.at("id").line
            yield Problem.at(
                step.origin.at("id"),
                "P019",
                f"step id '{step.id}' is used twice in ladder '{ladder.name}' (first on line "
                f"{line}): give each step its own id",
            )


def sound_ladder(ladder: Ladder) -> bool:
    """Return whether a ladder's steps have their own ids and come in date order (P019, P020).

    The customer files' delays are not checked against a ladder that is not (P028): its broken
    step is reported once, in the ladder's file, not again in every customer file that delays it.
    """
    return next(_id_problems(ladder), None) is None and next(_order_problems(ladder), None) is None


def check_step_order(context: Context) -> Iterator[Problem]:
    """Return problems for steps listed out of date order.

    Steps counted from the same anchor must have strictly increasing offsets (a business day
    counts as a day). Steps counted from the invoice or discount date cannot be compared with
    those counted from the due date in general, but must be listed before them. A step counted
    from the previous step sent always comes after it, wherever it is listed.
    """
    for ladder in context.policy.ladders.values():
        yield from _order_problems(ladder)


def _order_problems(ladder: Ladder) -> Iterator[Problem]:
    latest: dict[str, Step] = {}
    first_due: Step | None = None
    for step in ladder.steps:
        anchor = step.at.anchor
        if anchor == "previous":
            continue
        if anchor != "due" and first_due is not None:
            yield Problem.at(
                step.origin.at("at"),
                "P020",
                f"step {step_label(step)} comes after step {step_label(first_due)} in the "
                f"list: steps counted from the {anchor} date must come before the steps "
                "counted from the due date",
            )
        previous = latest.get(anchor)
        if previous is not None and step.at.days <= previous.at.days:
            when = "on the same day" if step.at.days == previous.at.days else "earlier"
            yield Problem.at(
                step.origin.at("at"),
                "P020",
                f"step {step_label(step)} comes after step {step_label(previous)} in the "
                f"list but happens {when}: steps must be in date order",
            )
        if previous is None or step.at.days > previous.at.days:
            latest[anchor] = step
        if anchor == "due" and first_due is None:
            first_due = step


def check_steps_after_invoice(context: Context) -> Iterator[Problem]:
    """Return problems for steps dated before the invoice was issued."""
    for ladder in context.policy.ladders.values():
        for step in ladder.steps:
            if step.at.anchor == "invoice" and step.at.days < 0:
                yield Problem.at(
                    step.origin.at("at"),
                    "P021",
                    f"step '{step.id}' ({step.at}) would happen before the invoice is issued: "
                    "count from the invoice date forwards (invoice+Nd) or from the due date",
                )


def check_previous_first(context: Context) -> Iterator[Problem]:
    """Return problems for ladders whose first step counts from the previous step sent."""
    for ladder in context.policy.ladders.values():
        first = ladder.steps[0] if ladder.steps else None
        if first is not None and first.at.anchor == "previous":
            yield Problem.at(
                first.origin.at("at"),
                "P073",
                f"step '{first.id}' ({first.at}) is the first step of ladder '{ladder.name}', "
                "so no step is ever sent before it and it would never fall due: count it from "
                "the invoice, discount or due date",
            )


def check_previous_catch_up(context: Context) -> Iterator[Problem]:
    """Return problems for ladders with ``previous`` steps that catch up to the highest step."""
    for ladder in context.policy.ladders.values():
        if ladder.catch_up == "one_level_per_run":
            continue
        counted = [step for step in ladder.steps[1:] if step.at.anchor == "previous"]
        if counted:
            step = counted[0]
            yield Problem.at(
                step.origin.at("at"),
                "P074",
                f"step '{step.id}' ({step.at}) of ladder '{ladder.name}' counts from the step "
                "before it, but the ladder catches up to the highest step: after a late import "
                "that step is superseded, never sent, and this one never falls due. Add "
                "`catch_up: one_level_per_run` to the ladder",
            )


def check_repeats_happen(context: Context) -> Iterator[Problem]:
    """Return problems for repeated steps that the next step (from the same date) overtakes
    before their first repetition falls due."""
    for ladder in context.policy.ladders.values():
        for index, step in enumerate(ladder.steps):
            interval = step.repeat_days or _SHORTEST_MONTH * (step.repeat_months or 0)
            anchor = step.at.anchor
            if not interval or anchor == "previous":
                continue
            later = next((s for s in ladder.steps[index + 1 :] if s.at.anchor == anchor), None)
            if later is None:
                continue
            gap = later.at.days - step.at.days
            if gap <= interval:
                every = f"{step.repeat_days}d" if step.repeat_days else f"{step.repeat_months}m"
                yield Problem.at(
                    step.origin.at("repeat"),
                    "P075",
                    f"step '{step.id}' ({step.at}) repeats every {every}, but step "
                    f"'{later.id}' ({later.at}) comes {gap} days after it, before the first "
                    "repetition: the ladder moves on and the step never repeats. Repeat it more "
                    "often, move the next step later, or remove repeat",
                )


def check_conditions_can_fail(context: Context) -> Iterator[Problem]:
    """Return problems for step conditions that always hold: an invoice being chased is open, so
    a customer always has at least one open invoice."""
    for ladder in context.policy.ladders.values():
        for step in ladder.steps:
            if step.when is not None and step.when.min_open_invoices == 1:
                yield Problem.at(
                    step.origin.at("when", "min_open_invoices"),
                    "P076",
                    f"step '{step.id}' of ladder '{ladder.name}' applies when the customer has at "
                    "least 1 unpaid invoice, which is always so for an invoice being chased: "
                    "write the number of invoices that should trigger it (e.g. 2), or remove "
                    "the condition",
                )


def _contact_occurrences(steps: Sequence[Step]) -> list[tuple[int, Step]]:
    """Return (day, step) for each contact of steps counted from one anchor, repeats included.

    A repeat is counted until the next step (it stops when a later step is reached) and at most
    over one window.
    """
    found: list[tuple[int, Step]] = []
    for index, step in enumerate(steps):
        if not step.is_contact:
            continue
        day = step.at.days
        found.append((day, step))
        if step.repeat_days:
            stop = steps[index + 1].at.days if index + 1 < len(steps) else day + _WINDOW_DAYS
            again = day + step.repeat_days
            while again < stop and again < day + _WINDOW_DAYS:
                found.append((again, step))
                again += step.repeat_days
    return sorted(found, key=lambda item: item[0])


def check_contact_density(context: Context) -> Iterator[Problem]:
    """Return problems for ladders that contact a customer more often in 7 days than allowed."""
    limit = context.policy.guardrails.max_contacts_per_7_days
    if limit is None:
        return
    for ladder in context.policy.ladders.values():
        reported: list[set[str]] = []
        for anchor in ("invoice", "discount", "due"):
            steps = [step for step in ladder.steps if step.at.anchor == anchor]
            contacts = _contact_occurrences(steps)
            for start, (day, _) in enumerate(contacts):
                window = [item for item in contacts[start:] if item[0] < day + _WINDOW_DAYS]
                if len(window) <= limit:
                    continue
                ids = {step.id for _, step in window}
                if any(ids <= earlier for earlier in reported):
                    continue
                reported.append(ids)
                named: dict[str, str] = {}
                for _, step in window:
                    repeat = f", repeated every {step.repeat_days}d" if step.repeat_days else ""
                    named.setdefault(step.id, f"'{step.id}' ({step.at}{repeat})")
                culprit = window[limit][1]
                yield Problem.at(
                    culprit.origin.at("at"),
                    "P032",
                    f"ladder '{ladder.name}' contacts the customer {len(window)} times within "
                    f"7 days ({', '.join(named.values())}): guardrails.max_contacts_per_7_days "
                    f"allows {limit}; space the steps out",
                )
