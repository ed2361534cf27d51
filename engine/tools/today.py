"""Today in the policy's time zone: the default day of every list, read once, at the edge.

The evaluation never reads the clock (the day is an argument); the command line and the service
ask this once per command or request and hand the day down.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def today_in(timezone: str) -> date:
    """Return today's date in ``timezone`` (the policy's, e.g. ``Europe/London``)."""
    return datetime.now(ZoneInfo(timezone)).date()


def day_at(timezone: str, timestamp: float) -> date:
    """Return the date in ``timezone`` at the moment ``timestamp`` (seconds since the epoch):
    the day of a service that reads its clock through a function it was given."""
    return datetime.fromtimestamp(timestamp, ZoneInfo(timezone)).date()
