"""Click parameter types for the values our commands take: a calendar day."""

from __future__ import annotations

import re
from datetime import date

import click

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class Day(click.ParamType[date]):
    """A calendar day written YYYY-MM-DD, handed to the command as a ``datetime.date``.

    ``click.DateTime`` hands over a ``datetime``, which the engine must never see: comparing it
    with a ledger's dates raises ``TypeError``, and its time of day means nothing for a due date.
    """

    name = "date"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> date:
        """Return ``value`` as a date, or fail with what to write instead."""
        if type(value) is date:  # click converts defaults too
            return value
        text = str(value).strip()
        try:
            if _ISO_DAY.fullmatch(text):
                return date.fromisoformat(text)
        except ValueError:
            pass  # a month 13 or a 30 February: refused below with the same words
        return self.fail(f"{text!r} is not a day: write YYYY-MM-DD, e.g. 2026-11-23", param, ctx)


DAY = Day()
