"""Hand-offs to an agency or a solicitor: opened once per customer, recalled, and the agency's
results (payments collected, with the fee it keeps, and outcomes) imported back.

Opening is ``INSERT ... ON CONFLICT DO NOTHING`` against a partial unique index (one open case a
customer), so two people handing the same customer off at once make one case; a recall is an
update guarded by ``recalled IS NULL``; an agency's line is keyed by (case, the agency's
reference), so importing a report twice changes nothing. A payment the agency collected becomes
a ledger payment, which the daily list and every balance then see. Each change writes its entry
in the audit log (``store.audit``) in the same transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, update

from engine.model.handoff import TARGET_WORDS, AgencyResult
from engine.model.money import format_money
from store.audit import record_event
from store.models import agency_results, customers, handoffs, invoices, payments
from store.notes import as_utc
from store.outcomes import _insert, _insert_once, _writing


class HandoffError(ValueError):
    """A hand-off change that cannot be made; ``field`` names the value at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    """A hand-off as stored (the archive is read on its own: ``case_archive``)."""

    id: str
    customer_id: str
    to: str
    opened: date
    opened_by: str
    opened_at: datetime
    note: str
    digest: str
    claim: Mapping[str, str]
    recalled: date | None
    recalled_by: str | None

    @property
    def is_open(self) -> bool:
        """Return whether the case is still with the agency or the solicitor."""
        return self.recalled is None


_COLUMNS = (
    handoffs.c.id,
    handoffs.c.customer_id,
    handoffs.c.to,
    handoffs.c.opened,
    handoffs.c.opened_by,
    handoffs.c.opened_at,
    handoffs.c.note,
    handoffs.c.digest,
    handoffs.c.claim,
    handoffs.c.recalled,
    handoffs.c.recalled_by,
)


def _record(r: Any) -> HandoffRecord:
    return HandoffRecord(
        r.id,
        r.customer_id,
        r.to,
        r.opened,
        r.opened_by,
        as_utc(r.opened_at),
        r.note,
        r.digest,
        dict(r.claim),
        r.recalled,
        r.recalled_by,
    )


def find_handoff(conn: Connection, case_id: str) -> HandoffRecord | None:
    """Return the hand-off ``case_id``, or None."""
    row = conn.execute(select(*_COLUMNS).where(handoffs.c.id == case_id)).first()
    return None if row is None else _record(row)


def open_handoff_of(conn: Connection, customer_id: str) -> HandoffRecord | None:
    """Return the customer's open hand-off, or None."""
    h = handoffs.c
    row = conn.execute(
        select(*_COLUMNS).where(h.customer_id == customer_id, h.recalled.is_(None))
    ).first()
    return None if row is None else _record(row)


def list_handoffs(
    conn: Connection, *, customer_id: str | None = None, open_only: bool = False
) -> list[HandoffRecord]:
    """Return hand-offs, newest first: one customer's or everyone's, open ones only if asked."""
    h = handoffs.c
    stmt = select(*_COLUMNS)
    if customer_id is not None:
        stmt = stmt.where(h.customer_id == customer_id)
    if open_only:
        stmt = stmt.where(h.recalled.is_(None))
    rows = conn.execute(stmt.order_by(h.opened.desc(), h.opened_at.desc(), h.id)).all()
    return [_record(row) for row in rows]


def case_archive(conn: Connection, case_id: str) -> bytes | None:
    """Return the case file as handed over (a zip), or None for an unknown case."""
    archive: bytes | None = conn.execute(
        select(handoffs.c.archive).where(handoffs.c.id == case_id)
    ).scalar()
    return archive


def customer_exists(conn: Connection, customer_id: str) -> bool:
    """Return whether the customer is in the ledger."""
    found = conn.execute(select(customers.c.id).where(customers.c.id == customer_id)).scalar()
    return found is not None


