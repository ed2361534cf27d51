"""The ledger database as the reports read it (``engine.tools.reports.ReportSource``).

The ledger as of a day is streamed one customer at a time by ``store.reader``; credit sales are
summed by the database, per currency and month, in one query per table (a scan of the invoices'
issue dates, no rows handed to Python but the sums).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, String, cast, func, select

from engine.model.ledger import CustomerLedger
from engine.tools.reports import MonthlySales
from store.models import credit_notes, invoices
from store.reader import iter_customer_ledgers


def _month(column: Any) -> Any:
    # "YYYY-MM": SQLite keeps dates as ISO text, PostgreSQL casts a date to ISO text.
    return func.substr(cast(column, String), 1, 7)


class StoreReportSource:
    """Reads the reports' rows from the ledger database behind ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def ledgers(self, as_of: date) -> Iterable[CustomerLedger]:
        """Return every customer's ledger at the end of ``as_of``, streamed."""
        return self._stream(as_of)

    def _stream(self, as_of: date) -> Iterator[CustomerLedger]:
        yield from iter_customer_ledgers(self.engine, as_of=as_of)

    def credit_sales(self, first: date, last: date) -> MonthlySales:
        """Return invoices issued less credit notes dated from ``first`` to ``last``, per
        currency and month."""
        i, n = invoices.c, credit_notes.c
        issued = _month(i.issued)
        noted = _month(n.date)
        sales: dict[tuple[str, str], Decimal] = {}
        with self.engine.connect() as conn:
            for currency, month, amount in conn.execute(
                select(i.currency, issued, func.sum(i.amount))
                .where(i.issued >= first, i.issued <= last)
                .group_by(i.currency, issued)
            ):
                sales[(currency, month)] = amount
            for currency, month, amount in conn.execute(
                select(n.currency, noted, func.sum(n.amount))
                .where(n.date >= first, n.date <= last)
                .group_by(n.currency, noted)
            ):
                sales[(currency, month)] = sales.get((currency, month), Decimal(0)) - amount
        return sales
