"""``dunning actions``: today's action list for collections staff."""

from __future__ import annotations

from datetime import date

import click

from dunning.inputs import is_ledger_file, ledger_spec, load_valid_policy, read_ledger
from dunning.list_output import STREAMED_FORMATS, write_list
from dunning.params import DAY
from engine.evaluate import evaluate, evaluate_customers
from engine.report.render import REPORTERS, RenderContext, render_actions
from engine.tools.today import today_in
from store.collector import collector_paused


@click.command("actions")
@click.option("--date", "as_of", type=DAY,
              help="The day to list (YYYY-MM-DD). Default: today in the policy's time zone.")
@click.option("--ledger", "ledger", metavar="FILE|URL",
              help="A ledger file (.yaml, .yml, .json) or a database URL. "
                   "Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.")
@click.option("--customer", "customers", multiple=True, metavar="ID",
              help="Only this customer (repeat for several).")
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="table",
              show_default=True, help="How to print the list.")
@click.option("--policy", "policy_path", default=".", show_default=True,
              type=click.Path(exists=True, file_okay=False),
              help="The policy repository (the folder holding policies/ and customers/).")
@click.option("--no-messages", is_flag=True, help="Leave the rendered messages out of JSON.")
def command(as_of: date | None, ledger: str | None, customers: tuple[str, ...], fmt: str,
            policy_path: str, no_messages: bool) -> None:
    """Print the day's action list: who to email, call, hold, charge, escalate or write off."""
    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    spec = ledger_spec(ledger)
    ctx = RenderContext(policy=loaded.policy, ledger_label=spec, with_messages=not no_messages)
    with collector_paused():  # a whole ledger's records, none of them in a cycle
        if fmt in STREAMED_FORMATS and not is_ledger_file(spec):
            # A database's list is written customer by customer, never held whole.
            outcomes = evaluate_customers(loaded.policy, read_ledger(spec, customers, day), day)
            if write_list(outcomes, fmt, loaded.version, ctx):
                return
        evaluation = evaluate(loaded.policy, read_ledger(spec, customers, day), day, loaded.version)
    click.echo(render_actions(evaluation, fmt, ctx), nl=False)
