"""``dunning handoff``: hand a customer's debt to an agency or a solicitor, recall it, import the
agency's results, list the cases."""

from __future__ import annotations

import getpass
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine

from dunning.params import database_option, day_option, policy_option, who_option

if TYPE_CHECKING:
    from dunning.inputs import LoadedPolicy


@contextmanager
def ledger_of(database: str | None) -> Iterator[Engine]:
    """Yield an engine on the ledger database, refusing a missing file or an old schema."""
    from store.connection import create_store_engine, missing_sqlite_file  # noqa: PLC0415
    from store.migrate import DatabaseNotReadyError, require_current  # noqa: PLC0415
    from store.settings import database_url  # noqa: PLC0415

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
        yield engine
    except DatabaseNotReadyError as error:
        raise click.ClickException(str(error)) from error
    finally:
        engine.dispose()


def _write_out(archive: bytes, out: Path) -> list[Path]:
    """Write the case file as ``out`` (a .zip) or unpacked into the folder ``out``."""
    if out.suffix.lower() == ".zip":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(archive)
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        for info in opened.infolist():
            target = out / Path(info.filename).name
            target.write_bytes(opened.read(info))
            written.append(target)
    return written


@click.command("handoff")
@click.argument("customer_id", metavar="[CUSTOMER]", required=False)
@click.option(
    "--to",
    "to",
    type=click.Choice(["agency", "legal"]),
    help="Hand the customer's debt to the collection agency or to the solicitor.",
)
@click.option("--recall", is_flag=True, help="Recall the customer's open case: chasing resumes.")
@click.option(
    "--results",
    "results",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Import an agency's report (CSV): payments collected, fees kept, outcomes.",
)
@click.option(
    "--mapping",
    metavar="NAME|FILE",
    help="The column mapping of the agency's report (docs/handoff.md).",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Where to write the case file: a folder, or a file ending in .zip."
    " Default: the folder CASE-ID in the current directory.",
)
@click.option("--note", default="", help="Why: kept with the case and in the audit log.")
@who_option
@database_option
@day_option
@policy_option
def command(
    customer_id: str | None,
    to: str | None,
    recall: bool,
    results: Path | None,
    mapping: str | None,
    out: Path | None,
    note: str,
    who: str | None,
    database: str | None,
    as_of: date | None,
    policy_path: str,
) -> None:
    """Hand CUSTOMER's debt to an agency or a solicitor (--to): writes the case file (case.json,
    case.csv, statement.pdf, the letter before action) and stops internal chasing until the
    case is recalled (--recall). --results imports an agency's report. Without arguments, lists
    the open cases."""
    from dunning.inputs import load_valid_policy  # noqa: PLC0415 - keep --help fast
    from engine.tools.today import today_in  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    actor = who or getpass.getuser()
    chosen = [
        name for name, on in (("--to", to), ("--recall", recall), ("--results", results)) if on
    ]
    if len(chosen) > 1:
        raise click.UsageError(f"use one of {', '.join(chosen)} at a time")
    if (to or recall) and not customer_id:
        raise click.UsageError("name the CUSTOMER to hand off or recall")
    with ledger_of(database) as engine:
        if to is not None and customer_id is not None:
            _open(engine, loaded, customer_id, to, day, actor, note, out)
        elif recall and customer_id is not None:
            _recall(engine, customer_id, day, actor, note)
        elif results is not None:
            _results(engine, results, mapping, actor)
        else:
            _list(engine, customer_id)


