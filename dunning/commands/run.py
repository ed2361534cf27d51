"""``dunning run``: the daily job. Evaluate today's list, log it, write the day's snapshot for
reports, send what is automatic, deliver webhooks, and print a summary; safe to run twice a day
(the second run sends nothing new)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import click

from dunning.params import day_option, letters_dir_option, policy_option

LOG_LEVELS = ("debug", "info", "warning", "error")


@click.command("run")
@day_option
@click.option("--ledger", "ledger", metavar="URL",
              help="The ledger database (it holds the outbox). Default: $DUNNING_DATABASE_URL, "
                   "else sqlite:///dunning.db.")
@policy_option
@letters_dir_option
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True,
              help="How much the job logs to standard error (counts and ids, nothing personal).")
def command(as_of: date | None, ledger: str | None, policy_path: str, letters_dir: str | None,
            log_level: str) -> None:
    """Run the day: evaluate the list, log it, write the day's snapshot for reports, send its
    emails and letters, deliver webhooks, print a summary.

    Meant for a timer (systemd, cron, a scheduled workflow: see deploy/). Safe to run again the
    same day: every message is sent once. Emails go to $DUNNING_SMTP_URL, as `dunning send`.
    """
    from delivery.daily import open_sending, run_day  # noqa: PLC0415 - keep --help fast
    from dunning.inputs import is_ledger_file, ledger_spec, load_valid_policy  # noqa: PLC0415
    from engine.tools.today import today_in  # noqa: PLC0415

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    spec = ledger_spec(ledger)
    if is_ledger_file(spec):
        raise click.UsageError(
            f"--ledger {spec}: the daily job needs the ledger database, which keeps the outbox "
            "and the action log; a ledger file works with `dunning actions` and `dunning send "
            "--dry-run`"
        )
    with open_sending(spec, letters_dir=Path(letters_dir) if letters_dir else None) as sending:
        report = run_day(sending, loaded, day)
    for line in report.lines():
        click.echo(line)
