"""``dunning waive``: take the fees and interest an action charged off the customer's account."""

from __future__ import annotations

import getpass
from datetime import date

import click

from dunning.commands.handoff import ledger_of
from dunning.params import DAY


@click.command("waive")
@click.argument("action_id", metavar="ACTION")
@click.option("--reason", required=True, help="Why the charges are waived (kept with the waiver).")
@click.option("--who", default=None, help="Who waives them (default: your user name).")
@click.option(
    "--database",
    metavar="URL",
    help="The ledger database. Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.",
)
@click.option(
    "--date",
    "as_of",
    type=DAY,
    help="The day the waiver takes effect (YYYY-MM-DD). Default: today in the policy's time zone.",
)
@click.option(
    "--policy",
    "policy_path",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
    help="The policy repository (its time zone gives today).",
)
def command(
    action_id: str,
    reason: str,
    who: str | None,
    database: str | None,
    as_of: date | None,
    policy_path: str,
) -> None:
    """Waive the fees and interest ACTION charged when it was done: from the day on they are not
    owed, and what payments had paid of them pays the invoice (docs/rules/charges.md). An
    action's charges are waived once; waiving them again says so and changes nothing."""
    from dunning.inputs import load_valid_policy  # noqa: PLC0415 - keep --help fast
    from engine.tools.today import today_in  # noqa: PLC0415
    from store.charge_waivers import NothingToWaiveError, record_waiver  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    with ledger_of(database) as engine, engine.connect() as conn:
        try:
            recorded = record_waiver(
                conn, action_id=action_id, day=day, reason=reason, who=who or getpass.getuser()
            )
        except NothingToWaiveError as error:
            raise click.ClickException(f"action {action_id}: {error}") from error
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--reason") from error
    waiver = recorded.waiver
    if recorded.created:
        click.echo(
            f"Waived the charges of action {waiver.action_id} for customer {waiver.customer_id} "
            f"from {waiver.date.isoformat()} ({waiver.id})."
        )
    else:
        click.echo(
            f"The charges of action {waiver.action_id} were already waived on "
            f"{waiver.date.isoformat()} by {waiver.who or 'someone'} ({waiver.id}): "
            f"{waiver.reason}"
        )
