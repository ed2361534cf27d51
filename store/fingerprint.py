"""A fingerprint of the ledger: a few numbers that change whenever the ledger may have changed.

The API takes it every few seconds to notice writes made outside it (``dunning import`` from a
cron job, another process) without reading the ledger itself.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from store.models import (
    action_log,
    charge_waivers,
    customers,
    disputes,
    imports,
    payment_plans,
    promises,
    write_offs,
)

Fingerprint = tuple[int, ...]
# How many numbers a fingerprint has.
FINGERPRINT_SIZE = 9


def ledger_fingerprint(conn: Connection) -> Fingerprint:
    """Return numbers that change when the ledger changes: newest ids, sizes of small tables.

    Imports record a row in ``imports`` for every batch that changed something and outcomes a row
    in ``action_log``; both have growing integer ids, so ``max(id)`` is one index lookup. Disputes,
    promises and plans are recorded as outcomes without an import, and write-offs by
    ``store.ledger_writes`` without one, and charge waivers: small tables, counted.
    """
    row = conn.execute(
        select(
            select(func.coalesce(func.max(imports.c.id), 0)).scalar_subquery(),
            select(func.coalesce(func.max(action_log.c.id), 0)).scalar_subquery(),
            select(func.count()).select_from(customers).scalar_subquery(),
            select(func.count()).select_from(disputes).scalar_subquery(),
            select(func.count())
            .select_from(disputes)
            .where(disputes.c.resolved.is_(None))
            .scalar_subquery(),
            select(func.count()).select_from(promises).scalar_subquery(),
            select(func.count()).select_from(payment_plans).scalar_subquery(),
            select(func.count()).select_from(write_offs).scalar_subquery(),
            select(func.count()).select_from(charge_waivers).scalar_subquery(),
        )
    ).one()
    return tuple(int(value) for value in row)


def log_rows_after(conn: Connection, after: int, limit: int) -> list[tuple[int, str]]:
    """Return the ids and customers of the action-log rows newer than id ``after`` (at most
    ``limit``, oldest first): which customers' histories changed since a fingerprint."""
    a = action_log.c
    rows = conn.execute(
        select(a.id, a.customer_id).where(a.id > after).order_by(a.id).limit(limit)
    ).all()
    return [(int(row_id), str(customer_id)) for row_id, customer_id in rows]
