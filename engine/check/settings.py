"""Policy settings: a calendar country and subdivision with known holidays, a known time zone
(P033-P034).
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.check.context import Context, did_you_mean
from engine.model.source import Problem

CODES: dict[str, str] = {
    "P033": "the calendar's country or subdivision has no public holidays we know",
    "P034": "unknown time zone",
}


def check_calendar(context: Context) -> Iterator[Problem]:
    """Return a problem when the calendar's country or subdivision is not known."""
    spec = context.policy.calendar
    if spec.country is None and spec.subdivision is None:
        return
    # Imported here: loading the holiday tables costs time that policies without one do not need.
    from engine.rules.calendar import calendar_problem  # noqa: PLC0415

    message = calendar_problem(spec)
    if message is not None:
        wrong = "subdivision" if spec.subdivision and "subdivision" in message else "country"
        yield Problem.at(context.policy.origin.at("calendar", wrong), "P033", message)


def check_timezone(context: Context) -> Iterator[Problem]:
    """Return a problem when the policy's time zone is not an IANA time zone."""
    import zoneinfo  # noqa: PLC0415 - only this check needs it

    name = context.policy.timezone
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        zones = zoneinfo.available_timezones()
        lowered = {zone.lower(): zone for zone in zones}
        guess = (
            f"; did you mean '{lowered[name.lower()]}'?"
            if name.lower() in lowered
            else did_you_mean(name, sorted(zones))
        )
        yield Problem.at(
            context.policy.origin.at("timezone"),
            "P034",
            f"time zone '{name}' is not known: write an IANA time zone such as Europe/London"
            f"{guess}",
        )
