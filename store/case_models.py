"""The tables of escalation cases: hand-offs to an agency or a solicitor, the agency's results,
write-offs with their approval, and the audit log of every decision about a case.

Part of the one schema of ``store.models`` (which imports this module, so its metadata is whole
whatever is imported first). docs/handoff.md describes what each table holds.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

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
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.columns import Money, ident
from store.models import Base


class HandoffRow(Base):
    """A customer's debt handed to an agency or a solicitor; open until recalled.

    A partial unique index lets a customer have one open hand-off at most: two staff handing the
    same customer off at once make one case.
    """

    __tablename__ = "handoffs"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    to: Mapped[str] = mapped_column(String(16))
    opened: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(128))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What was handed over: the digest of case.json and the claim per currency.
    digest: Mapped[str] = mapped_column(CHAR(64))
    claim: Mapped[dict[str, str]] = mapped_column(JSON)
    # The case file as handed over (a zip of case.json, case.csv and the PDFs).
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    recalled: Mapped[date | None] = mapped_column(Date)
    recalled_by: Mapped[str | None] = mapped_column(String(128))
    recalled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("\"to\" IN ('agency', 'legal')", name="to_known"),
        Index(None, "customer_id", "opened"),
        Index(
            "uq_handoffs_open_customer",
            "customer_id",
            unique=True,
            sqlite_where=text("recalled IS NULL"),
            postgresql_where=text("recalled IS NULL"),
        ),
    )


class AgencyResultRow(Base):
    """A line of an agency's report on a case: a payment collected (with the fee it keeps) or an
    outcome; ``UNIQUE (handoff_id, ref)`` makes importing the same report twice change nothing."""

    __tablename__ = "agency_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handoff_id: Mapped[str] = mapped_column(ident(), ForeignKey("handoffs.id"))
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    ref: Mapped[str] = mapped_column(ident())
    date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    invoice_id: Mapped[str | None] = mapped_column(ident(), ForeignKey("invoices.id"))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    fee: Mapped[Decimal | None] = mapped_column(Money())
    currency: Mapped[str | None] = mapped_column(CHAR(3))
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The ledger payment a collected amount became.
    payment_id: Mapped[str | None] = mapped_column(ident(), ForeignKey("payments.id"))
    who: Mapped[str] = mapped_column(String(128))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("handoff_id", "ref"),
        CheckConstraint("kind IN ('payment', 'outcome')", name="kind_known"),
        Index(None, "customer_id", "date"),
    )


class WriteOffProposalRow(Base):
    """A write-off proposed by one person and, above the policy's threshold, approved by another.

    ``state`` moves proposed -> approved | rejected once: the decision is an update guarded by
    ``state = 'proposed'``, so two approvers at once decide it once. The check constraint keeps
    four eyes in the database itself: whoever decides is not who proposed.
    """

    __tablename__ = "write_off_proposals"

    id: Mapped[str] = mapped_column(ident(), primary_key=True)
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    currency: Mapped[str] = mapped_column(CHAR(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(Text)
    date: Mapped[date] = mapped_column(Date)
    proposed_by: Mapped[str] = mapped_column(String(128))
    proposed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    needs_approval: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    state: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    posted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        CheckConstraint("state IN ('proposed', 'approved', 'rejected')", name="state_known"),
        CheckConstraint(
            "decided_by IS NULL OR NOT needs_approval OR decided_by <> proposed_by",
            name="four_eyes",
        ),
        Index(None, "customer_id", "date"),
        Index(None, "state"),
    )


class WriteOffProposalLineRow(Base):
    """The part of a write-off that falls on one invoice."""

    __tablename__ = "write_off_proposal_lines"

    write_off_id: Mapped[str] = mapped_column(
        ident(), ForeignKey("write_off_proposals.id", ondelete="CASCADE"), primary_key=True
    )
    invoice_id: Mapped[str] = mapped_column(ident(), ForeignKey("invoices.id"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Money())


class AuditRow(Base):
    """One decision about a case, who took it and when: the audit log of hand-offs, recalls,
    agency results, escalation decisions and write-offs (each also on the customer's timeline)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    date: Mapped[date] = mapped_column(Date)
    who: Mapped[str] = mapped_column(String(128))
    customer_id: Mapped[str] = mapped_column(ident(), ForeignKey("customers.id"))
    event: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(ident(128))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, object]] = mapped_column(JSON)

    __table_args__ = (Index(None, "customer_id", "date"), Index(None, "at"))
