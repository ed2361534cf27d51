"""``dunning webhook``: the URLs that receive signed action and outcome events, and their
delivery (docs/webhooks.md)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import click
from sqlalchemy import Engine

from store import webhooks
from store.migrate import DatabaseNotReadyError, open_current

DATABASE_HELP = "Database URL (default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db)."
database_option = click.option(
    "--database", "database", metavar="URL", envvar="DUNNING_DATABASE_URL", help=DATABASE_HELP
)


@contextmanager
def _database(url: str | None) -> Iterator[Engine]:
    try:
        with open_current(url) as engine:
            yield engine
    except DatabaseNotReadyError as error:
        raise click.ClickException(str(error)) from error


@click.group("webhook")
def command() -> None:
    """Send action and outcome events, signed, to other systems (a CRM, a chat tool)."""


@command.command("add")
@click.argument("url")
@click.option("--event", "events", multiple=True, type=click.Choice(webhooks.EVENT_TYPES),
              help="An event type the URL receives (repeat for several). Default: all.")
@database_option
def add(url: str, events: tuple[str, ...], database: str | None) -> None:
    """Add URL as a receiver and print its signing secret once."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise click.UsageError(f"{url!r} is not a web address: write https://host/path")
    with _database(database) as engine, engine.connect() as conn:
        identity, secret = webhooks.add_endpoint(conn, url, events)
    click.echo(secret)
    click.echo(
        f"Webhook {identity} added for {', '.join(events) or 'every event'}. The line above is "
        "its signing secret, shown only this once: give it to the receiver, which checks the "
        "Dunning-Signature header with it (docs/webhooks.md).",
        err=True,
    )


@command.command("list")
@database_option
def list_(database: str | None) -> None:
    """List the receivers and how many deliveries are in each state."""
    with _database(database) as engine, engine.connect() as conn:
        endpoints = webhooks.list_endpoints(conn)
        states = webhooks.counts(conn)
    if not endpoints:
        click.echo("No webhook: add one with `dunning webhook add URL`.")
    for endpoint in endpoints:
        state = f"disabled {endpoint.disabled_at:%Y-%m-%d}" if endpoint.disabled_at else "active"
        click.echo(f"{endpoint.id}  {state:<19} {','.join(endpoint.events):<33} {endpoint.url}")
    if states:
        click.echo("deliveries: " + ", ".join(f"{n} {state}" for state, n in states.items()))


@command.command("disable")
@click.argument("endpoint_id")
@database_option
def disable(endpoint_id: str, database: str | None) -> None:
    """Stop sending to a receiver; what was waiting for it is dropped."""
    with _database(database) as engine, engine.connect() as conn:
        if not webhooks.disable_endpoint(conn, endpoint_id):
            raise click.ClickException(
                f"no active webhook {endpoint_id}: see `dunning webhook list`"
            )
    click.echo(f"Webhook {endpoint_id} disabled.")


@command.command("retry")
@click.argument("endpoint_id", required=False)
@database_option
def retry(endpoint_id: str | None, database: str | None) -> None:
    """Queue again the deliveries that failed (of one receiver, or all), once it is back."""
    with _database(database) as engine, engine.connect() as conn:
        again = webhooks.requeue_failed(conn, endpoint_id)
    click.echo(f"Queued again: {again} failed deliveries; `dunning webhook deliver` sends them.")


@command.command("deliver")
@click.option("--watch", "watch", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Keep running, delivering what is due every SECONDS (a service); without it, "
                   "deliver what is due once and stop.")
@database_option
def deliver(watch: float | None, database: str | None) -> None:
    """POST the events that are due, signed; retry failures later with backoff."""
    from delivery.webhooks import deliver_due, http_post, open_client  # noqa: PLC0415

    with _database(database) as engine, open_client() as client:
        post = http_post(client)
        while True:
            report = deliver_due(engine, post)
            if watch is None:
                for line in report.lines():
                    click.echo(line)
                return
            time.sleep(watch)
