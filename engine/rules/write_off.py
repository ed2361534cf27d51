"""Rule "write-off": how a proposed write-off falls on the invoices, whether it needs approval,
and who may approve it (four eyes).

- **Allocation**: the amount is written off the named invoices oldest first (by due date, then
  issue date, then id), each up to its open amount on the day (rule "balances"); it must be more
  than zero, in the invoices' one currency, with no more decimals than the currency has, and no
  more than they have open.
- **Threshold**: a write-off up to ``write_off.approval_above`` in its currency takes effect at
  once; above it, or in a currency the policy gives no threshold, it waits for approval.
- **Approver**: someone other than the proposer who holds the role ``write_off.approvers``
  (``roles`` of policy.yaml); a policy that names no approver role leaves approval to admins.

docs/rules/write-off.md states the rule with examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from engine.model.money import ZERO, fits_minor_units, format_money
from engine.model.policy import Policy
from engine.rules.balances import Balances


class WriteOffRefusedError(ValueError):
    """A write-off that cannot be proposed as asked; ``field`` names the value at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class WriteOffLine:
    """The part of a write-off that falls on one invoice."""

    invoice_id: str
    amount: Decimal


def allocate_write_off(
    balances: Balances, invoice_ids: Sequence[str], amount: Decimal, currency: str
) -> tuple[WriteOffLine, ...]:
    """Return how ``amount`` falls on ``invoice_ids``, oldest first; raise
    ``WriteOffRefusedError`` when it cannot."""
    if amount <= 0:
        raise WriteOffRefusedError("amount", "a write-off must be more than zero")
    if not fits_minor_units(amount, currency):
        raise WriteOffRefusedError(
            "amount", f"{amount} has more decimals than {currency} has: write it to the cent"
        )
    if not invoice_ids:
        raise WriteOffRefusedError("invoices", "name the invoices to write off")
    open_now = {entry.invoice.id: entry for entry in balances.invoices}
    chosen = []
    for invoice_id in dict.fromkeys(invoice_ids):
        entry = open_now.get(invoice_id)
        if entry is None:
            raise WriteOffRefusedError(
                "invoices", f"invoice {invoice_id} has nothing open on {balances.as_of}"
            )
        if entry.invoice.currency != currency:
            raise WriteOffRefusedError(
                "currency",
                f"invoice {invoice_id} is in {entry.invoice.currency}, not {currency}:"
                " write off each currency on its own",
            )
        chosen.append(entry)
    chosen.sort(key=lambda e: (e.due, e.invoice.issued, e.invoice.id))
    available = sum((entry.open for entry in chosen), ZERO)
    if amount > available:
        raise WriteOffRefusedError(
            "amount",
            f"{format_money(amount, currency)} is more than the "
            f"{format_money(available, currency)} open on these invoices",
        )
    lines = []
    left = amount
    for entry in chosen:
        if left <= 0:
            break
        part = min(left, entry.open)
        lines.append(WriteOffLine(entry.invoice.id, part))
        left -= part
    return tuple(lines)


def needs_approval(policy: Policy, amount: Decimal, currency: str) -> bool:
    """Return whether a write-off of ``amount`` in ``currency`` waits for an approver."""
    limit = policy.write_off.approval_above.get(currency)
    return limit is None or amount > limit


def approval_refused(policy: Policy, *, approver: str, is_admin: bool, proposer: str) -> str | None:
    """Return why ``approver`` may not approve a write-off ``proposer`` proposed, or None."""
    if approver == proposer:
        return f"{approver} proposed this write-off: another person must approve it (four eyes)"
    role = policy.write_off.approvers
    if role is None:
        return (
            None
            if is_admin
            else "write-offs are approved by an admin (the policy names no approver role)"
        )
    holders = policy.roles.get(role, ())
    if approver not in holders:
        return f"{approver} does not hold the role '{role}' that approves write-offs"
    return None
