"""Rule "charges owed": the reminder fees and interest a customer was charged and still owes.

A fee or interest is charged when the step that charges it is recorded done (the action log's
``fee`` and ``interest``, in its ``currency``). From then on it is a receivable of the customer:
it belongs to the oldest of the action's invoices in its currency (by issue date, then number),
is listed with it, counted in the customer's totals, reminded about, and paid down by payments
under the policy's ``charge_allocation``:

- ``principal_first`` (the default): what is paid on an invoice pays its amount first; only what
  is paid beyond the amount pays its charges (fees, then interest, oldest first). The invoice's
  open amount is the accounting system's.
- ``charges_first``: each payment on an invoice pays the charges on it charged by the payment's
  date first (costs, then interest, then the principal: German Civil Code section 367), and only
  the rest the invoice; the part that paid charges leaves the invoice open by as much
  (a ``to_charges`` settlement), so interest keeps running on it.

Cash and credits not applied to any invoice pay the open invoices first (rule "unapplied cash")
and what is left of them the charges, under either order. A waiver (``ChargeWaiver``) takes an
action's charges off the account from its date, as if they had never been charged: what had
paid them pays the invoice (or is a credit); the cancellation of an invoice takes its charges
off the same way. An invoice whose amount is paid but whose charges
are still owed is still chased for the charges (``chased_items``). The rule, with its sources
and worked examples, is docs/rules/charges.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from engine.model.actions import Action
from engine.model.ledger import (
    ActionRecord,
    ActionStatus,
    CreditNote,
    CustomerLedger,
    Invoice,
    Payment,
    Settlement,
    has_charges,
)
from engine.model.money import ZERO
from engine.model.policy import Policy
from engine.rules.open_items import OpenItem

ALLOCATIONS = ("principal_first", "charges_first")
# The order in which payments pay charges: costs (fees) before interest (BGB section 367).
_KIND_ORDER = {"fee": 0, "interest": 1}


@dataclass(frozen=True, slots=True)
class OwedCharge:
    """A fee or interest an action charged: what it came to, what was paid and waived of it."""

    action_id: str
    step: str
    kind: str  # fee | interest (statutory interest with its fixed compensation)
    charged: date
    invoice_id: str | None  # the invoice it belongs to; None when none of the action's is known
    invoice_ids: tuple[str, ...]  # every invoice of the action
    currency: str
    amount: Decimal
    paid: Decimal = ZERO
    waived: Decimal = ZERO
    waiver: str | None = None  # the id of the waiver that took it off the account

    @property
    def owed(self) -> Decimal:
        """Return what is still owed of the charge."""
        return self.amount - self.paid - self.waived


@dataclass(frozen=True, slots=True)
class ChargesOwed:
    """A customer's charges on a day: each charge, the totals, and what they change on invoices."""

    as_of: date
    allocation: str
    charges: tuple[OwedCharge, ...] = ()  # in the order they were charged
    # Per invoice: the part of its payments that paid charges instead (``charges_first`` only),
    # as ``to_charges`` settlements (negative: the invoice stays open by as much).
    to_charges: Mapping[str, tuple[Settlement, ...]] = field(default_factory=dict)

    def owed(self) -> dict[str, Decimal]:
        """Return what is owed in charges, per currency, in currency order (only above zero)."""
        out: dict[str, Decimal] = {}
        for charge in self.charges:
            if charge.owed > 0:
                out[charge.currency] = out.get(charge.currency, ZERO) + charge.owed
        return dict(sorted(out.items()))

    def on_invoice(self, invoice_id: str) -> Decimal:
        """Return what is owed in charges that belong to ``invoice_id`` (in its currency)."""
        return sum((c.owed for c in self.charges if c.invoice_id == invoice_id), ZERO)

    def by_invoice(self) -> dict[str, Decimal]:
        """Return what is owed in charges per invoice they belong to (only above zero)."""
        out: dict[str, Decimal] = {}
        for charge in self.charges:
            if charge.invoice_id is not None and charge.owed > 0:
                out[charge.invoice_id] = out.get(charge.invoice_id, ZERO) + charge.owed
        return out


class LoggedCharges(NamedTuple):
    """What an action charged, as its done record in the action log keeps it."""

    fee: Decimal | None
    interest: Decimal | None  # statutory interest with its fixed compensation
    currency: str | None


NOTHING_CHARGED = LoggedCharges(None, None, None)


def logged_charges(action: Action) -> LoggedCharges:
    """Return what ``action`` charges, to be recorded with its done outcome: its fees and its
    interest (with compensation) in its one currency.

    The action log keeps one currency per action: the charges of an action over invoices in
    several currencies are not recorded (``NOTHING_CHARGED``; docs/rules/charges.md).
    """
    currencies = {charge.currency for charge in action.charges}
    if len(currencies) != 1:
        return NOTHING_CHARGED
    currency = currencies.pop()
    fee = action.fees().get(currency)
    interest = action.interest().get(currency)
    return LoggedCharges(fee or None, interest or None, currency)