def _open(
    engine: Engine,
    loaded: LoadedPolicy,
    customer_id: str,
    to: str,
    day: date,
    who: str,
    note: str,
    out: Path | None,
) -> None:
    from casework.case_file import hand_off  # noqa: PLC0415
    from engine.model.money import format_money  # noqa: PLC0415
    from store.connection import begin_write  # noqa: PLC0415
    from store.handoffs import HandoffError, case_archive  # noqa: PLC0415

    with engine.connect() as conn:
        try:
            with begin_write(conn):
                record, opened, case = hand_off(
                    conn,
                    loaded.policy,
                    loaded.version,
                    customer_id=customer_id,
                    to=to,
                    day=day,
                    who=who,
                    note=note,
                    root=loaded.root,
                )
                archive = case_archive(conn, record.id)
        except HandoffError as error:
            raise click.ClickException(str(error)) from error
    assert archive is not None
    if not opened:
        click.echo(
            f"{customer_id} is already handed off: case {record.id} ({record.to}, since"
            f" {record.opened}). Recall it first to open a new one.",
            err=True,
        )
    written = _write_out(archive, out or Path(record.id))
    if case is not None:
        click.echo(f"Case {record.id}: {customer_id} handed to {record.to} on {record.opened}")
        for totals in case.amounts.totals:
            c = totals.currency
            click.echo(
                f"  {c}: balance {format_money(totals.balance, c)}"
                f" + charged {format_money(totals.charged, c)}"
                f" + interest to date {format_money(totals.interest_to_date, c)}"
                f" = claim {format_money(totals.claim, c)}"
            )
        click.echo(
            "Internal chasing stops until the case is recalled (`dunning handoff"
            f" {customer_id} --recall`)."
        )
    for path in written:
        click.echo(f"  wrote {path}")


def _recall(engine: Engine, customer_id: str, day: date, who: str, note: str) -> None:
    from store.connection import begin_write  # noqa: PLC0415
    from store.handoffs import HandoffError, open_handoff_of, recall_handoff  # noqa: PLC0415

    with engine.connect() as conn, begin_write(conn):
        found = open_handoff_of(conn, customer_id)
        if found is None:
            raise click.ClickException(f"{customer_id} has no open case to recall")
        try:
            record, _ = recall_handoff(conn, found.id, day=day, who=who, note=note)
        except HandoffError as error:
            raise click.ClickException(str(error)) from error
    click.echo(f"Case {record.id} recalled on {record.recalled}: {customer_id} is chased again.")


def _results(engine: Engine, path: Path, mapping: str | None, who: str) -> None:
    from casework.agency_results import ResultsFileError, read_results  # noqa: PLC0415
    from engine.model.money import format_money  # noqa: PLC0415
    from store.connection import begin_write  # noqa: PLC0415
    from store.csv_file import CsvFileError  # noqa: PLC0415
    from store.handoffs import HandoffError, add_agency_results  # noqa: PLC0415
    from store.mapping import MappingError  # noqa: PLC0415

    try:
        lines = read_results(path, mapping)
        with engine.connect() as conn, begin_write(conn):
            done = add_agency_results(conn, lines, who=who)
    except ResultsFileError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        raise click.ClickException(
            f"{len(error.problems)} problem(s): nothing was imported; fix the rows and run again"
        ) from error
    except (HandoffError, CsvFileError, MappingError) as error:
        raise click.ClickException(f"{path.name}: {error}; nothing was imported") from error
    click.echo(
        f"{path.name}: {done.rows} line(s), {done.added} added, {done.unchanged} already imported"
    )
    for currency, amount in sorted(done.collected.items()):
        fee = done.fees.get(currency)
        kept = f", the agency keeps {format_money(fee, currency)}" if fee is not None else ""
        click.echo(f"  collected {format_money(amount, currency)}{kept}")


def _list(engine: Engine, customer_id: str | None) -> None:
    from store.handoffs import list_handoffs  # noqa: PLC0415

    with engine.connect() as conn:
        cases = list_handoffs(conn, customer_id=customer_id, open_only=customer_id is None)
    if not cases:
        click.echo("No case is open." if customer_id is None else f"{customer_id} has no case.")
        return
    for case in cases:
        state = "open" if case.is_open else f"recalled {case.recalled}"
        claim = ", ".join(f"{c} {a}" for c, a in sorted(case.claim.items()))
        click.echo(
            f"{case.id}  {case.customer_id}  {case.to}  opened {case.opened}  {state}"
            f"  claim {claim}"
        )
