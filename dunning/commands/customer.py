"""``dunning customer``: a customer's timeline, as the customer page and the API show it."""

from __future__ import annotations

import json
from datetime import date

import click

from dunning.params import DAY


@click.command("customer")
@click.argument("customer_id", metavar="ID")
@click.option(
    "--database",
    "database",
    metavar="URL",
    help="The ledger database. Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.",
)
@click.option(
    "--date",
    "as_of",
    type=DAY,
    help="Show the timeline up to this day (YYYY-MM-DD). Default: today in the policy's time zone.",
)
@click.option(
    "--policy",
    "policy_path",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
    help="The policy repository (names each step: an email, a call, a credit hold).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the timeline (json: as GET /v1/customers/ID/timeline).",
)
def command(
    customer_id: str, database: str | None, as_of: date | None, policy_path: str, fmt: str
) -> None:
    """Print the customer's timeline, newest first: actions worked (who, outcome, note), promises
    kept or broken, disputes, payment plans, payments, credit notes, hand-overs and notes."""
    from dunning.inputs import load_valid_policy  # noqa: PLC0415 - keep --help fast
    from engine.report.timeline import render_timeline_text, timeline_to_dict  # noqa: PLC0415
    from engine.tools.today import today_in  # noqa: PLC0415
    from store.connection import create_store_engine, missing_sqlite_file  # noqa: PLC0415
    from store.migrate import DatabaseNotReadyError, require_current  # noqa: PLC0415
    from store.settings import database_url  # noqa: PLC0415
    from store.timeline import CustomerNotFoundError, read_timeline  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    url = database_url(database)
    missing = missing_sqlite_file(url)
    if missing is not None:
        raise click.ClickException(
            f"there is no ledger at {url}: the file {missing.resolve()} does not exist"
            " (try `dunning demo`, or `dunning db upgrade` then `dunning import ...`)"
        )
    engine = create_store_engine(url)
    try:
        require_current(engine)
        with engine.connect() as conn:
            timeline = read_timeline(conn, customer_id, day, loaded.policy)
    except DatabaseNotReadyError as error:
        raise click.ClickException(str(error)) from error
    except CustomerNotFoundError as error:
        raise click.ClickException(f"{error} (`dunning actions` lists customers)") from error
    finally:
        engine.dispose()
    if fmt == "json":
        click.echo(json.dumps(timeline_to_dict(timeline), indent=2, ensure_ascii=False))
    else:
        click.echo(render_timeline_text(timeline), nl=False)
