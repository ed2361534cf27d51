"""``dunning db``: create or upgrade the ledger database."""

from __future__ import annotations

import click


@click.group("db")
def command() -> None:
    """Create or upgrade the ledger database (SQLite by default, PostgreSQL in production)."""


@command.command("upgrade")
@click.option(
    "--database",
    "database",
    metavar="URL",
    help="The database. Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.",
)
def upgrade_command(database: str | None) -> None:
    """Create the ledger tables, or bring an older database up to this version's schema."""
    from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - keep `dunning --help` fast

    from store.connection import create_store_engine  # noqa: PLC0415
    from store.migrate import head_revision, upgrade  # noqa: PLC0415
    from store.settings import database_url  # noqa: PLC0415

    url = database_url(database)
    engine = create_store_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        revision = upgrade(engine)
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"{shown}: could not upgrade the database: {getattr(error, 'orig', None) or error}"
        ) from error
    finally:
        engine.dispose()
    click.echo(f"{shown}: ledger schema at revision {revision} (newest: {head_revision()})")
