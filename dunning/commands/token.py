"""``dunning token``: create, list and revoke the HTTP API's bearer tokens."""

from __future__ import annotations

from typing import NoReturn

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from store.connection import create_store_engine
from store.tokens import Role, TokenError, create_token, list_tokens, revoke_token

DATABASE_HELP = "Database URL (default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db)."


def _fail_unmigrated(exc: Exception) -> NoReturn:
    raise click.ClickException(
        "the database has no api_tokens table: run `dunning db upgrade` first"
    ) from exc


@click.group("token")
def command() -> None:
    """Manage the bearer tokens of the HTTP API (stored only as hashes)."""


@command.command("create")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="viewer reads; collector also records outcomes; admin does everything.",
)
@click.option("--name", required=True, help="Who or what holds the token (unique).")
@click.option(
    "--database", "database", metavar="URL", envvar="DUNNING_DATABASE_URL", help=DATABASE_HELP
)
def create(role: str, name: str, database: str | None) -> None:
    """Create a token and print it once: it is not stored and cannot be shown again."""
    engine = create_store_engine(database)
    try:
        with engine.begin() as conn:
            issued = create_token(conn, name.strip(), Role(role))
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    except (OperationalError, ProgrammingError) as exc:
        _fail_unmigrated(exc)
    finally:
        engine.dispose()
    click.echo(issued.token)
    click.echo(
        f"Token '{issued.record.name}' ({issued.record.role.value}) created. It is shown only "
        "this once: store it now. Send it as 'Authorization: Bearer <token>'.",
        err=True,
    )


@command.command("list")
@click.option(
    "--database", "database", metavar="URL", envvar="DUNNING_DATABASE_URL", help=DATABASE_HELP
)
def list_(database: str | None) -> None:
    """List the tokens by name, role and state (never the tokens themselves)."""
    engine = create_store_engine(database)
    try:
        with engine.connect() as conn:
            records = list_tokens(conn)
    except (OperationalError, ProgrammingError) as exc:
        _fail_unmigrated(exc)
    finally:
        engine.dispose()
    if not records:
        click.echo("No tokens. Create one with `dunning token create --role R --name N`.")
        return
    for record in records:
        state = f"revoked {record.revoked_at:%Y-%m-%d}" if record.revoked_at else "live"
        click.echo(
            f"{record.name}\t{record.role.value}\tcreated {record.created_at:%Y-%m-%d}\t{state}"
        )


@command.command("revoke")
@click.argument("name")
@click.option(
    "--database", "database", metavar="URL", envvar="DUNNING_DATABASE_URL", help=DATABASE_HELP
)
def revoke(name: str, database: str | None) -> None:
    """Revoke the token NAME (a running service stops accepting it within seconds)."""
    engine = create_store_engine(database)
    try:
        with engine.begin() as conn:
            revoke_token(conn, name)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from exc
    except (OperationalError, ProgrammingError) as exc:
        _fail_unmigrated(exc)
    finally:
        engine.dispose()
    click.echo(f"Token '{name}' revoked.")
