"""The schema as SQLAlchemy 2 models: customers, invoices, cash, write-offs, reversals and
cancellations, disputes,
promises, log, tokens, notes, assignments, web sessions and the payment portal's revocations,
visits and answers.

Ids are the accounting system's own ("external") ids. Money columns are ``Money`` (exact on every
backend), dates are ``Date``, currencies ``CHAR(3)``. The reader and the imports use the tables
through SQLAlchemy Core (``CustomerRow.__table__`` and the aliases at the bottom); the classes are
there for code that wants the ORM for a handful of rows (an API detail page), never for bulk work.

Indexes are the ones the daily run and the imports use, measured with ``EXPLAIN QUERY PLAN``
(docs/ledger-store.md). There is deliberately no index on an action's ``status``: the daily run
reads a customer's whole history, and a status index only tempts the planner into a lookup per row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CHAR,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from store.columns import Money, ident

# Stable constraint names, so migrations can name what they alter on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ACTION_STATUSES = ("done", "skipped", "failed", "superseded", "sent")
# An action has at most one of these: the first recorded wins (docs/api.md, "Recording an outcome").
FINAL_STATUSES = ("done", "skipped")


class Base(DeclarativeBase):
    """The declarative base of the ledger models."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CustomerRow(Base):
    """A customer as the accounting system knows it."""

    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    country: Mapped[str | None] = mapped_column(CHAR(2))
    segment: Mapped[str | None] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(320), default="", server_default="")
    language: Mapped[str | None] = mapped_column(String(8))


class InvoiceRow(Base):
    """An invoice, by its external id; ``due`` and ``terms`` override the customer's terms."""

    __tablename__ = "invoices"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    number: Mapped[str | None] = mapped_column(String(64))
    issued: Mapped[date] = mapped_column(Date)
    due: Mapped[date | None] = mapped_column(Date)
    terms: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(CHAR(3))
    # The tax (VAT) included in ``amount``, when the accounting system states it: the base of an
    # early-payment discount taken net of tax (``discounts: {base: net}``).
    tax: Mapped[Decimal | None] = mapped_column(Money())

    # The daily run reads invoices customer by customer, oldest first. The index carries every
    # column the run needs so SQLite answers from the index alone: through a plain
    # (customer_id, issued) index it looked up each row in the table, 1.6x slower (measured).
    __table_args__ = (
        Index(
            "ix_invoices_by_customer",
            "customer_id",
            "issued",
            "id",
            "amount",
            "currency",
            "due",
            "terms",
            "tax",
        ),
    )