def insert_handoff(
    conn: Connection,
    *,
    case_id: str,
    customer_id: str,
    to: str,
    day: date,
    who: str,
    note: str,
    digest: str,
    claim: Mapping[str, str],
    archive: bytes,
    now: datetime | None = None,
) -> tuple[HandoffRecord, bool]:
    """Return the customer's open hand-off and whether this call opened it.

    When the customer already has an open case (opened before, or by someone at the same moment)
    nothing is written and that case is returned.
    """
    with _writing(conn):
        written = _insert_once(
            conn,
            handoffs,
            {
                "id": case_id,
                "customer_id": customer_id,
                "to": to,
                "opened": day,
                "opened_by": who,
                "opened_at": now or datetime.now(UTC),
                "note": note,
                "digest": digest,
                "claim": dict(claim),
                "archive": archive,
            },
        )
        if written:
            claimed = (
                ", ".join(format_money(Decimal(a), c) for c, a in sorted(claim.items()))
                or "nothing"
            )
            record_event(
                conn,
                customer_id=customer_id,
                day=day,
                who=who,
                event="handoff",
                ref=case_id,
                summary=f"Case {case_id} handed to {TARGET_WORDS[to]}: claim {claimed}",
                detail={"to": to, "claim": dict(claim), "digest": digest, "note": note},
                now=now,
            )
        found = open_handoff_of(conn, customer_id)
    if found is None:  # recalled between the two statements: only possible on another commit
        raise HandoffError("customer", f"the case of {customer_id} changed while handing it off")
    return found, written


def recall_handoff(
    conn: Connection,
    case_id: str,
    *,
    day: date,
    who: str,
    note: str = "",
    now: datetime | None = None,
) -> tuple[HandoffRecord, bool]:
    """Return the case once recalled, and whether this call recalled it (False: it already was).

    From ``day`` the customer is chased by the ladder again. Raises ``HandoffError`` for an
    unknown case or a recall dated before the case was opened.
    """
    with _writing(conn):
        found = find_handoff(conn, case_id)
        if found is None:
            raise HandoffError("case", f"there is no case {case_id}")
        if found.recalled is not None:
            return found, False
        if day < found.opened:
            raise HandoffError(
                "date",
                f"case {case_id} was opened on {found.opened}: it cannot be recalled on {day}",
            )
        h = handoffs.c
        done = conn.execute(
            update(handoffs)
            .where(h.id == case_id, h.recalled.is_(None))
            .values(recalled=day, recalled_by=who, recalled_at=now or datetime.now(UTC))
        ).rowcount
        if done:
            record_event(
                conn,
                customer_id=found.customer_id,
                day=day,
                who=who,
                event="recall",
                ref=case_id,
                summary=f"Case {case_id} recalled" + (f": {note}" if note else ""),
                detail={"note": note},
                now=now,
            )
        recalled = find_handoff(conn, case_id)
    assert recalled is not None  # read in the same transaction
    return recalled, bool(done)


@dataclass(frozen=True, slots=True)
class ResultsImported:
    """What importing an agency's report did."""

    rows: int
    added: int
    unchanged: int
    collected: Mapping[str, Decimal]
    fees: Mapping[str, Decimal]


def payment_id_of(case_id: str, ref: str) -> str:
    """Return the id of the ledger payment an agency's line becomes (stable across imports)."""
    digest = hashlib.sha256(f"{case_id}\x1f{ref}".encode()).hexdigest()[:20]
    return f"AG-{digest}"


