"""``dunning send``: put today's emails and letters in the outbox and deliver them, once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from dunning.params import day_option, letters_dir_option, policy_option


@click.command("send")
@day_option
@click.option("--ledger", "ledger", metavar="URL",
              help="The ledger database, which holds the outbox. Default: $DUNNING_DATABASE_URL, "
                   "else sqlite:///dunning.db. --dry-run and --to-file also take a ledger file.")
@policy_option
@click.option("--dry-run", is_flag=True,
              help="Print what would go out; send, write and record nothing.")
@click.option("--to-file", "to_file", metavar="DIR", type=click.Path(file_okay=False),
              help="Write each email as DIR/….eml and each letter as DIR/….pdf instead of "
                   "sending; record nothing.")
@letters_dir_option
@click.option("--retry", "retry_ids", multiple=True, metavar="ACTION_ID",
              help="Send again a message that failed or is uncertain (after you fixed the "
                   "address or checked it never arrived). Repeat for several.")
def command(as_of: date | None, ledger: str | None, policy_path: str, dry_run: bool,
            to_file: str | None, letters_dir: str | None, retry_ids: tuple[str, ...]) -> None:
    """Send today's reminder emails and letters: each action once, whatever reruns or crashes.

    Emails go to the mail server in $DUNNING_SMTP_URL (smtp://user:pass@host:587?starttls=true
    or smtps://user:pass@host:465); without it they stay queued.
    """
    from delivery.daily import check_portal_settings  # noqa: PLC0415
    from delivery.send import (  # noqa: PLC0415 - keep --help fast
        SendReport,
        describe,
        evaluate_with_customers,
        messages_of,
        write_files,
    )
    from dunning.inputs import (  # noqa: PLC0415
        is_ledger_file,
        ledger_spec,
        load_valid_policy,
        read_ledger,
    )
    from engine.tools.today import today_in  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    spec = ledger_spec(ledger)
    if dry_run or to_file:
        check_portal_settings()
        evaluation, customers = evaluate_with_customers(
            loaded.policy, read_ledger(spec, as_of=day), day, loaded.version
        )
        report = SendReport()
        messages = messages_of(evaluation, loaded.policy, customers, root=loaded.root,
                               report=report, with_content=bool(to_file))  # fmt: skip
        if to_file:
            written = write_files(messages, Path(to_file))
            click.echo(f"Wrote {len(written)} files to {to_file} for {day} (nothing sent or "
                       "recorded).")  # fmt: skip
        else:
            for message in messages:
                click.echo(describe(message))
            click.echo(f"{len(messages)} messages would go out on {day} (dry run: nothing sent "
                       "or recorded).")  # fmt: skip
        for action_id, reason in report.not_composed:
            click.echo(f"not sent: {action_id}: {reason}", err=True)
        return
    if is_ledger_file(spec):
        raise click.UsageError(
            f"--ledger {spec}: sending needs the ledger database, which keeps the outbox; a "
            "ledger file works with --dry-run and --to-file"
        )
    from delivery.daily import open_sending, send_day  # noqa: PLC0415

    with open_sending(spec, letters_dir=Path(letters_dir) if letters_dir else None) as sending:
        if retry_ids:
            again = sending.requeue(retry_ids)
            shown = ", ".join(again) or "none (only failed or uncertain messages can be retried)"
            click.echo(f"Queued again: {shown}")
        report = send_day(sending, loaded, day)
    for line in report.lines():
        click.echo(line)