class PaymentRow(Base):
    """Cash received: applied to ``invoice_id``, or unapplied cash when it is NULL."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(CHAR(3))
    invoice_id: Mapped[str | None] = mapped_column(ident(), ForeignKey("invoices.id"))

    __table_args__ = (
        # The settlements of given invoices.
        Index(None, "invoice_id", "amount"),
        # Covers the sums, per invoice of a range of customers, that decide whether an invoice
        # is still open (store.reader): read in customer order, with no lookup per payment.
        Index("ix_payments_by_customer", "customer_id", "invoice_id", "amount"),
        # Unapplied cash per customer: a small partial index instead of a scan of all payments.
        Index(
            "ix_payments_unapplied",
            "customer_id",
            "date",
            sqlite_where=text("invoice_id IS NULL"),
            postgresql_where=text("invoice_id IS NULL"),
        ),
    )


class CreditNoteRow(Base):
    """A credit note: applied to ``invoice_id``, or left on the account when it is NULL."""

    __tablename__ = "credit_notes"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(CHAR(3))
    invoice_id: Mapped[str | None] = mapped_column(ident(), ForeignKey("invoices.id"))

    __table_args__ = (
        Index(None, "invoice_id", "amount"),
        Index("ix_credit_notes_by_customer", "customer_id", "invoice_id", "amount"),
        Index(
            "ix_credit_notes_unapplied",
            "customer_id",
            "date",
            sqlite_where=text("invoice_id IS NULL"),
            postgresql_where=text("invoice_id IS NULL"),
        ),
    )


class WriteOffRow(Base):
    """A write-off of part or all of an invoice: who wrote it off, who approved it, and why.

    History, never deleted: a write-off made in error is corrected by writing the invoice off
    again differently, not by removing the row (docs/rules/ledger-records.md).
    """

    __tablename__ = "write_offs"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    invoice_id: Mapped[str] = mapped_column(ident(), ForeignKey("invoices.id"))
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(CHAR(3))
    reason: Mapped[str] = mapped_column(Text)
    written_off_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index(None, "invoice_id", "amount"),
        Index("ix_write_offs_by_customer", "customer_id", "invoice_id", "amount"),
    )


class ReversalRow(Base):
    """A refund, chargeback or reversal giving back part or all of a payment (or reversing a
    credit note): what it gave back reopens what the payment or credit note had settled."""

    __tablename__ = "reversals"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(CHAR(3))
    payment_id: Mapped[str | None] = mapped_column(ident(), ForeignKey("payments.id"))
    credit_note_id: Mapped[str | None] = mapped_column(ident(), ForeignKey("credit_notes.id"))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        CheckConstraint("kind IN ('refund', 'chargeback', 'reversal')", name="kind_known"),
        CheckConstraint(
            "(payment_id IS NULL) <> (credit_note_id IS NULL)", name="reverses_one_record"
        ),
        CheckConstraint(
            "credit_note_id IS NULL OR kind = 'reversal'", name="credit_notes_are_reversed"
        ),
        Index(None, "customer_id", "date"),
        Index(None, "payment_id"),
        Index(None, "credit_note_id"),
    )


class CancellationRow(Base):
    """The cancellation of an invoice: from ``date`` it owes nothing and is never chased.

    One per invoice (``UNIQUE (invoice_id)``): cancelling it again, or from two clients at once,
    leaves one row. History, never deleted; the invoice row stays as it was
    (docs/rules/ledger-records.md).
    """

    __tablename__ = "cancellations"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    invoice_id: Mapped[str] = mapped_column(ident(), ForeignKey("invoices.id"), unique=True)
    date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    cancelled_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index(None, "customer_id", "date"),)


class DisputeRow(Base):
    """A dispute of an invoice, open until ``resolved``; an invoice has one open dispute at most.

    ``customer_id`` repeats the invoice's customer (an invoice never changes customer: the
    imports refuse it) so the daily run reads a customer's disputes without touching invoices.
    """

    __tablename__ = "disputes"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    invoice_id: Mapped[str] = mapped_column(ident(), ForeignKey("invoices.id"))
    opened: Mapped[date] = mapped_column(Date)
    resolved: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        Index(None, "customer_id"),
        Index(None, "invoice_id"),
        # The natural key that makes recording a dispute idempotent (store.outcomes).
        Index(
            "uq_disputes_open_invoice",
            "invoice_id",
            unique=True,
            sqlite_where=text("resolved IS NULL"),
            postgresql_where=text("resolved IS NULL"),
        ),
    )


class PromiseRow(Base):
    """A promise to pay ``amount`` by ``pay_by``, made on ``made``.

    A later, different promise about the same invoices replaces it from the day it was made:
    ``superseded_by`` names that promise and ``superseded_on`` the day. Both stay in the history;
    only the promise in force on a day holds the chasing back (store.outcomes).
    """

    __tablename__ = "promises"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    made: Mapped[date] = mapped_column(Date)
    pay_by: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(CHAR(3))
    superseded_by: Mapped[str | None] = mapped_column(ident(), ForeignKey("promises.id"))
    superseded_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (Index(None, "customer_id"),)


class PromiseInvoiceRow(Base):
    """An invoice a promise to pay covers."""

    __tablename__ = "promise_invoices"

    promise_id: Mapped[str] = mapped_column(
        ident(), ForeignKey("promises.id", ondelete="CASCADE"), primary_key=True
    )
    invoice_id: Mapped[str] = mapped_column(ident(), ForeignKey("invoices.id"), primary_key=True)


class PaymentPlanRow(Base):
    """A payment plan agreed with a customer."""

    __tablename__ = "payment_plans"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    agreed: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(CHAR(3))
    # Who agreed it (a token's name, or the file it was imported from) and their note.
    who: Mapped[str] = mapped_column(String(128), default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (Index(None, "customer_id"),)


class PlanInvoiceRow(Base):
    """An invoice a payment plan covers."""

    __tablename__ = "plan_invoices"

    plan_id: Mapped[str] = mapped_column(
        ident(), ForeignKey("payment_plans.id", ondelete="CASCADE"), primary_key=True
    )
    invoice_id: Mapped[str] = mapped_column(ident(), ForeignKey("invoices.id"), primary_key=True)


class InstalmentRow(Base):
    """One instalment of a payment plan, numbered from 1 in due-date order."""

    __tablename__ = "instalments"

    plan_id: Mapped[str] = mapped_column(
        ident(), ForeignKey("payment_plans.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money())


class ActionLogRow(Base):
    """One outcome of one action: what staff did (or the engine superseded), when and by whom.

    ``UNIQUE (action_id, status)`` makes recording idempotent: the same outcome recorded twice,
    or by two processes at once, leaves one row, while an action that failed and was then done
    keeps both facts (docs/ledger-store.md). ``final`` marks the action's one final outcome (done
    or skipped): a partial unique index lets the first one win, atomically, however many are sent
    at once.
    ``sent`` is a delivery by ``dunning send``, not an outcome: the action stays on the list
    until it is done (docs/decisions/011).
    """

    __tablename__ = "action_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action_id: Mapped[str] = mapped_column(ident(128))
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    step: Mapped[str] = mapped_column(String(64))
    invoice_ids: Mapped[list[str]] = mapped_column(JSON)
    date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    who: Mapped[str] = mapped_column(String(128), default="", server_default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    fee: Mapped[Decimal | None] = mapped_column(Money())
    interest: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    final: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

    __table_args__ = (
        UniqueConstraint("action_id", "status"),
        CheckConstraint(
            "status IN ('done', 'skipped', 'failed', 'superseded', 'sent')", name="status_known"
        ),
        CheckConstraint("NOT final OR status IN ('done', 'skipped')", name="final_status"),
        Index(
            "uq_action_log_final",
            "action_id",
            unique=True,
            sqlite_where=text("final"),
            postgresql_where=text("final"),
        ),
        # A customer's history, in date order, is what the daily run reads.
        Index(None, "customer_id", "date"),
    )


class ApiTokenRow(Base):
    """An API bearer token, stored as the SHA-256 of its secret, with one role (store.tokens).

    Defined here with the ledger's tables, not in ``store.tokens``, so that this module's metadata
    is the whole schema whatever was imported first: the migrations' comparison, the demo's reset
    and the test dumps all see the tokens.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(CHAR(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'collector', 'admin')", name="role_known"),
    )


