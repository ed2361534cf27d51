"""Add the cancellations of invoices: one per invoice, with the date, who and why.

Revision ID: 0920_cancellations
Revises: 0910_charge_waivers
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import ident

revision: str = "0920_cancellations"
down_revision: str | None = "0910_charge_waivers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cancellations",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("invoice_id", ident(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cancelled_by", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_cancellations_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_cancellations_invoice_id_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cancellations")),
        sa.UniqueConstraint("invoice_id", name=op.f("uq_cancellations_invoice_id")),
    )
    op.create_index(
        op.f("ix_cancellations_customer_id_date"), "cancellations", ["customer_id", "date"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_cancellations_customer_id_date"), table_name="cancellations")
    op.drop_table("cancellations")
