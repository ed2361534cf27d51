"""Add the payment portal's tables: link revocations, visits and the customers' answers.

Revision ID: 0800_payment_portal
Revises: 0710_write_offs_and_reversals
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import Money, ident

revision: str = "0800_payment_portal"
down_revision: str | None = "0710_write_offs_and_reversals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_revocations",
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(128), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"],
            name=op.f("fk_portal_revocations_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_portal_revocations")),
    )
    op.create_table(
        "portal_visits",
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("action_id", ident(128), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_portal_visits_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("customer_id", "action_id", "date", name=op.f("pk_portal_visits")),
    )
    op.create_table(
        "portal_answers",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("action_id", ident(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("amount", Money(), nullable=True),
        sa.Column("currency", sa.CHAR(3), nullable=True),
        sa.Column("reference", sa.String(64), server_default="", nullable=False),
        sa.Column("reason", sa.String(32), server_default="", nullable=False),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column("record_id", ident(), nullable=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("handled_by", sa.String(128), nullable=True),
        sa.CheckConstraint(
            "kind IN ('paid', 'promise', 'dispute', 'copy', 'contact')",
            name=op.f("ck_portal_answers_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_portal_answers_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_answers")),
    )
    op.create_index(
        op.f("ix_portal_answers_customer_id_answered_at"),
        "portal_answers",
        ["customer_id", "answered_at"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_answers_customer_id_answered_at"), table_name="portal_answers")
    op.drop_table("portal_answers")
    op.drop_table("portal_visits")
    op.drop_table("portal_revocations")
