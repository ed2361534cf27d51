"""``dunning demo``: build a seeded demo ledger and print its action list for the day."""

from __future__ import annotations

from datetime import date

import click

from dunning.params import DAY

DEFAULT_DEMO_DATABASE = "sqlite:///dunning-demo.db"


@click.command("demo")
@click.option(
    "--database",
    "database",
    metavar="URL",
    default=DEFAULT_DEMO_DATABASE,
    show_default=True,
    help="Where to build the demo ledger (replaced on every run; a database holding"
    " any other ledger is refused).",
)
@click.option(
    "--date",
    "as_of",
    type=DAY,
    help="The demo's today (YYYY-MM-DD). Default: today in the policy's time zone.",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="The same seed and date always give the same ledger.",
)
@click.option(
    "--policy",
    "policy_path",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False),
    help="The policy repository (policies/ and customers/).",
)
@click.option(
    "--format",
    "fmt",
    default="table",
    show_default=True,
    type=click.Choice(["table", "json", "csv", "markdown"]),
    help="How to print the action list.",
)
def command(database: str, as_of: date | None, seed: int, policy_path: str, fmt: str) -> None:
    """Build a realistic demo ledger (500 customers, 5,000 invoices) and list today's actions."""
    from dunning.inputs import load_valid_policy  # noqa: PLC0415 - keep --help fast
    from engine.evaluate import evaluate  # noqa: PLC0415
    from engine.report.render import RenderContext, render_actions  # noqa: PLC0415
    from engine.tools.today import today_in  # noqa: PLC0415
    from store.connection import create_store_engine  # noqa: PLC0415
    from store.demo import NotADemoDatabaseError, build_demo  # noqa: PLC0415
    from store.reader import iter_customer_ledgers  # noqa: PLC0415
    from store.settings import database_url  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    engine = create_store_engine(database_url(database))
    shown = engine.url.render_as_string(hide_password=True)
    try:
        summary = build_demo(engine, day, seed, loaded.root)
        click.echo(f"{summary.describe()}, in {shown}.", err=True)
        evaluation = evaluate(
            loaded.policy, iter_customer_ledgers(engine, as_of=day), day, loaded.version
        )
    except NotADemoDatabaseError as error:
        raise click.ClickException(f"{shown}: {error}") from error
    finally:
        engine.dispose()
    ctx = RenderContext(policy=loaded.policy, ledger_label=shown)
    click.echo(render_actions(evaluation, fmt, ctx), nl=False)
