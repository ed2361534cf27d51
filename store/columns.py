"""Column types shared by the models and the migrations: exact money on every backend.

PostgreSQL stores money as ``NUMERIC(18, 4)``. SQLite has no decimal type: a ``NUMERIC`` column
holds a binary float, so sums such as 33.33 + 33.33 + 33.34 come back as 99.99999999999999 and an
invoice paid in full would look open. On SQLite the same column is therefore an ``INTEGER`` count
of ten-thousandths (``12.50`` is stored as ``125000``): sums and comparisons in SQL stay exact, and
the store hands back ``Decimal`` on both. See docs/decisions/003-exact-money-on-sqlite.md.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# Ten-thousandths: the four decimals of NUMERIC(18, 4).
SCALE = 4
_UNIT = 10**SCALE


def money_to_units(amount: Decimal) -> int:
    """Return ``amount`` as an integer count of ten-thousandths, refusing anything finer."""
    scaled = amount.scaleb(SCALE)
    units = int(scaled)
    if scaled != units:
        raise ValueError(f"amount {amount} has more than {SCALE} decimals")
    return units


def units_to_money(units: int) -> Decimal:
    """Return the ``Decimal`` amount stored as ``units`` ten-thousandths."""
    return Decimal(units).scaleb(-SCALE)


class Money(TypeDecorator[Decimal]):
    """An exact amount: ``NUMERIC(18, 4)`` on PostgreSQL, integer ten-thousandths on SQLite."""

    impl = Numeric(18, SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, SCALE, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return money_to_units(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return units_to_money(int(value))
        return Decimal(value)


def ident(length: int = 64) -> TypeEngine[str]:
    """Return the type of an identifier column: compared byte-wise on every backend.

    Ids are ordered and range-scanned per customer; PostgreSQL's "C" collation makes that order
    the same as SQLite's and Python's, whatever the database's locale.
    """
    return String(length).with_variant(String(length, collation="C"), "postgresql")
