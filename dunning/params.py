"""Click parameter types for the values our commands take: a calendar day."""

from __future__ import annotations

import re
from datetime import date

import click

from engine.model.ledger_fields import check_day, timestamp_hint

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
                day = date.fromisoformat(text)
                invalid = check_day(day)
                if invalid is None:
                    return day
                return self.fail(invalid.message(text), param, ctx)
        except ValueError:
            pass  # a month 13 or a 30 February: refused below with the same words
        hint = timestamp_hint(text)
        if hint is not None:
            return self.fail(hint.message(repr(text)), param, ctx)
        return self.fail(f"{text!r} is not a day: write YYYY-MM-DD, e.g. 2026-11-23", param, ctx)


DAY = Day()


# Options the commands share, written once.
day_option = click.option(
    "--date", "as_of", type=DAY,
    help="The day (YYYY-MM-DD). Default: today in the policy's time zone.",
)  # fmt: skip
policy_option = click.option(
    "--policy", "policy_path", default=".", show_default=True,
    type=click.Path(exists=True, file_okay=False),
    help="The policy repository (the folder holding policies/ and customers/).",
)  # fmt: skip
letters_dir_option = click.option(
    "--letters-dir", "letters_dir", metavar="DIR", type=click.Path(file_okay=False),
    envvar="DUNNING_LETTERS_DIR",
    help="The print folder: letters are written there as PDFs, one folder a day, with a "
         "manifest.csv. Default: $DUNNING_LETTERS_DIR; without it letters wait in the outbox.",
)  # fmt: skip
database_option = click.option(
    "--database", metavar="URL",
    help="The ledger database. Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.",
)  # fmt: skip
who_option = click.option(
    "--who", default=None, help="Who is acting (default: your user name).",
)  # fmt: skip