def charges_owed(policy: Policy, ledger: CustomerLedger, as_of: date) -> ChargesOwed:
    """Return the customer's charges on ``as_of`` and what payments paid of them (rule "charges
    owed"), under the policy's ``charge_allocation`` and ``unapplied_cash``.

    ``ledger`` is the customer's ledger; records dated after ``as_of`` do not count.
    """
    allocation = policy.charge_allocation
    if allocation not in ALLOCATIONS:
        raise ValueError(f"unknown charge allocation {allocation!r}: use one of {ALLOCATIONS}")
    invoices = [i for i in ledger.invoices if i.issued <= as_of]
    charged = _charged(ledger.history, invoices, as_of)
    if not charged:
        return ChargesOwed(as_of, allocation)
    waived = {w.action_id: w.id for w in ledger.waivers if w.date <= as_of}
    paid: dict[int, Decimal] = {}
    to_charges: dict[str, tuple[Settlement, ...]] = {}
    open_principal: dict[str, Decimal] = {}
    # A cancelled invoice owes nothing from its cancellation, its charges included: they were
    # charged for chasing an invoice that is void (docs/rules/ledger-records.md).
    cancelled = {
        i.id: s.ref
        for i in invoices
        for s in i.settlements
        if s.kind == "cancellation" and s.date <= as_of
    }
    live = [
        i
        for i, c in enumerate(charged)
        if c.action_id not in waived and c.invoice_id not in cancelled
    ]
    on_invoice: dict[str | None, list[int]] = {}
    for i in live:
        on_invoice.setdefault(charged[i].invoice_id, []).append(i)
    for invoice in invoices:
        mine = on_invoice.get(invoice.id, [])
        settlements = [s for s in invoice.settlements if s.date <= as_of]
        if allocation == "charges_first" and mine:
            principal, moved = _charges_first(invoice, settlements, mine, charged, paid)
            if moved:
                to_charges[invoice.id] = tuple(moved)
        else:
            principal = invoice.amount - sum((s.amount for s in settlements), ZERO)
            if principal < 0 and mine:
                _pay(-principal, mine, charged, paid)
        open_principal[invoice.id] = max(principal, ZERO)
    # Cash and credits on the account pay the open invoices first, then the charges.
    account_cash = (
        _unapplied_left(ledger.unapplied, as_of, invoices, open_principal)
        if policy.unapplied_cash == "oldest_first"
        else {}
    )
    for currency, left in account_cash.items():
        rest = [i for i in live if charged[i].currency == currency]
        _pay(left, rest, charged, paid)
    out = []
    for i, charge in enumerate(charged):
        if charge.action_id in waived:
            out.append(_with(charge, ZERO, charge.amount, waived[charge.action_id]))
        elif charge.invoice_id in cancelled:
            out.append(_with(charge, ZERO, charge.amount, cancelled[charge.invoice_id]))
        else:
            out.append(_with(charge, paid.get(i, ZERO), ZERO, None))
    return ChargesOwed(as_of, allocation, tuple(out), to_charges)


def with_charges_paid(ledger: CustomerLedger, owed: ChargesOwed) -> CustomerLedger:
    """Return the ledger with the ``to_charges`` settlements of ``owed`` on its invoices (the
    part of their payments that paid charges first), or the ledger itself when there are none."""
    if not owed.to_charges:
        return ledger
    moved = owed.to_charges
    return ledger._replace(
        invoices=tuple(
            i._replace(settlements=(*i.settlements, *moved[i.id])) if i.id in moved else i
            for i in ledger.invoices
        )
    )


def settle_charges(
    policy: Policy, ledger: CustomerLedger, as_of: date
) -> tuple[CustomerLedger, ChargesOwed | None]:
    """Return the ledger with what its payments paid of the charges taken into account
    (``with_charges_paid``), and the charges owed; None (and the ledger itself) when no worked
    action charged anything."""
    if not ledger.history or not has_charges(ledger.history):
        return ledger, None
    owed = charges_owed(policy, ledger, as_of)
    return with_charges_paid(ledger, owed), owed


def chased_items(
    invoices: Iterable[Invoice], opens: list[OpenItem], owed: ChargesOwed
) -> tuple[list[OpenItem], frozenset[str]]:
    """Return ``opens`` with the invoices whose amount is paid but whose charges are still owed,
    each owing those charges, in ledger order (an invoice is chased while anything is owed on
    it), and the ids of those invoices."""
    on = owed.by_invoice()
    have = {invoice.id for invoice, _ in opens}
    missing = frozenset(k for k in on if k not in have)
    if not missing:
        return opens, missing
    amounts = {invoice.id: amount for invoice, amount in opens}
    out: list[OpenItem] = []
    for invoice in invoices:
        if invoice.id in have:
            out.append((invoice, amounts[invoice.id]))
        elif invoice.id in missing:
            out.append((invoice, on[invoice.id]))
    return out, missing