def add_agency_results(
    conn: Connection, results: Sequence[AgencyResult], *, who: str, now: datetime | None = None
) -> ResultsImported:
    """Record an agency's report: all lines or none (a ``HandoffError`` names the first bad one).

    A payment line becomes a ledger payment of the debtor (applied to its invoice when it names
    one) dated the day the agency collected it; the fee the agency keeps is recorded beside it.
    A line already imported (same case and reference) is left as it was.
    """
    moment = now or datetime.now(UTC)
    added = 0
    collected: dict[str, Decimal] = {}
    fees: dict[str, Decimal] = {}
    with _writing(conn):
        cases: dict[str, HandoffRecord] = {}
        for number, result in enumerate(results, start=1):
            case = cases.get(result.case_id) or find_handoff(conn, result.case_id)
            if case is None:
                raise HandoffError("case", f"line {number}: there is no case {result.case_id}")
            cases[case.id] = case
            if result.day < case.opened:
                raise HandoffError(
                    "date",
                    f"line {number}: {result.day} is before case {case.id} was opened"
                    f" ({case.opened})",
                )
            payment_id = None
            if result.kind == "payment":
                payment_id = _agency_payment(conn, case, result, number)
            written = _insert_once(
                conn,
                agency_results,
                {
                    "handoff_id": case.id,
                    "customer_id": case.customer_id,
                    "ref": result.ref,
                    "date": result.day,
                    "kind": result.kind,
                    "invoice_id": result.invoice_id,
                    "amount": result.amount,
                    "fee": result.fee,
                    "currency": result.currency,
                    "note": result.note,
                    "payment_id": payment_id,
                    "who": who,
                    "imported_at": moment,
                },
                key=("handoff_id", "ref"),
            )
            if not written:
                continue
            added += 1
            _audit_result(conn, case, result, who, moment)
            if result.currency is not None:
                if result.amount is not None:
                    collected[result.currency] = (
                        collected.get(result.currency, Decimal(0)) + result.amount
                    )
                if result.fee is not None:
                    fees[result.currency] = fees.get(result.currency, Decimal(0)) + result.fee
    return ResultsImported(len(results), added, len(results) - added, collected, fees)


def _agency_payment(
    conn: Connection, case: HandoffRecord, result: AgencyResult, number: int
) -> str:
    """Write the ledger payment of an agency's collected amount; return its id."""
    if result.amount is None or result.currency is None:
        raise HandoffError("amount", f"line {number}: a payment needs an amount and a currency")
    if result.invoice_id is not None:
        owner = conn.execute(
            select(invoices.c.customer_id, invoices.c.currency).where(
                invoices.c.id == result.invoice_id
            )
        ).first()
        if owner is None or owner.customer_id != case.customer_id:
            raise HandoffError(
                "invoice",
                f"line {number}: invoice {result.invoice_id} is not one of {case.customer_id}'s",
            )
        if owner.currency != result.currency:
            raise HandoffError(
                "currency",
                f"line {number}: invoice {result.invoice_id} is in {owner.currency},"
                f" not {result.currency}",
            )
    payment_id = payment_id_of(case.id, result.ref)
    conn.execute(
        _insert(conn, payments)
        .values(
            id=payment_id,
            customer_id=case.customer_id,
            date=result.day,
            amount=result.amount,
            currency=result.currency,
            invoice_id=result.invoice_id,
        )
        .on_conflict_do_nothing(index_elements=["id"])
    )
    return payment_id


def _audit_result(
    conn: Connection, case: HandoffRecord, result: AgencyResult, who: str, now: datetime
) -> None:
    if result.kind == "payment" and result.amount is not None and result.currency is not None:
        summary = (
            f"Case {case.id}: the agency collected {format_money(result.amount, result.currency)}"
        )
        if result.invoice_id:
            summary += f" on {result.invoice_id}"
        if result.fee is not None:
            summary += f" and keeps a fee of {format_money(result.fee, result.currency)}"
        event = "agency_payment"
    else:
        summary = f"Case {case.id}: {result.note or 'outcome reported'}"
        event = "agency_outcome"
    record_event(
        conn,
        customer_id=case.customer_id,
        day=result.day,
        who=who,
        event=event,
        ref=f"{case.id}/{result.ref}"[:128],
        summary=summary,
        detail={
            "case": case.id,
            "ref": result.ref,
            "kind": result.kind,
            "invoice": result.invoice_id,
            "amount": None if result.amount is None else str(result.amount),
            "fee": None if result.fee is None else str(result.fee),
            "currency": result.currency,
            "note": result.note,
        },
        now=now,
    )
