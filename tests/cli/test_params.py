"""`--date` hands every command a calendar day (a ``date``, never a ``datetime``) or says why not.

The story: `dunning actions` declared its `--date` as a ``date`` but click handed it a
``datetime`` (midnight), which the command had to remember to cut down. A ``datetime`` that slips
through into the engine fails as soon as it meets a ledger's dates (``TypeError: can't compare
datetime.datetime to datetime.date``). Every command that takes a day now gets exactly a
``date``, and a wrong one is refused in the same words everywhere.
"""

from __future__ import annotations

from datetime import date

import click
import pytest
from click.testing import CliRunner

from dunning.cli import main

# Each command with a --date option, and the other options it cannot start without.
DATED_COMMANDS: dict[str, list[str]] = {"actions": [], "demo": [], "plan": ["--base", "main"]}


@pytest.mark.parametrize("name", DATED_COMMANDS)
def test_date_option_gives_the_command_a_date_not_a_datetime(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    ctx = command.make_context(name, [*DATED_COMMANDS[name], "--date", "2026-11-23"])
    assert type(ctx.params["as_of"]) is date
    assert ctx.params["as_of"] == date(2026, 11, 23)


@pytest.mark.parametrize("name", DATED_COMMANDS)
@pytest.mark.parametrize(
    "value",
    ["2026-13-01", "2026-02-30", "23/11/2026", "20261123", "2026-11-23T10:00", "2026-1-3", ""],
    ids=["month-13", "30-february", "day-first", "no-dashes", "with-time", "short", "empty"],
)
def test_a_wrong_date_is_refused_with_what_to_write(name: str, value: str) -> None:
    result = CliRunner().invoke(main, [name, "--date", value], catch_exceptions=False)
    assert result.exit_code == 2
    assert f"Invalid value for '--date': {value!r} is not a day" in result.output
    assert "write YYYY-MM-DD, e.g. 2026-11-23" in result.output
