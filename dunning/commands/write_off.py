"""``dunning write-off``: propose a write-off, approve or reject one (four eyes), list them, and
write the journal of approved write-offs for Xero or QuickBooks."""

from __future__ import annotations

import getpass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import Engine

from dunning.commands.handoff import ledger_of
from dunning.params import DAY, database_option, day_option, policy_option, who_option

if TYPE_CHECKING:
    from engine.model.policy import Policy


@click.command("write-off")
@click.argument("customer_id", metavar="[CUSTOMER]", required=False)
@click.option("--amount", help="The amount to write off, e.g. 250.00 (with --currency).")
@click.option("--currency", help="The currency of the amount, e.g. GBP.")
@click.option("--invoice", "invoices", multiple=True, help="An invoice to write off (repeat).")
@click.option("--reason", default="", help="Why the debt is written off.")
@click.option("--approve", "approve_id", metavar="ID", help="Approve the write-off ID.")
@click.option("--reject", "reject_id", metavar="ID", help="Reject the write-off ID.")
@click.option("--note", default="", help="The approver's note.")
@click.option(
    "--journal",
    type=click.Choice(["xero", "quickbooks"]),
    help="Write the journal of approved write-offs for this accounting system.",
)
@click.option("--from", "start", type=DAY, help="The journal from this day (YYYY-MM-DD).")
@click.option("--to", "end", type=DAY, help="The journal up to this day (YYYY-MM-DD).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="The journal file.")
@who_option
@click.option(
    "--admin",
    is_flag=True,
    help="Act as an admin (approves when the policy names no approver role).",
)
@database_option
@day_option
@policy_option
def command(
    customer_id: str | None,
    amount: str | None,
    currency: str | None,
    invoices: tuple[str, ...],
    reason: str,
    approve_id: str | None,
    reject_id: str | None,
    note: str,
    journal: str | None,
    start: date | None,
    end: date | None,
    out: Path | None,
    who: str | None,
    admin: bool,
    database: str | None,
    as_of: date | None,
    policy_path: str,
) -> None:
    """Propose writing off CUSTOMER's debt (--amount, --currency, --invoice, --reason): above the
    policy's threshold it waits for someone else who holds the approver role (--approve ID,
    --reject ID). --journal xero|quickbooks writes the approved write-offs for the accounts.
    Without arguments, lists the write-offs waiting for approval."""
    from dunning.inputs import load_valid_policy  # noqa: PLC0415 - keep --help fast
    from engine.tools.today import today_in  # noqa: PLC0415

    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    actor = who or getpass.getuser()
    chosen = [n for n, on in (("CUSTOMER", customer_id), ("--approve", approve_id),
                              ("--reject", reject_id), ("--journal", journal)) if on]  # fmt: skip
    if len(chosen) > 1:
        raise click.UsageError(f"use one of {', '.join(chosen)} at a time")
    with ledger_of(database) as engine:
        if customer_id is not None:
            _propose(
                engine, loaded.policy, customer_id, (amount, currency, invoices, reason), day, actor
            )
        elif approve_id or reject_id:
            _decide(engine, loaded.policy, approve_id or reject_id or "", approve=bool(approve_id),
                    who=actor, admin=admin, day=day, note=note)  # fmt: skip
        elif journal is not None:
            _journal(engine, loaded.policy, journal, start, end, out)
        else:
            _list(engine)


def _propose(
    engine: Engine,
    policy: Policy,
    customer_id: str,
    facts: tuple[str | None, str | None, tuple[str, ...], str],
    day: date,
    who: str,
) -> None:
    from casework.write_offs import propose  # noqa: PLC0415
    from engine.model.money import format_money  # noqa: PLC0415
    from engine.rules.write_off import WriteOffRefusedError  # noqa: PLC0415
    from store.connection import begin_write  # noqa: PLC0415
    from store.ledger_writes import LedgerWriteError  # noqa: PLC0415

    amount, currency, invoices, reason = facts
    if amount is None or currency is None or not invoices:
        raise click.UsageError("a write-off needs --amount, --currency and at least one --invoice")
    try:
        value = Decimal(amount)
    except InvalidOperation as error:
        raise click.BadParameter(
            f"{amount!r} is not an amount: write it like 250.00", param_hint="--amount"
        ) from error
    with engine.connect() as conn, begin_write(conn):
        try:
            record, _ = propose(conn, policy, customer_id=customer_id, amount=value,
                                currency=currency.upper(), invoice_ids=invoices, reason=reason,
                                day=day, who=who)  # fmt: skip
        except (WriteOffRefusedError, LedgerWriteError) as error:
            raise click.ClickException(str(error)) from error
    shown = format_money(record.amount, record.currency)
    parts = ", ".join(
        f"{line.invoice_id} {format_money(line.amount, record.currency)}" for line in record.lines
    )
    if record.state == "approved":
        click.echo(
            f"Write-off {record.id}: {shown} written off ({parts}): within the approval threshold."
        )
    else:
        click.echo(f"Write-off {record.id}: {shown} proposed ({parts}); it waits for an approver"
                   f" (`dunning write-off --approve {record.id}`).")  # fmt: skip


def _decide(
    engine: Engine,
    policy: Policy,
    write_off_id: str,
    *,
    approve: bool,
    who: str,
    admin: bool,
    day: date,
    note: str,
) -> None:
    from casework.write_offs import NotAllowedError, decide  # noqa: PLC0415
    from engine.model.money import format_money  # noqa: PLC0415
    from store.connection import begin_write  # noqa: PLC0415
    from store.ledger_writes import LedgerWriteError  # noqa: PLC0415
    from store.write_offs import WriteOffConflictError  # noqa: PLC0415

    try:
        with engine.connect() as conn, begin_write(conn):
            record = decide(conn, policy, write_off_id, approve=approve, who=who,
                            is_admin=admin, day=day, note=note)  # fmt: skip
    except (LookupError, NotAllowedError, WriteOffConflictError, LedgerWriteError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Write-off {record.id} of {format_money(record.amount, record.currency)} {record.state}"
        f" by {record.decided_by} (proposed by {record.proposed_by})"
        + ("; written off in the ledger." if record.posted else ".")
    )


def _journal(
    engine: Engine,
    policy: Policy,
    system: str,
    start: date | None,
    end: date | None,
    out: Path | None,
) -> None:
    from casework.write_offs import journal  # noqa: PLC0415

    with engine.connect() as conn:
        text = journal(conn, policy, system, start=start, end=end)
    rows = text.count("\n") - 1
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}: {rows} line(s) for {system}", err=True)


def _list(engine: Engine) -> None:
    from engine.model.money import format_money  # noqa: PLC0415
    from store.write_offs import list_write_offs  # noqa: PLC0415

    with engine.connect() as conn:
        waiting = list_write_offs(conn, state="proposed")
    if not waiting:
        click.echo("No write-off waits for approval.")
        return
    for record in waiting:
        click.echo(
            f"{record.id}  {record.customer_id}  {format_money(record.amount, record.currency)}"
            f"  proposed {record.day} by {record.proposed_by}: {record.reason}"
        )
