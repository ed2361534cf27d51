"""Read the ledger into the engine's records, one customer at a time, with SQLAlchemy Core.

The daily run reads every open invoice of every customer. It does so in chunks of customers (a
keyset over ``customers.id``): for each chunk one query per table, each an index range scan on
``customer_id``, rows handed over as plain tuples and turned straight into the engine's
``NamedTuple`` records. No ORM object is ever built (docs/ledger-store.md has the measurements).

Invoices that are settled in full are left out by the database: it sums the payments and credit
notes applied to each invoice (less what was given back, plus a cancellation: the whole amount)
and returns only those with something still open, and then reads
back those of them an action charged a fee or interest on (they are owed while their charges
are, rule "charges owed"). Everything else
about a customer (unapplied cash, disputes, promises, plans, the whole action history) is returned
whole, because the engine needs it even when no invoice is open (contact limits, promises kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from json import JSONDecoder, loads
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Date,
    Engine,
    Numeric,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql.elements import BindParameter, KeyedColumnElement

from engine.model.handoff import Handoff
from engine.model.ledger import (
    ActionRecord,
    ActionStatus,
    ChargeWaiver,
    CreditNote,
    Customer,
    CustomerLedger,
    Dispute,
    Instalment,
    Invoice,
    LedgerSnapshot,
    Payment,
    PaymentPlan,
    Promise,
    Settlement,
)
from engine.model.money import minor_units
from store.collector import collector_paused
from store.columns import SCALE
from store.connection import create_store_engine, missing_sqlite_file
from store.migrate import DatabaseMissingError, require_current
from store.models import (
    action_log,
    cancellations,
    charge_waivers,
    credit_notes,
    customers,
    disputes,
    handoffs,
    instalments,
    invoices,
    payment_plans,
    payments,
    plan_invoices,
    promise_invoices,
    promises,
    reversals,
    write_offs,
)
from store.settings import database_url

# Customers per chunk: large enough that per-query overhead vanishes, small enough that a chunk
# of a big ledger stays a few megabytes.
CHUNK_CUSTOMERS = 2000
# Ids per IN (...) list: well under SQLite's limit of 32,766 bound parameters.
_IN_BATCH = 5000

_EMPTY: tuple[Any, ...] = ()
_new = tuple.__new__


def iter_customer_ledgers(
    source: Engine | Connection,
    customer_ids: Iterable[str] | None = None,
    as_of: date | None = None,
    *,
    open_from: date | None = None,
    chunk_size: int = CHUNK_CUSTOMERS,
    id_range: tuple[str, str] | None = None,
) -> Iterator[CustomerLedger]:
    """Return each customer's ledger (``CustomerLedger``), in customer id order, streamed.

    ``customer_ids`` restricts the read to those customers (unknown ids are skipped);
    ``id_range`` (first, last) to the customers whose ids are in that range, both included:
    how parallel workers split a ledger, each reading a range of ids as the whole read does
    (an ``IN (...)`` list of the same ids cost about a sixth more, bench/README.md). With
    ``as_of``, the ledger is read as it stood at the end of that day: later invoices, cash,
    disputes, promises, plans and actions are left out. Given an ``Engine``, the whole read runs
    in one read transaction (a repeatable snapshot on PostgreSQL), so a concurrent import never
    shows up half-way through the list.

    ``open_from`` (with ``as_of``) reads for every day from ``open_from`` to ``as_of`` at once
    (a plan over several days): the invoices open on any of those days, each with its cash up to
    ``as_of``; the evaluation of each day leaves out what is dated later (rule "as of a date").
    """
    if open_from is not None and (as_of is None or open_from > as_of):
        raise ValueError("open_from needs an as_of on or after it")
    if isinstance(source, Engine):
        with source.connect() as opened:
            conn = opened
            if conn.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield from _iter(
                    conn, customer_ids, as_of, open_from, chunk_size, id_range=id_range
                )
    else:
        yield from _iter(source, customer_ids, as_of, open_from, chunk_size, id_range=id_range)


def open_ledger(
    url: str | None,
    customer_ids: Iterable[str] | None = None,
    as_of: date | None = None,
    *,
    open_from: date | None = None,
    id_range: tuple[str, str] | None = None,
) -> Iterator[CustomerLedger]:
    """Return the customers' ledgers streamed from the database at ``url`` (see ``database_url``).

    ``customer_ids`` and ``id_range`` restrict the read as in ``iter_customer_ledgers``.

    Raises ``DatabaseNotReadyError`` at once, before anything is read, when the database has no
    ledger tables or an older schema than this version of the store, and its subclass
    ``DatabaseMissingError`` (creating nothing) when the URL names a SQLite file that does not
    exist.
    """
    missing = missing_sqlite_file(url)
    if missing is not None:
        where = database_url(url)
        raise DatabaseMissingError(
            f"{where}: there is no database file {missing.resolve()}: create it with"
            f" `dunning db upgrade --database {where}`",
            url=where,
            path=missing,
        )
    engine = create_store_engine(url)
    try:
        require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    return _streamed(engine, customer_ids, as_of, open_from, id_range)


def _streamed(
    engine: Engine,
    customer_ids: Iterable[str] | None,
    as_of: date | None,
    open_from: date | None,
    id_range: tuple[str, str] | None,
) -> Iterator[CustomerLedger]:
    try:
        yield from iter_customer_ledgers(
            engine, customer_ids, as_of, open_from=open_from, id_range=id_range
        )
    finally:
        engine.dispose()


def load_snapshot(
    source: Engine | Connection,
    customer_ids: Iterable[str] | None = None,
    as_of: date | None = None,
) -> LedgerSnapshot:
    """Return the ledger (or the named customers' part of it) as one in-memory ``LedgerSnapshot``.

    For tests, the demo and single-customer pages; the daily run streams
    ``iter_customer_ledgers`` instead.
    """
    return LedgerSnapshot(tuple(iter_customer_ledgers(source, customer_ids, as_of)))


def _iter(
    conn: Connection,
    customer_ids: Iterable[str] | None,
    as_of: date | None,
    open_from: date | None,
    chunk_size: int,
    *,
    id_range: tuple[str, str] | None = None,
) -> Iterator[CustomerLedger]:
    if customer_ids is not None and id_range is not None:
        raise ValueError("name the customers or a range of their ids, not both")
    reader = _ChunkReader(conn, as_of, open_from, by_range=customer_ids is None)
    if customer_ids is None:
        after: str | None = None
        while True:
            rows = reader.customers_after(after, chunk_size, id_range)
            if not rows:
                return
            after = rows[-1][0]
            yield from reader.chunk(rows, {"lo": rows[0][0], "hi": after})
            if len(rows) < chunk_size:
                return
    else:
        wanted = sorted(set(customer_ids))
        for start in range(0, len(wanted), chunk_size):
            ids = wanted[start : start + chunk_size]
            rows = reader.customers_in(ids)
            if rows:
                yield from reader.chunk(rows, {"ids": ids})


# The statements of a read, by (SQLite, read by id range, no as-of date, a single day): see
# _ChunkReader.
_STATEMENTS: dict[tuple[bool, bool, bool, bool], dict[str, Any]] = {}


class _ChunkReader:
    """The statements of one read, built once, and the conversion of their rows to records."""

    def __init__(
        self, conn: Connection, as_of: date | None, open_from: date | None, *, by_range: bool
    ) -> None:
        self.conn = conn
        self.as_of = as_of
        self.open_from = open_from
        self.sqlite = conn.dialect.name == "sqlite"
        self._dates: dict[Any, date] = {}
        self._money = self._sqlite_money if self.sqlite else self._numeric_money
        self._factors: dict[str, tuple[int, int, Decimal]] = {}
        self._statuses = {s.value: s for s in ActionStatus}
        self._by_range = by_range
        # The statements depend only on these four; building them costs more than reading a
        # few customers (the service reads a few after every outcome), so they are built once.
        # ``as_of`` and ``open_from`` are parameters of each execution (``chunk``).
        shape = (self.sqlite, by_range, as_of is None, open_from is None)
        built = _STATEMENTS.get(shape)
        if built is None:
            self._build()
            built = _STATEMENTS[shape] = {
                name: value for name, value in vars(self).items() if name.endswith("_stmt")
            }
        else:
            vars(self).update(built)

    # -- statements --------------------------------------------------------------------------

    def _in_chunk(self, column: KeyedColumnElement[Any]) -> ColumnElement[bool]:
        if self._by_range:
            return and_(column >= bindparam("lo"), column <= bindparam("hi"))
        return column.in_(bindparam("ids", expanding=True))

    def _until(self, column: KeyedColumnElement[Any]) -> list[ColumnElement[bool]]:
        return [] if self.as_of is None else [column <= bindparam("as_of", type_=Date())]

    def _not_replaced(self, replaced_on: KeyedColumnElement[Any]) -> ColumnElement[bool]:
        # A promise replaced by a later one (store.outcomes) no longer holds anything back.
        if self.as_of is None:
            return replaced_on.is_(None)
        return or_(replaced_on.is_(None), replaced_on > bindparam("as_of", type_=Date()))

    def _raw_money(self, column: Any) -> Any:
        # Hand the driver's value over untouched and convert it in one tight loop (_money).
        return type_coerce(column, BigInteger if self.sqlite else Numeric(18, SCALE))

    def _raw_date(self, column: Any) -> Any:
        return type_coerce(column, String) if self.sqlite else column

    def _build(self) -> None:
        money, day = self._raw_money, self._raw_date
        c = customers.c
        self.customers_stmt = select(c.id, c.name, c.country, c.segment, c.email, c.language)
        self.customers_in_stmt = self.customers_stmt.where(
            c.id.in_(bindparam("ids", expanding=True))
        ).order_by(c.id)

        # Open invoices: amount above what payments and credit notes applied to it sum to.
        # The sums are made per chunk from the chunk's own cash (a payment is always from the
        # invoice's customer: the imports check it), read in customer order from covering
        # indexes and joined on; a correlated sum per invoice seeks all over the cash indexes
        # instead and was twice as slow on a million invoices (docs/ledger-store.md).
        p, n, i, w, r = payments.c, credit_notes.c, invoices.c, write_offs.c, reversals.c
        voided = invoices.alias("voided")
        x, v = cancellations.c, voided.c
        # The date only over a range: the single-day sums read the covering indexes alone.
        dated = self.open_from is not None
        cash = union_all(
            select(p.invoice_id, p.amount, *([p.date] if dated else [])).where(
                p.invoice_id.is_not(None), self._in_chunk(p.customer_id), *self._until(p.date)
            ),
            select(n.invoice_id, n.amount, *([n.date] if dated else [])).where(
                n.invoice_id.is_not(None), self._in_chunk(n.customer_id), *self._until(n.date)
            ),
            select(w.invoice_id, w.amount, *([w.date] if dated else [])).where(
                self._in_chunk(w.customer_id), *self._until(w.date)
            ),
            # What a refund, chargeback or reversal gives back reopens the invoice its payment
            # or credit note settled: counted negative.
            select(p.invoice_id, -r.amount, *([r.date] if dated else []))
            .join_from(reversals, payments, r.payment_id == p.id)
            .where(p.invoice_id.is_not(None), self._in_chunk(r.customer_id), *self._until(r.date)),
            select(n.invoice_id, -r.amount, *([r.date] if dated else []))
            .join_from(reversals, credit_notes, r.credit_note_id == n.id)
            .where(n.invoice_id.is_not(None), self._in_chunk(r.customer_id), *self._until(r.date)),
            # A cancellation settles the whole invoice from its date.
            select(x.invoice_id, v.amount, *([x.date] if dated else []))
            .join_from(cancellations, voided, x.invoice_id == v.id)
            .where(self._in_chunk(x.customer_id), *self._until(x.date)),
        ).subquery("cash")
        if self.open_from is None:
            sums = (
                select(
                    cash.c.invoice_id,
                    func.sum(cash.c.amount).label("applied"),
                    func.count().label("moves"),
                )
                .group_by(cash.c.invoice_id)
                .subquery("sums")
            )
            applied = func.coalesce(sums.c.applied, literal_column("0"))
            still_open: ColumnElement[bool] = i.amount > applied
        else:
            # Over a range of days (a plan): every invoice open on the first day, or whose cash
            # moved during the range, since it is open on some day of it.
            start = bindparam("open_from", type_=Date())
            sums = (
                select(
                    cash.c.invoice_id,
                    func.count().label("moves"),
                    func.sum(case((cash.c.date <= start, cash.c.amount), else_=0)).label("before"),
                    func.max(case((cash.c.date > start, 1), else_=0)).label("moved"),
                )
                .group_by(cash.c.invoice_id)
                .subquery("sums")
            )
            still_open = or_(
                i.amount > func.coalesce(sums.c.before, literal_column("0")),
                func.coalesce(sums.c.moved, literal_column("0")) == 1,
            )
        self.invoices_stmt = (
            select(
                i.customer_id,
                i.id,
                day(i.issued).label("issued"),
                money(i.amount).label("amount"),
                i.currency,
                i.terms,
                day(i.due).label("due"),
                # How many settlements it has (a payment and its refund sum to nothing).
                func.coalesce(sums.c.moves, literal_column("0")).label("settlement_count"),
                money(i.tax).label("tax"),
            )
            .select_from(invoices.outerjoin(sums, sums.c.invoice_id == i.id))
            .where(self._in_chunk(i.customer_id), *self._until(i.issued), still_open)
            .order_by(i.customer_id, i.issued, i.id)
        )

        applied_to: BindParameter[Any] = bindparam("invoice_ids", expanding=True)
        settled = union_all(
            select(
                p.invoice_id,
                day(p.date).label("date"),
                money(p.amount).label("amount"),
                literal("payment").label("kind"),
                p.id,
            ).where(p.invoice_id.in_(applied_to), *self._until(p.date)),
            select(
                n.invoice_id,
                day(n.date),
                money(n.amount),
                literal("credit_note"),
                n.id,
            ).where(n.invoice_id.in_(applied_to), *self._until(n.date)),
            select(w.invoice_id, day(w.date), money(w.amount), literal("write_off"), w.id).where(
                w.invoice_id.in_(applied_to), *self._until(w.date)
            ),
            select(p.invoice_id, day(r.date), money(-r.amount), r.kind, r.id)
            .join_from(reversals, payments, r.payment_id == p.id)
            .where(p.invoice_id.in_(applied_to), *self._until(r.date)),
            select(
                n.invoice_id, day(r.date), money(-r.amount), literal("credit_note_reversal"), r.id
            )
            .join_from(reversals, credit_notes, r.credit_note_id == n.id)
            .where(n.invoice_id.in_(applied_to), *self._until(r.date)),
            select(x.invoice_id, day(x.date), money(v.amount), literal("cancellation"), x.id)
            .join_from(cancellations, voided, x.invoice_id == v.id)
            .where(x.invoice_id.in_(applied_to), *self._until(x.date)),
        ).subquery("settled")
        s = settled.c
        self.settlements_stmt = select(settled).order_by(s.invoice_id, s.date, s.kind, s.id)

        unapplied = union_all(
            select(
                p.customer_id,
                p.id,
                day(p.date).label("date"),
                money(p.amount).label("amount"),
                p.currency,
                literal("payment").label("kind"),
            ).where(p.invoice_id.is_(None), self._in_chunk(p.customer_id), *self._until(p.date)),
            select(
                n.customer_id,
                n.id,
                day(n.date),
                money(n.amount),
                n.currency,
                literal("credit_note"),
            ).where(n.invoice_id.is_(None), self._in_chunk(n.customer_id), *self._until(n.date)),
            # Given back from cash or credit left on the account: less of it, from that day.
            select(
                r.customer_id, r.id, day(r.date), money(-r.amount), r.currency, literal("payment")
            )
            .join_from(reversals, payments, r.payment_id == p.id)
            .where(p.invoice_id.is_(None), self._in_chunk(r.customer_id), *self._until(r.date)),
            select(
                r.customer_id,
                r.id,
                day(r.date),
                money(-r.amount),
                r.currency,
                literal("credit_note"),
            )
            .join_from(reversals, credit_notes, r.credit_note_id == n.id)
            .where(n.invoice_id.is_(None), self._in_chunk(r.customer_id), *self._until(r.date)),
        ).subquery("unapplied")
        u = unapplied.c
        self.unapplied_stmt = select(unapplied).order_by(u.customer_id, u.date, u.kind, u.id)

        d = disputes.c
        self.disputes_stmt = (
            select(d.customer_id, d.id, d.invoice_id, day(d.opened), day(d.resolved), d.reason)
            .where(self._in_chunk(d.customer_id), *self._until(d.opened))
            .order_by(d.customer_id, d.opened, d.id)
        )

        pr, pi = promises.c, promise_invoices.c
        self.promises_stmt = (
            select(
                pr.customer_id, pr.id, day(pr.made), day(pr.pay_by), money(pr.amount), pr.currency
            )
            .where(
                self._in_chunk(pr.customer_id),
                *self._until(pr.made),
                self._not_replaced(pr.superseded_on),
            )
            .order_by(pr.customer_id, pr.made, pr.id)
        )
        self.promise_invoices_stmt = (
            select(pi.promise_id, pi.invoice_id)
            .join(promises, promises.c.id == pi.promise_id)
            .where(
                self._in_chunk(pr.customer_id),
                *self._until(pr.made),
                self._not_replaced(pr.superseded_on),
            )
            .order_by(pi.promise_id, pi.invoice_id)
        )

        pl, pli, ins = payment_plans.c, plan_invoices.c, instalments.c
        self.plans_stmt = (
            select(pl.customer_id, pl.id, day(pl.agreed), pl.currency)
            .where(self._in_chunk(pl.customer_id), *self._until(pl.agreed))
            .order_by(pl.customer_id, pl.agreed, pl.id)
        )
        self.plan_invoices_stmt = (
            select(pli.plan_id, pli.invoice_id)
            .join(payment_plans, payment_plans.c.id == pli.plan_id)
            .where(self._in_chunk(pl.customer_id), *self._until(pl.agreed))
            .order_by(pli.plan_id, pli.invoice_id)
        )
        self.instalments_stmt = (
            select(ins.plan_id, day(ins.due), money(ins.amount))
            .join(payment_plans, payment_plans.c.id == ins.plan_id)
            .where(self._in_chunk(pl.customer_id), *self._until(pl.agreed))
            .order_by(ins.plan_id, ins.seq)
        )

        h = handoffs.c
        self.handoffs_stmt = (
            select(h.customer_id, h.id, h.to, day(h.opened), day(h.recalled))
            .where(self._in_chunk(h.customer_id), *self._until(h.opened))
            .order_by(h.customer_id, h.opened, h.id)
        )

        self.charged_invoices_stmt = (
            select(
                i.customer_id,
                i.id,
                day(i.issued).label("issued"),
                money(i.amount).label("amount"),
                i.currency,
                i.terms,
                day(i.due).label("due"),
                literal_column("1").label("settlement_count"),
                money(i.tax).label("tax"),
            )
            .where(i.id.in_(bindparam("invoice_ids", expanding=True)), *self._until(i.issued))
            .order_by(i.customer_id, i.issued, i.id)
        )

        cw = charge_waivers.c
        self.waivers_stmt = (
            select(cw.customer_id, cw.id, cw.action_id, day(cw.date), cw.reason, cw.who)
            .where(self._in_chunk(cw.customer_id), *self._until(cw.date))
            .order_by(cw.customer_id, cw.date, cw.id)
        )

        a = action_log.c
        self.history_stmt = (
            select(
                # SQLite hands JSON over as text (parsed here, without a per-value wrapper);
                # psycopg parses it itself.
                a.customer_id,
                a.action_id,
                a.step,
                type_coerce(a.invoice_ids, String) if self.sqlite else a.invoice_ids,
                day(a.date),
                a.status,
                money(a.fee),
                money(a.interest),
                a.currency,
            )
            .where(self._in_chunk(a.customer_id), *self._until(a.date))
            .order_by(a.customer_id, a.date, a.id)
        )

    # -- conversions -------------------------------------------------------------------------

    def _date(self, value: Any) -> date:
        # Many rows share a date: parse each distinct one once and share the object.
        parsed = self._dates.get(value)
        if parsed is None:
            parsed = value if isinstance(value, date) else date.fromisoformat(value)
            self._dates[value] = parsed
        return parsed

    def _factor(self, currency: str) -> tuple[int, int, Decimal]:
        factor = self._factors.get(currency)
        if factor is None:
            digits = min(minor_units(currency), SCALE)
            factor = (10 ** (SCALE - digits), -digits, Decimal(1).scaleb(-digits))
            self._factors[currency] = factor
        return factor

    def _sqlite_money(self, units: int, currency: str) -> Decimal:
        # Stated in the currency's minor units (GBP 12.50, not 12.5000) when exact, as entered.
        factor = self._factors.get(currency) or self._factor(currency)
        if units % factor[0]:
            return Decimal(units).scaleb(-SCALE)
        return Decimal(units // factor[0]).scaleb(factor[1])

    def _numeric_money(self, value: Decimal, currency: str) -> Decimal:
        factor = self._factors.get(currency) or self._factor(currency)
        stated = value.quantize(factor[2])
        return stated if stated == value else value

    # -- reading -----------------------------------------------------------------------------

    def customers_after(
        self, after: str | None, limit: int, id_range: tuple[str, str] | None = None
    ) -> Sequence[Any]:
        """Return the next ``limit`` customer rows after id ``after`` (within ``id_range``)."""
        stmt = self.customers_stmt
        if after is not None:
            stmt = stmt.where(customers.c.id > after)
        if id_range is not None:
            stmt = stmt.where(customers.c.id >= id_range[0], customers.c.id <= id_range[1])
        return self.conn.execute(stmt.order_by(customers.c.id).limit(limit)).all()

    def customers_in(self, ids: list[str]) -> Sequence[Any]:
        """Return the rows of the customers ``ids`` that exist, in id order."""
        return self.conn.execute(self.customers_in_stmt, {"ids": ids}).all()

    def _rows(self, stmt: Select[Any], params: dict[str, Any]) -> Sequence[Any]:
        # The driver's own tuples: every column was selected in its raw type (_raw_money,
        # _raw_date), so SQLAlchemy has nothing to process, and wrapping each tuple in a Row
        # cost a tenth of the load on a million invoices.
        result = self.conn.execute(stmt, params)
        try:
            rows: Sequence[Any] = result.cursor.fetchall()
        finally:
            result.close()
        return rows

    def chunk(self, customer_rows: Sequence[Any], params: dict[str, Any]) -> list[CustomerLedger]:
        """Return the ledgers of one chunk of customers."""
        if self.as_of is not None:
            params = {**params, "as_of": self.as_of}
        if self.open_from is not None:
            params = {**params, "open_from": self.open_from}
        # Building a few hundred thousand tuples triggers the cyclic collector over and over
        # although none of them can form a cycle; pause it for the chunk.
        with collector_paused():
            return self._chunk(customer_rows, params)

    def _chunk(self, customer_rows: Sequence[Any], params: dict[str, Any]) -> list[CustomerLedger]:
        day, money, new = self._date, self._money, _new
        known_day = self._dates.get
        sqlite, factors, factor, dec = self.sqlite, self._factors, self._factor, Decimal
        empty = _EMPTY

        invoice_rows = self._rows(self.invoices_stmt, params)
        partly = [row[1] for row in invoice_rows if row[7]]
        settlements: dict[str, list[Settlement]] = {}
        currency_of = {row[1]: row[4] for row in invoice_rows} if partly else {}
        for start in range(0, len(partly), _IN_BATCH):
            batch = {**params, "invoice_ids": partly[start : start + _IN_BATCH]}
            for invoice_id, on, amount, kind, ref in self._rows(self.settlements_stmt, batch):
                settlements.setdefault(invoice_id, []).append(
                    new(Settlement, (day(on), money(amount, currency_of[invoice_id]), kind, ref))
                )

        open_invoices: dict[str, list[Invoice]] = {}
        current: str | None = None
        bucket: list[Invoice] = []
        # The hot loop: one pass, no calls but the record constructors (docs/ledger-store.md).
        for customer_id, iid, issued, amount, currency, terms, due, _applied, tax in invoice_rows:
            if customer_id != current:
                current = customer_id
                bucket = open_invoices[customer_id] = []
            if sqlite:  # _sqlite_money, inlined: a call per invoice costs a tenth of the load
                f = factors.get(currency) or factor(currency)
                value = (
                    dec(amount // f[0]).scaleb(f[1])
                    if not amount % f[0]
                    else dec(amount).scaleb(-SCALE)
                )
            else:
                value = money(amount, currency)
            bucket.append(
                new(
                    Invoice,
                    (
                        iid,
                        customer_id,
                        known_day(issued) or day(issued),
                        value,
                        currency,
                        terms,
                        None if due is None else (known_day(due) or day(due)),
                        tuple(settlements[iid]) if iid in settlements else empty,
                        None,  # the store keeps no delivery date yet
                        None if tax is None else money(tax, currency),
                    ),
                )
            )

        unapplied: dict[str, list[Payment | CreditNote]] = {}
        for customer_id, ref, on, amount, currency, kind in self._rows(self.unapplied_stmt, params):
            record = Payment if kind == "payment" else CreditNote
            unapplied.setdefault(customer_id, []).append(
                record(ref, customer_id, day(on), money(amount, currency), currency, None)
            )

        disputed: dict[str, list[Dispute]] = {}
        for customer_id, ref, invoice_id, opened, resolved, reason in self._rows(
            self.disputes_stmt, params
        ):
            disputed.setdefault(customer_id, []).append(
                Dispute(
                    ref,
                    invoice_id,
                    day(opened),
                    None if resolved is None else day(resolved),
                    reason,
                )
            )

        promised = self._promises(params)
        planned = self._plans(params)

        history: dict[str, list[ActionRecord]] = {}
        statuses, ids = self._statuses, _json_list
        for row in self._rows(self.history_stmt, params):
            customer_id, action_id, step, invoice_ids, on, status, fee, interest, currency = row
            history.setdefault(customer_id, []).append(
                new(
                    ActionRecord,
                    (
                        action_id,
                        customer_id,
                        step,
                        tuple(ids(invoice_ids) if isinstance(invoice_ids, str) else invoice_ids),
                        known_day(on) or day(on),
                        statuses[status],
                        None if fee is None else money(fee, currency),
                        None if interest is None else money(interest, currency),
                        currency,
                    ),
                )
            )

        self._charged_invoices(history, open_invoices, params)

        waived: dict[str, list[ChargeWaiver]] = {}
        for customer_id, ref, action_id, on, reason, who in self._rows(self.waivers_stmt, params):
            waived.setdefault(customer_id, []).append(
                ChargeWaiver(ref, customer_id, action_id, day(on), reason, who)
            )

        handed: dict[str, list[Handoff]] = {}
        for customer_id, ref, to, opened, recalled in self._rows(self.handoffs_stmt, params):
            handed.setdefault(customer_id, []).append(
                Handoff(
                    ref, customer_id, to, day(opened), None if recalled is None else day(recalled)
                )
            )

        ledgers = []
        for cid, name, country, segment, email, language in customer_rows:
            ledgers.append(
                new(
                    CustomerLedger,
                    (
                        new(Customer, (cid, name, country, segment, email, language)),
                        tuple(i) if (i := open_invoices.get(cid)) else empty,
                        tuple(u) if (u := unapplied.get(cid)) else empty,
                        tuple(d) if (d := disputed.get(cid)) else empty,
                        tuple(p) if (p := promised.get(cid)) else empty,
                        tuple(pl) if (pl := planned.get(cid)) else empty,
                        tuple(h) if (h := history.get(cid)) else empty,
                        tuple(o) if (o := handed.get(cid)) else empty,
                        tuple(w) if (w := waived.get(cid)) else empty,
                    ),
                )
            )
        return ledgers

    def _charged_invoices(
        self,
        history: dict[str, list[ActionRecord]],
        open_invoices: dict[str, list[Invoice]],
        params: dict[str, Any],
    ) -> None:
        """Add to ``open_invoices`` the invoices settled in full that a worked action charged a
        fee or interest on: they are owed while their charges are (rule "charges owed")."""
        done = ActionStatus.DONE
        wanted: set[str] = set()
        for customer_id, records in history.items():
            have = {invoice.id for invoice in open_invoices.get(customer_id, ())}
            for record in records:
                if record.status == done and (record.fee or record.interest):
                    wanted.update(i for i in record.invoice_ids if i not in have)
        if not wanted:
            return
        day, money = self._date, self._money
        ids = sorted(wanted)
        added: set[str] = set()
        for start in range(0, len(ids), _IN_BATCH):
            batch = {**params, "invoice_ids": ids[start : start + _IN_BATCH]}
            rows = self._rows(self.charged_invoices_stmt, batch)
            currency_of = {row[1]: row[4] for row in rows}
            settled: dict[str, list[Settlement]] = {}
            if rows:
                paid = {**params, "invoice_ids": list(currency_of)}
                for invoice_id, on, amount, kind, ref in self._rows(self.settlements_stmt, paid):
                    settled.setdefault(invoice_id, []).append(
                        Settlement(day(on), money(amount, currency_of[invoice_id]), kind, ref)
                    )
            for customer_id, iid, issued, amount, currency, terms, due, _count, tax in rows:
                if customer_id not in history:
                    continue  # an invoice of another chunk's customer: read with that chunk
                open_invoices.setdefault(customer_id, []).append(
                    Invoice(
                        iid, customer_id, day(issued), money(amount, currency), currency, terms,
                        None if due is None else day(due), tuple(settled.get(iid, ())), None,
                        None if tax is None else money(tax, currency),
                    )
                )  # fmt: skip
                added.add(customer_id)
        for customer_id in added:
            open_invoices[customer_id].sort(key=lambda invoice: (invoice.issued, invoice.id))

    def _promises(self, params: dict[str, Any]) -> dict[str, list[Promise]]:
        rows = self._rows(self.promises_stmt, params)
        if not rows:
            return {}
        covered = _group_pairs(self._rows(self.promise_invoices_stmt, params))
        out: dict[str, list[Promise]] = {}
        day, money = self._date, self._money
        for customer_id, ref, made, pay_by, amount, currency in rows:
            out.setdefault(customer_id, []).append(
                Promise(
                    ref,
                    customer_id,
                    day(made),
                    day(pay_by),
                    money(amount, currency),
                    currency,
                    tuple(covered.get(ref, ())),
                )
            )
        return out

    def _plans(self, params: dict[str, Any]) -> dict[str, list[PaymentPlan]]:
        rows = self._rows(self.plans_stmt, params)
        if not rows:
            return {}
        covered = _group_pairs(self._rows(self.plan_invoices_stmt, params))
        currency_of = {row[1]: row[3] for row in rows}
        schedule: dict[str, list[Instalment]] = {}
        day, money = self._date, self._money
        for plan_id, due, amount in self._rows(self.instalments_stmt, params):
            schedule.setdefault(plan_id, []).append(
                Instalment(day(due), money(amount, currency_of[plan_id]))
            )
        out: dict[str, list[PaymentPlan]] = {}
        for customer_id, ref, agreed, currency in rows:
            out.setdefault(customer_id, []).append(
                PaymentPlan(
                    ref,
                    customer_id,
                    day(agreed),
                    currency,
                    tuple(covered.get(ref, ())),
                    tuple(schedule.get(ref, ())),
                )
            )
        return out


_scan_json = JSONDecoder().scan_once  # type: ignore[attr-defined] # set in __init__, in C


def _json_list(text: str) -> list[str]:
    # The C scanner straight away: json.loads spends most of its time on checks around it.
    try:
        parsed: list[str] = _scan_json(text, 0)[0]
    except StopIteration:
        parsed = loads(text)
    return parsed


def _group_pairs(rows: Iterable[Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in rows:
        out.setdefault(key, []).append(value)
    return out
