"""``dunning import``: load customers, invoices, payments, credit notes, disputes or payment
plans from CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click

KINDS = (
    "customers", "invoices", "payments", "credit-notes", "disputes", "write-offs", "reversals",
    "cancellations", "payment-plans",
)  # fmt: skip


def _known_encoding(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from store.csv_file import encoding_name  # noqa: PLC0415 - keep --help fast

    try:
        encoding_name(value)  # known, and a text encoding (not hex, rot13 or zip)
    except LookupError:
        raise click.BadParameter(
            f"{value!r} is not an encoding Python knows: try utf-8, cp1252 or latin-1"
        ) from None
    return value


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_name",
    metavar="NAME|FILE",
    help="A column mapping: a shipped one (ibm-ar, xero-invoices, quickbooks-invoices)"
    " or a YAML file. Default: the columns of docs/imports.md.",
)
@click.option(
    "--database",
    "database",
    metavar="URL",
    help="The database. Default: $DUNNING_DATABASE_URL, else sqlite:///dunning.db.",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    callback=_known_encoding,
    help="The file's text encoding: utf-8 (a byte-order mark from Excel is fine), or for older"
    " Windows exports cp1252 or latin-1.",
)
def command(
    kind: str, file: Path, mapping_name: str | None, database: str | None, encoding: str
) -> None:
    """Import a CSV FILE of KIND into the ledger, all rows or none.

    Every bad row is listed as FILE:LINE: reason and nothing is imported (exit 1). Importing the
    same file again changes nothing; a changed row updates the ledger.
    """
    from store.connection import create_store_engine  # noqa: PLC0415 - keep --help fast
    from store.csv_file import count_data_lines  # noqa: PLC0415
    from store.imports import PROGRESS_THRESHOLD, import_csv  # noqa: PLC0415
    from store.mapping import MappingError, load_mapping  # noqa: PLC0415
    from store.migrate import DatabaseNotReadyError, require_current  # noqa: PLC0415
    from store.settings import database_url  # noqa: PLC0415

    if kind == "payment-plans" and mapping_name:
        raise click.UsageError("payment plans are imported from the columns of docs/imports.md")
    try:
        mapping = load_mapping(mapping_name) if mapping_name else None
    except MappingError as error:
        raise click.UsageError(str(error)) from error
    engine = create_store_engine(database_url(database))
    try:
        require_current(engine)
        lines = count_data_lines(file)
        with engine.connect() as conn:
            if kind == "payment-plans":
                from store.plan_imports import import_plans_csv  # noqa: PLC0415

                result = import_plans_csv(conn, file, encoding=encoding)
            elif lines > PROGRESS_THRESHOLD:
                with click.progressbar(
                    length=2 * lines, label=f"Importing {kind}", file=sys.stderr
                ) as bar:
                    result = import_csv(
                        conn, kind, file, mapping=mapping, progress=bar.update, encoding=encoding
                    )
            else:
                result = import_csv(conn, kind, file, mapping=mapping, encoding=encoding)
            conn.commit()
    except DatabaseNotReadyError as error:
        raise click.ClickException(str(error)) from error
    except ValueError as error:  # a mapping that does not fit this kind
        raise click.UsageError(str(error)) from error
    finally:
        engine.dispose()
    if not result.ok:
        for problem in result.problems:
            click.echo(str(problem))
        click.echo(result.summary() + "; fix the rows above and import the file again.", err=True)
        raise SystemExit(1)
    click.echo(result.summary())
