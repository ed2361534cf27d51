"""``dunning escalation``: the escalations to a manager's role on the day's list, and the
manager's decision on one: continue, plan, hand off or write off (as the Decisions page and
``POST /v1/actions/{id}/escalation`` do)."""

from __future__ import annotations

import getpass
from datetime import date
from typing import TYPE_CHECKING

import click

from dunning.params import database_option, day_option, policy_option, who_option

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from dunning.inputs import LoadedPolicy
    from engine.model.actions import Action

DECISION_CHOICES = ("continue", "plan", "handoff", "write_off")


@click.command("escalation")
@click.argument("action_id", metavar="[ACTION_ID]", required=False)
@click.option(
    "--decide",
    "decision",
    type=click.Choice(DECISION_CHOICES),
    help="The decision: continue (the ladder carries on), plan (agree a payment plan), handoff"
    " (to the agency or the solicitor, --to), write_off (propose writing off what it is about).",
)
@click.option(
    "--to",
    "to",
    type=click.Choice(["agency", "legal"]),
    default="agency",
    show_default=True,
    help="Where a hand-off goes.",
)
@click.option("--note", default="", help="Why: kept with the decision, on the timeline.")
@who_option
@click.option("--admin", is_flag=True, help="Decide as an admin (without holding the role).")
@database_option
@day_option
@policy_option
def command(
    action_id: str | None,
    decision: str | None,
    to: str,
    note: str,
    who: str | None,
    admin: bool,
    database: str | None,
    as_of: date | None,
    policy_path: str,
) -> None:
    """Decide the escalation ACTION_ID of the day's list (--decide continue|plan|handoff|
    write_off). Only someone who holds the role it goes to (policy.yaml `roles`), or an admin,
    decides, and only once. Without arguments, lists the escalations waiting for a manager."""
    from dunning.commands.handoff import ledger_of  # noqa: PLC0415 - keep --help fast
    from dunning.inputs import load_valid_policy  # noqa: PLC0415
    from engine.evaluate import evaluate  # noqa: PLC0415
    from engine.rules.escalation import manager_role  # noqa: PLC0415
    from engine.tools.today import today_in  # noqa: PLC0415
    from store.collector import collector_paused  # noqa: PLC0415
    from store.reader import iter_customer_ledgers  # noqa: PLC0415

    if (action_id is None) != (decision is None):
        raise click.UsageError("give the escalation's ACTION_ID and --decide together")
    loaded = load_valid_policy(policy_path)
    day = as_of if as_of is not None else today_in(loaded.policy.timezone)
    with ledger_of(database) as engine:
        with collector_paused():  # a whole ledger's records, none of them in a cycle
            evaluation = evaluate(
                loaded.policy, iter_customer_ledgers(engine, as_of=day), day, loaded.version
            )
        if action_id is None or decision is None:
            _list([a for a in evaluation.actions if manager_role(a) is not None], day)
            return
        found = next((a for a in evaluation.actions if a.id == action_id), None)
        _decide(engine, loaded, found, action_id, decision, day,
                who=who or getpass.getuser(), admin=admin, note=note, to=to)  # fmt: skip


def _list(waiting: list[Action], day: date) -> None:
    from engine.model.money import format_money  # noqa: PLC0415
    from engine.rules.escalation import manager_role  # noqa: PLC0415

    if not waiting:
        click.echo(f"No escalation waits for a manager on {day}.")
        return
    for action in waiting:
        owed = ", ".join(format_money(a, c) for c, a in sorted(action.totals.items()))
        click.echo(f"{action.id}  {action.customer_id}  {action.step} -> {manager_role(action)}"
                   f"  {owed}  ({', '.join(action.invoice_ids)})")  # fmt: skip


def _decide(
    engine: Engine,
    loaded: LoadedPolicy,
    action: Action | None,
    action_id: str,
    decision: str,
    day: date,
    *,
    who: str,
    admin: bool,
    note: str,
    to: str,
) -> None:
    from casework.escalations import (  # noqa: PLC0415
        EscalationDecidedError,
        NotAnEscalationError,
        UnknownDecisionError,
        decide_escalation,
    )
    from casework.write_offs import NotAllowedError  # noqa: PLC0415
    from engine.model.money import format_money  # noqa: PLC0415
    from engine.rules.escalation import DECISION_WORDS  # noqa: PLC0415
    from engine.rules.write_off import WriteOffRefusedError  # noqa: PLC0415
    from store.connection import begin_write  # noqa: PLC0415
    from store.handoffs import HandoffError  # noqa: PLC0415
    from store.ledger_writes import LedgerWriteError  # noqa: PLC0415

    try:
        with engine.connect() as conn, begin_write(conn):
            done = decide_escalation(
                conn, loaded.policy, loaded.version, action, action_id=action_id,
                decision=decision, who=who, is_admin=admin, day=day, root=loaded.root,
                note=note, to=to,
            )  # fmt: skip
    except (EscalationDecidedError, NotAnEscalationError, UnknownDecisionError,
            NotAllowedError, HandoffError, WriteOffRefusedError, LedgerWriteError) as error:
        raise click.ClickException(str(error)) from error  # fmt: skip
    click.echo(f"Escalation {action_id} of {done.action.customer_id} to {done.role} decided by"
               f" {who}: {DECISION_WORDS[decision]}.")  # fmt: skip
    if done.case is not None:
        case, opened, _ = done.case
        state = "opened" if opened else "was already open"
        click.echo(f"Case {case.id} ({case.to}) {state}: `dunning handoff` lists the cases.")
    if done.write_off is not None:
        record, _ = done.write_off
        shown = format_money(record.amount, record.currency)
        if record.state == "approved":
            click.echo(f"Write-off {record.id} of {shown} written off: within the approval"
                       " threshold.")  # fmt: skip
        else:
            click.echo(f"Write-off {record.id} of {shown} proposed; it waits for an approver"
                       f" (`dunning write-off --approve {record.id}`).")  # fmt: skip
    if decision == "plan":
        click.echo(
            "Agree the payment plan with the customer and record it (the customer page, or"
            " POST /v1/payment-plans): the escalation stays on the list until then."
        )
