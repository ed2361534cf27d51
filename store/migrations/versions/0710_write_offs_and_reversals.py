"""Add write-offs (who, approved by whom, why) and reversals (refunds, chargebacks, reversals of
payments and credit notes): ledger records that keep history instead of deleting rows.

Revision ID: 0710_write_offs_and_reversals
Revises: 0700_daily_snapshots
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import Money, ident

revision: str = "0710_write_offs_and_reversals"
down_revision: str | None = "0700_daily_snapshots"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "write_offs",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("invoice_id", ident(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("written_off_by", sa.String(200), nullable=False),
        sa.Column("approved_by", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_write_offs_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_write_offs_invoice_id_invoices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_offs")),
    )
    op.create_index(
        op.f("ix_write_offs_invoice_id_amount"), "write_offs", ["invoice_id", "amount"]
    )
    op.create_index(
        "ix_write_offs_by_customer", "write_offs", ["customer_id", "invoice_id", "amount"]
    )
    op.create_table(
        "reversals",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("payment_id", ident(), nullable=True),
        sa.Column("credit_note_id", ident(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.CheckConstraint(
            "kind IN ('refund', 'chargeback', 'reversal')", name=op.f("ck_reversals_kind_known")
        ),
        sa.CheckConstraint(
            "(payment_id IS NULL) <> (credit_note_id IS NULL)",
            name=op.f("ck_reversals_reverses_one_record"),
        ),
        sa.CheckConstraint(
            "credit_note_id IS NULL OR kind = 'reversal'",
            name=op.f("ck_reversals_credit_notes_are_reversed"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_reversals_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"], name=op.f("fk_reversals_payment_id_payments")
        ),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["credit_notes.id"],
            name=op.f("fk_reversals_credit_note_id_credit_notes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reversals")),
    )
    op.create_index(op.f("ix_reversals_customer_id_date"), "reversals", ["customer_id", "date"])
    op.create_index(op.f("ix_reversals_payment_id"), "reversals", ["payment_id"])
    op.create_index(op.f("ix_reversals_credit_note_id"), "reversals", ["credit_note_id"])


def downgrade() -> None:
    op.drop_table("reversals")
    op.drop_table("write_offs")
