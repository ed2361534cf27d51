"""``dunning portal``: hand a customer a fresh payment-portal link, or revoke their links."""

from __future__ import annotations

import getpass

import click
from sqlalchemy import Engine

from store.connection import create_store_engine
from store.migrate import DatabaseNotReadyError, require_current
from store.portal_links import PortalLinks, PortalSettings, PortalSettingsError, revoke_links

DATABASE_HELP = "Database URL (default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db)."


@click.group("portal")
def command() -> None:
    """The customers' payment portal: links and their revocation (docs/portal.md)."""


@command.command("link")
@click.argument("customer_id")
@click.option(
    "--database", "database", metavar="URL", envvar="DUNNING_DATABASE_URL", help=DATABASE_HELP
)
def link(customer_id: str, database: str | None) -> None:
    """Print a new portal link for CUSTOMER_ID (to send by hand), made with the settings in
    $DUNNING_PORTAL_URL and $DUNNING_PORTAL_KEYS."""
    try:
        settings = PortalSettings.from_environment()
    except PortalSettingsError as error:
        raise click.ClickException(str(error)) from error
    if settings is None:
        raise click.ClickException(
            "no portal is set up: set DUNNING_PORTAL_URL and DUNNING_PORTAL_KEYS (docs/portal.md)"
        )
    _known(customer_id, database)
    click.echo(PortalLinks(settings).link(customer_id, "manual"))


@command.command("revoke")
@click.argument("customer_id")
@click.option(
    "--database", "database", metavar="URL", envvar="DUNNING_DATABASE_URL", help=DATABASE_HELP
)
def revoke(customer_id: str, database: str | None) -> None:
    """Stop every portal link CUSTOMER_ID was sent so far (links made later work)."""
    engine = create_store_engine(database)
    try:
        _ready(engine)
        with engine.connect() as conn:
            moment = revoke_links(conn, customer_id, who=_who())
    except LookupError as error:
        raise click.ClickException(str(error.args[0])) from error
    finally:
        engine.dispose()
    click.echo(f"Revoked the portal links of {customer_id} made up to {moment.isoformat()}.")


def _known(customer_id: str, database: str | None) -> None:
    from sqlalchemy import select  # noqa: PLC0415

    from store.models import customers  # noqa: PLC0415

    engine = create_store_engine(database)
    try:
        _ready(engine)
        with engine.connect() as conn:
            found = conn.execute(select(customers.c.id).where(customers.c.id == customer_id))
            if found.scalar() is None:
                raise click.ClickException(f"customer {customer_id} is not in the ledger")
    finally:
        engine.dispose()


def _ready(engine: Engine) -> None:
    try:
        require_current(engine)
    except DatabaseNotReadyError as error:
        raise click.ClickException(str(error)) from error


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "dunning portal"
