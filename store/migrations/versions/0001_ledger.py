"""Create the ledger: customers, invoices, cash, disputes, promises, plans, action log, imports.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import Money, ident

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str, *, nullable: bool = False, length: int = 64) -> sa.Column[str]:
    return sa.Column(name, ident(length), nullable=nullable)


def _fk(column: str, table: str, target: str, *, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete="CASCADE" if cascade else None,
    )


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def _cash_table(name: str) -> None:
    """Payments and credit notes share a shape: applied to an invoice, or unapplied."""
    op.create_table(
        name,
        _id("id"),
        _id("customer_id"),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        _id("invoice_id", nullable=True),
        _fk("customer_id", name, "customers"),
        _fk("invoice_id", name, "invoices"),
        _pk(name, "id"),
    )
    op.create_index(op.f(f"ix_{name}_invoice_id_amount"), name, ["invoice_id", "amount"])
    # Covering: the sums per invoice of a range of customers, in customer order (store.reader).
    op.create_index(f"ix_{name}_by_customer", name, ["customer_id", "invoice_id", "amount"])
    op.create_index(
        f"ix_{name}_unapplied",
        name,
        ["customer_id", "date"],
        sqlite_where=sa.text("invoice_id IS NULL"),
        postgresql_where=sa.text("invoice_id IS NULL"),
    )


def upgrade() -> None:
    op.create_table(
        "customers",
        _id("id"),
        sa.Column("name", sa.String(200), server_default="", nullable=False),
        sa.Column("country", sa.CHAR(2), nullable=True),
        sa.Column("segment", sa.String(64), nullable=True),
        sa.Column("email", sa.String(320), server_default="", nullable=False),
        sa.Column("language", sa.String(8), nullable=True),
        _pk("customers", "id"),
    )
    op.create_table(
        "invoices",
        _id("id"),
        _id("customer_id"),
        sa.Column("number", sa.String(64), nullable=True),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("terms", sa.String(64), nullable=True),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        _fk("customer_id", "invoices", "customers"),
        _pk("invoices", "id"),
    )
    # Covering: the daily run reads open invoices per customer from the index alone.
    op.create_index(
        "ix_invoices_by_customer",
        "invoices",
        ["customer_id", "issued", "id", "amount", "currency", "due", "terms"],
    )
    _cash_table("payments")
    _cash_table("credit_notes")

    op.create_table(
        "disputes",
        _id("id"),
        _id("customer_id"),
        _id("invoice_id"),
        sa.Column("opened", sa.Date(), nullable=False),
        sa.Column("resolved", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        _fk("customer_id", "disputes", "customers"),
        _fk("invoice_id", "disputes", "invoices"),
        _pk("disputes", "id"),
    )
    op.create_index(op.f("ix_disputes_customer_id"), "disputes", ["customer_id"])
    op.create_index(op.f("ix_disputes_invoice_id"), "disputes", ["invoice_id"])
    op.create_index(
        "uq_disputes_open_invoice",
        "disputes",
        ["invoice_id"],
        unique=True,
        sqlite_where=sa.text("resolved IS NULL"),
        postgresql_where=sa.text("resolved IS NULL"),
    )

    op.create_table(
        "promises",
        _id("id"),
        _id("customer_id"),
        sa.Column("made", sa.Date(), nullable=False),
        sa.Column("pay_by", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        _fk("customer_id", "promises", "customers"),
        _pk("promises", "id"),
    )
    op.create_index(op.f("ix_promises_customer_id"), "promises", ["customer_id"])
    op.create_table(
        "promise_invoices",
        _id("promise_id"),
        _id("invoice_id"),
        _fk("promise_id", "promise_invoices", "promises", cascade=True),
        _fk("invoice_id", "promise_invoices", "invoices"),
        _pk("promise_invoices", "promise_id", "invoice_id"),
    )

    op.create_table(
        "payment_plans",
        _id("id"),
        _id("customer_id"),
        sa.Column("agreed", sa.Date(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        _fk("customer_id", "payment_plans", "customers"),
        _pk("payment_plans", "id"),
    )
    op.create_index(op.f("ix_payment_plans_customer_id"), "payment_plans", ["customer_id"])
    op.create_table(
        "plan_invoices",
        _id("plan_id"),
        _id("invoice_id"),
        _fk("plan_id", "plan_invoices", "payment_plans", cascade=True),
        _fk("invoice_id", "plan_invoices", "invoices"),
        _pk("plan_invoices", "plan_id", "invoice_id"),
    )
    op.create_table(
        "instalments",
        _id("plan_id"),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        _fk("plan_id", "instalments", "payment_plans", cascade=True),
        _pk("instalments", "plan_id", "seq"),
    )

    op.create_table(
        "action_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _id("action_id", length=128),
        _id("customer_id"),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("who", sa.String(128), server_default="", nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fee", Money(), nullable=True),
        sa.Column("interest", Money(), nullable=True),
        sa.Column("currency", sa.CHAR(3), nullable=True),
        sa.CheckConstraint(
            "status IN ('done', 'skipped', 'failed', 'superseded')",
            name=op.f("ck_action_log_status_known"),
        ),
        _fk("customer_id", "action_log", "customers"),
        _pk("action_log", "id"),
        sa.UniqueConstraint("action_id", "status", name=op.f("uq_action_log_action_id_status")),
    )
    op.create_index(op.f("ix_action_log_customer_id_date"), "action_log", ["customer_id", "date"])

    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        _pk("imports", "id"),
    )
    op.create_index(op.f("ix_imports_digest"), "imports", ["digest"])


def downgrade() -> None:
    for table in (
        "imports",
        "action_log",
        "instalments",
        "plan_invoices",
        "payment_plans",
        "promise_invoices",
        "promises",
        "disputes",
        "credit_notes",
        "payments",
        "invoices",
        "customers",
    ):
        op.drop_table(table)
