"""Steps that expire: an expiry that stops a step from ever being sent or repeated (P085), and a
message that speaks of a due date still to come on a step that can go out after it (P079, a
warning). Rule "expiry" in docs/rules/ladder.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from engine.check.context import Context, step_label
from engine.model.policy import Step, Template, Term
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P079": "warning: a message speaks of a due date to come, but its step can go out after it",
    "P085": "a step's expiry stops it from ever being sent, or from repeating",
}

# Words that tell the customer the due date is still to come, in the languages of the bundled
# templates: "falls due on", "is due by {oldest_due_date}"; "wird am … fällig", "fällig am …".
# Words about a due date passed ("was due on", "war am … fällig") are not among them.
FUTURE_DUE = (
    re.compile(r"\bfalls? due\b", re.IGNORECASE),
    re.compile(r"\b(?:is|are|will be) (?:\w+ )?due (?:by|on) \{oldest_due_date\}", re.IGNORECASE),
    re.compile(r"\bexpected by \{oldest_due_date\}", re.IGNORECASE),
    re.compile(r"\bpayment date of \{oldest_due_date\}", re.IGNORECASE),
    re.compile(r"\bwird am \{oldest_due_date\} fällig", re.IGNORECASE),
    re.compile(r"\bbis (?:zum )?\{oldest_due_date\} fällig", re.IGNORECASE),
    re.compile(r"\bfällig am \{oldest_due_date\}", re.IGNORECASE),
)
# The fewest days a month adds to a due date (February).
_SHORTEST_MONTH = 28


def check_expiry(context: Context) -> Iterator[Problem]:
    """Return problems for expiries that stop a step from being sent or from repeating."""
    for ladder in context.policy.ladders.values():
        for step in ladder.steps:
            at = step.at
            on_or_after_due = (at.anchor == "due" and at.days >= 0) or at.anchor == "previous"
            if step.after_due == "skip" and on_or_after_due:
                yield Problem.at(
                    step.origin.at("after_due"),
                    "P085",
                    f"step {step_label(step)} falls on or after the due date, and `after_due: "
                    "skip` stops it from going out then, so it is never sent: remove "
                    "`after_due: skip`, or date the step before the due date",
                )
            if step.expires_days is not None and (step.repeat_days or step.repeat_months):
                yield Problem.at(
                    step.origin.at("expires"),
                    "P085",
                    f"step {step_label(step)} repeats and expires: once expired it would "
                    "never repeat again. Use `max_repeats` to end the repeats, or remove "
                    "`expires`",
                )


def check_future_due_words(context: Context) -> Iterator[Problem]:
    """Return a warning for each step whose message speaks of a due date still to come while the
    step can go out on or after the due date."""
    policy = context.policy
    shortest = shortest_periods(policy.terms.values())
    for ladder in policy.ladders.values():
        for step in ladder.steps:
            template = policy.templates.get(step.template) if step.template else None
            if template is None:
                continue
            words = future_due_words(template)
            if words is None or not can_go_out_after_due(step, shortest):
                continue
            if step.after_due == "send":
                when = "can go out after the due date (after_due: send)"
            elif step.at.anchor in ("due", "previous"):
                when = "goes out after the due date"
            else:
                days = shortest[0] if step.at.anchor == "invoice" else shortest[1]
                when = f"goes out after the due date on the policy's terms of {days} days"
            yield Problem.warning_at(
                step.origin.at("template"),
                "P079",
                f"template '{template.name}' says \"{words}\", a due date still to come, but "
                f"step {step_label(step)} {when}: set `after_due: skip` on the step, or word "
                "the message for an invoice already due",
            )


def future_due_words(template: Template) -> str | None:
    """Return the first words of ``template`` that speak of a due date still to come, or None."""
    for variant in template.variants:
        for text in (variant.subject, variant.body):
            flat = " ".join(text.split())
            for pattern in FUTURE_DUE:
                found = pattern.search(flat)
                if found is not None:
                    return found.group(0)
    return None


def can_go_out_after_due(step: Step, shortest: tuple[int, int]) -> bool:
    """Return whether ``step`` can be sent on or after an invoice's due date (rule "expiry").

    ``shortest`` is the fewest days, over the policy's terms, from the invoice date to the due
    date, and from the discount deadline to the due date.
    """
    if step.after_due is not None:
        return step.after_due == "send"
    at = step.at
    if at.anchor == "previous":
        return True
    if at.anchor == "due":
        return at.days >= 0
    gap = shortest[0] if at.anchor == "invoice" else shortest[1]
    return at.days >= gap


def shortest_periods(terms: Iterable[Term]) -> tuple[int, int]:
    """Return the fewest days from the invoice date to the due date under any of ``terms``, and
    from a discount deadline to the due date (a lower bound: the months counted as February)."""
    to_due: list[int] = []
    after_discount: list[int] = []
    for term in terms:
        for part in (p.due for p in term.instalments) if term.instalments else (term,):
            days = shortest_period(part)
            to_due.append(days)
            if term.discounts:
                # The `discount` anchor is the first discount's last day.
                first = term.discounts[0]
                plain = first.days is not None and not first.from_end_of_month
                after_discount.append(days - (first.days or 0) if plain else 0)
    return (min(to_due, default=0), min(after_discount, default=0))


def shortest_period(term: Term) -> int:
    """Return the fewest days from the invoice date to the due date under ``term``."""
    if term.day_of_next_month is not None:
        return term.day_of_next_month  # from the last day of the invoice month
    days = (term.net_days or 0) + _SHORTEST_MONTH * (term.net_months or 0)
    return days + term.then_days if term.then_end_of_month else days