class CustomerNoteRow(Base):
    """A free-text note on a customer's timeline: who wrote it and when.

    ``id`` is the client's (a form's one-time key, an API caller's idempotency key) or a random
    one, so a form sent twice or a retried request leaves one note.
    """

    __tablename__ = "customer_notes"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    date: Mapped[date] = mapped_column(Date)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    who: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index(None, "customer_id", "written_at"),)


class ActionAssignmentRow(Base):
    """An action handed to someone: the newest row of an action names who has it now."""

    __tablename__ = "action_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The client's one-time key (a form's, an API caller's): a request sent twice is one row.
    key: Mapped[str] = mapped_column(ident(), unique=True)
    action_id: Mapped[str] = mapped_column(ident(128))
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    step: Mapped[str] = mapped_column(String(64))
    date: Mapped[date] = mapped_column(Date)
    assignee: Mapped[str] = mapped_column(String(128))
    who: Mapped[str] = mapped_column(String(128))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")

    __table_args__ = (
        Index(None, "action_id", "id"),
        Index(None, "customer_id", "assigned_at"),
    )


class WebSessionRow(Base):
    """A signed-in browser: the SHA-256 of its cookie, the token it signed in with, its CSRF key.

    Revoking the token ends its sessions (they are looked up joined to the live token).
    """

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(CHAR(64), primary_key=True)
    token_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("api_tokens.id", ondelete="CASCADE"), index=True
    )
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ImportRow(Base):
    """A file (or API batch) that changed the ledger: its digest, kind and what it changed."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(500))
    rows: Mapped[int] = mapped_column(Integer)
    inserted: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index(None, "digest"),)


OUTBOX_STATES = ("queued", "sending", "sent", "failed", "uncertain")


class OutboxRow(Base):
    """A reminder to deliver, one per action id: rendered once, sent at most once (store.outbox).

    ``state`` moves queued -> sending -> sent | failed, or back to queued (a temporary failure,
    retried from ``next_attempt_at``); a message left in ``sending`` by a process that stopped
    becomes ``uncertain`` and is never sent again by itself
    (docs/decisions/007-outbox-at-most-once.md).
    ``content`` is what goes out: the MIME message of an email, the PDF of a letter.
    """

    __tablename__ = "outbox"

    action_id: Mapped[str] = mapped_column(ident(128), primary_key=True)
    date: Mapped[date] = mapped_column(Date)
    customer_id: Mapped[str] = mapped_column(ident())
    step: Mapped[str] = mapped_column(String(64))
    invoice_ids: Mapped[list[str]] = mapped_column(JSON)
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    recipients: Mapped[str] = mapped_column(Text, default="", server_default="")
    subject: Mapped[str] = mapped_column(Text, default="", server_default="")
    message_id: Mapped[str] = mapped_column(String(255), default="", server_default="")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # What a print manifest or a staff page shows without opening the content: customer name,
    # amount due, payment reference.
    facts: Mapped[dict[str, str]] = mapped_column(JSON)
    needs_person: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')", name="state_known"
        ),
        CheckConstraint("channel IN ('email', 'letter')", name="channel_known"),
        # What is left to send, and a customer's deliveries for the timeline.
        Index(None, "state", "next_attempt_at"),
        Index(None, "customer_id", "date"),
    )


class WebhookEndpointRow(Base):
    """A URL that receives signed event POSTs, with its signing secret (store.webhooks).

    ``events`` is ``*`` or the event types it wants, comma-separated (``action.listed``,
    ``outcome.recorded``). The secret is kept as written: signing needs it (docs/webhooks.md).
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(128))
    events: Mapped[str] = mapped_column(Text, default="*", server_default="*")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDeliveryRow(Base):
    """One event for one endpoint: queued in the transaction that made the event, then POSTed
    until the endpoint answers 2xx (at least once; receivers drop a repeated event id).

    queued --claim--> sending --2xx--> delivered; any other answer: back to queued with a later
    ``next_attempt_at`` (backoff), ``failed`` after the last attempt. A ``sending`` row older
    than the lease (its process stopped) is queued again.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    endpoint_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id"),
        CheckConstraint(
            "state IN ('queued', 'sending', 'delivered', 'failed')", name="state_known"
        ),
        # What is due now, oldest first.
        Index(None, "state", "next_attempt_at"),
    )


class DailySnapshotRow(Base):
    """A day's portfolio figures, per currency, for the overdue trend (store.snapshots).

    ``figures`` is the day's aging as the engine computed it (per currency: total, current,
    overdue, invoices, customers and the buckets, money as decimal strings); ``rebuilt`` says it
    was computed from the ledger afterwards rather than by the daily job on the day.
    """

    __tablename__ = "daily_snapshots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    figures: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    rebuilt: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalRevocationRow(Base):
    """When the payment-portal links of a customer were last revoked (store.portal_links)."""

    __tablename__ = "portal_revocations"

    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    who: Mapped[str] = mapped_column(String(128), default="", server_default="")


class PortalVisitRow(Base):
    """A customer opened the portal from a reminder's link on a day (one row a link and day)."""

    __tablename__ = "portal_visits"

    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"), primary_key=True)
    action_id: Mapped[str] = mapped_column(ident(128), primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortalAnswerRow(Base):
    """What a customer answered on the payment portal (store.portal_answers).

    ``id`` is the form's one-time key, so a form sent twice is one answer. ``kind``: ``paid``
    (on ``on_date``, ``amount``, ``reference``), ``promise`` (to pay ``amount`` on ``on_date``),
    ``dispute`` (of one invoice, ``reason`` and ``text``), ``copy`` (of invoices) or ``contact``
    (new details in ``text``). ``record_id`` is the promise or dispute the answer opened;
    ``handled_at``/``handled_by`` say when staff dealt with a request.
    """

    __tablename__ = "portal_answers"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    action_id: Mapped[str] = mapped_column(ident(128))
    kind: Mapped[str] = mapped_column(String(16))
    # Declared before ``date``, whose name would hide the type from the annotations after it.
    on_date: Mapped[date | None] = mapped_column(Date)
    date: Mapped[date] = mapped_column(Date)
    answered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    invoice_ids: Mapped[list[str]] = mapped_column(JSON)
    amount: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    reference: Mapped[str] = mapped_column(String(64), default="", server_default="")
    reason: Mapped[str] = mapped_column(String(32), default="", server_default="")
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    record_id: Mapped[str | None] = mapped_column(ident())
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handled_by: Mapped[str | None] = mapped_column(String(128))

    __table_args__ = (
        CheckConstraint(
            "kind IN ('paid', 'promise', 'dispute', 'copy', 'contact')", name="kind_known"
        ),
        Index(None, "customer_id", "answered_at"),
    )


class ChargeWaiverRow(Base):
    """A waiver of the fees and interest an action charged: from ``date``, by ``who``, and why.

    One per action (``UNIQUE (action_id)``): waiving the same action's charges twice, or from two
    clients at once, leaves one waiver (store.charge_waivers). History, never deleted.
    """

    __tablename__ = "charge_waivers"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    action_id: Mapped[str] = mapped_column(ident(128), unique=True)
    date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    who: Mapped[str] = mapped_column(String(128), default="", server_default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index(None, "customer_id", "date"),)


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


metadata = Base.metadata
customers = _table(CustomerRow)
invoices = _table(InvoiceRow)
payments = _table(PaymentRow)
credit_notes = _table(CreditNoteRow)
disputes = _table(DisputeRow)
write_offs = _table(WriteOffRow)
reversals = _table(ReversalRow)
cancellations = _table(CancellationRow)
promises = _table(PromiseRow)
promise_invoices = _table(PromiseInvoiceRow)
payment_plans = _table(PaymentPlanRow)
plan_invoices = _table(PlanInvoiceRow)
instalments = _table(InstalmentRow)
action_log = _table(ActionLogRow)
imports = _table(ImportRow)
api_tokens = _table(ApiTokenRow)
outbox = _table(OutboxRow)
webhook_endpoints = _table(WebhookEndpointRow)
webhook_deliveries = _table(WebhookDeliveryRow)
customer_notes = _table(CustomerNoteRow)
action_assignments = _table(ActionAssignmentRow)
web_sessions = _table(WebSessionRow)
daily_snapshots = _table(DailySnapshotRow)
charge_waivers = _table(ChargeWaiverRow)


# The escalation cases' tables are part of the same schema (imported last: they build on Base).
from store import case_models as _case_models  # noqa: E402

handoffs = _table(_case_models.HandoffRow)
agency_results = _table(_case_models.AgencyResultRow)
write_off_proposals = _table(_case_models.WriteOffProposalRow)
write_off_proposal_lines = _table(_case_models.WriteOffProposalLineRow)
audit_log = _table(_case_models.AuditRow)
portal_revocations = _table(PortalRevocationRow)
portal_visits = _table(PortalVisitRow)
portal_answers = _table(PortalAnswerRow)