def _charged(
    history: Iterable[ActionRecord], invoices: list[Invoice], as_of: date
) -> list[OwedCharge]:
    """Return the charges the worked actions of ``history`` made by ``as_of``, oldest first."""
    # The oldest of the action's invoices: by issue date, then number (not the input's order).
    position = {i.id: ((i.issued, i.id), i.currency) for i in invoices}
    seen: set[tuple[str, str]] = set()
    out: list[OwedCharge] = []
    for record in history:
        currency = record.currency
        if record.status != ActionStatus.DONE or record.date > as_of or currency is None:
            continue
        owner = [
            (position[ref][0], ref)
            for ref in record.invoice_ids
            if ref in position and position[ref][1] == currency
        ]
        invoice_id = min(owner)[1] if owner else None
        key = record.action_id or f"{record.date.isoformat()}/{record.step}"
        for kind, amount in (("fee", record.fee), ("interest", record.interest)):
            if amount is None or amount <= 0 or (key, kind) in seen:
                continue
            seen.add((key, kind))
            out.append(
                OwedCharge(
                    key, record.step, kind, record.date, invoice_id, record.invoice_ids,
                    currency, amount,
                )
            )  # fmt: skip
    out.sort(key=lambda c: (c.charged, _KIND_ORDER[c.kind], c.action_id))
    return out


def _charges_first(
    invoice: Invoice,
    settlements: list[Settlement],
    mine: list[int],
    charged: list[OwedCharge],
    paid: dict[int, Decimal],
) -> tuple[Decimal, list[Settlement]]:
    """Return the invoice's open principal when each payment pays the charges of its day first,
    and the ``to_charges`` settlements that say how much of which payment did."""
    principal = invoice.amount
    surplus = ZERO
    moved: list[Settlement] = []
    for settlement in sorted(settlements, key=lambda s: (s.date, -s.amount, s.kind, s.ref)):
        amount = settlement.amount
        if amount < 0:
            # Given back (a refund, a chargeback): from any surplus first, then the invoice.
            back = min(-amount, surplus)
            surplus -= back
            principal += -amount - back
            continue
        due_by = [i for i in mine if charged[i].charged <= settlement.date]
        # Interest counted up to the payment's day is owed at once (first day: the next).
        taken = _pay(amount, due_by, charged, paid)
        if taken > 0:
            moved.append(Settlement(settlement.date, -taken, "to_charges", settlement.ref))
        rest = amount - taken
        to_principal = min(rest, max(principal, ZERO))
        principal -= to_principal
        surplus += rest - to_principal
    if surplus > 0:
        # Paid beyond the invoice and the charges of the day: it pays later charges.
        _pay(surplus, mine, charged, paid)
    return principal, moved


def _pay(
    amount: Decimal,
    order: list[int],
    charged: list[OwedCharge],
    paid: dict[int, Decimal],
) -> Decimal:
    """Pay ``amount`` into the charges ``order`` lists (fees, then interest, oldest first);
    return how much it paid."""
    left = amount
    for i in sorted(order, key=lambda i: (_KIND_ORDER[charged[i].kind], charged[i].charged, i)):
        if left <= 0:
            break
        owed = charged[i].amount - paid.get(i, ZERO)
        if owed <= 0:
            continue
        take = min(owed, left)
        paid[i] = paid.get(i, ZERO) + take
        left -= take
    return amount - left


def _unapplied_left(
    unapplied: Iterable[Payment | CreditNote],
    as_of: date,
    invoices: list[Invoice],
    open_principal: Mapping[str, Decimal],
) -> dict[str, Decimal]:
    """Return, per currency, the cash and credits on the account left once they paid the open
    invoices (rule "unapplied cash")."""
    cash: dict[str, Decimal] = {}
    for item in unapplied:
        if item.date <= as_of:
            cash[item.currency] = cash.get(item.currency, ZERO) + item.amount
    for invoice in invoices:
        if invoice.currency in cash:
            cash[invoice.currency] -= open_principal.get(invoice.id, ZERO)
    return {currency: left for currency, left in cash.items() if left > 0}


def _with(charge: OwedCharge, paid: Decimal, waived: Decimal, waiver: str | None) -> OwedCharge:
    return OwedCharge(
        charge.action_id, charge.step, charge.kind, charge.charged, charge.invoice_id,
        charge.invoice_ids, charge.currency, charge.amount, paid, waived, waiver,
    )  # fmt: skip
