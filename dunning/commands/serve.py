"""``dunning serve``: run the HTTP API with uvicorn, serving the policy of a git ref."""

from __future__ import annotations

import logging
from pathlib import Path

import click

LOG_LEVELS = ("debug", "info", "warning", "error")
SHUTDOWN_SECONDS = 30


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
@click.option(
    "--database",
    "database",
    metavar="URL",
    envvar="DUNNING_DATABASE_URL",
    help="Database URL (default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db).",
)
@click.option(
    "--repo",
    default=".",
    show_default=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The policy repository (holding policies/ and customers/).",
)
@click.option(
    "--policy-ref",
    default="main",
    show_default=True,
    help="The git ref whose committed policy is served (reloaded when it moves).",
)
@click.option(
    "--ref-check-seconds",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Check at most this often whether the ref moved.",
)
@click.option(
    "--policy-url",
    metavar="TEMPLATE",
    help="Where the web pages link a policy file's line: an address with {commit}, {file} and"
    " {line}, e.g. https://github.com/ORG/REPO/blob/{commit}/{file}#L{line}.",
)
@click.option(
    "--max-body-mb",
    default=4.0,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
    help="The largest request body taken, in MB (a larger one answers 413 unread).",
)
@click.option(
    "--max-import-mb",
    default=256.0,
    show_default=True,
    type=click.FloatRange(0, min_open=True),
    help="The largest CSV file POST /v1/ledger/KIND.csv takes, in MB (streamed to disk as it"
    " arrives; a larger one answers 413 and imports nothing).",
)
@click.option("--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True)
def command(
    *,
    host: str,
    port: int,
    database: str | None,
    repo: Path,
    policy_ref: str,
    ref_check_seconds: float,
    policy_url: str | None,
    max_body_mb: float,
    max_import_mb: float,
    log_level: str,
) -> None:
    """Serve the daily action list, outcomes, customers and the policy in force over HTTP, and
    the staff workspace (web pages) at / ."""
    import uvicorn  # noqa: PLC0415 - only `serve` pays for the web stack

    from api.app import create_app  # noqa: PLC0415
    from api.settings import ApiSettings  # noqa: PLC0415
    from store.connection import create_store_engine  # noqa: PLC0415
    from store.migrate import current_revision, head_revision  # noqa: PLC0415
    from store.portal_links import PortalSettings, PortalSettingsError  # noqa: PLC0415
    from store.settings import database_url  # noqa: PLC0415

    url = database_url(database)
    engine = create_store_engine(url)
    try:
        with engine.connect() as conn:
            revision = current_revision(conn)
    finally:
        engine.dispose()
    if revision != head_revision():
        raise click.ClickException(
            f"the database is at migration {revision or 'none'}, not {head_revision()}: "
            "run `dunning db upgrade` first"
        )
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        portal = PortalSettings.from_environment()
    except PortalSettingsError as error:
        raise click.ClickException(str(error)) from error
    settings = ApiSettings(
        database_url=url,
        repo=repo,
        policy_ref=policy_ref,
        ref_check_seconds=ref_check_seconds,
        policy_url=policy_url,
        max_body_bytes=round(max_body_mb * 1024 * 1024),
        max_import_bytes=round(max_import_mb * 1024 * 1024),
        portal=portal,
    )
    # uvicorn's access log prints paths and query strings (customer ids, notes): ours logs the
    # route template instead (api.middleware).
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        log_level=log_level,
        server_header=False,
        # SIGTERM (or Ctrl-C): stop taking connections, let the requests in flight finish and
        # commit, then stop; a request still running after this long is abandoned.
        timeout_graceful_shutdown=SHUTDOWN_SECONDS,
    )
