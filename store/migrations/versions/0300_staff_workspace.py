"""Add the staff workspace's tables: customer notes, action assignments, web sessions; who agreed
a payment plan and their note.

Revision ID: 0300_staff_workspace
Revises: 0200_outbox
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import ident

revision: str = "0300_staff_workspace"
down_revision: str | None = "0200_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payment_plans") as batch:
        batch.add_column(sa.Column("who", sa.String(128), server_default="", nullable=False))
        batch.add_column(sa.Column("note", sa.Text(), server_default="", nullable=False))

    op.create_table(
        "customer_notes",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_customer_notes_customer_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_notes")),
    )
    op.create_index(
        op.f("ix_customer_notes_customer_id_written_at"),
        "customer_notes",
        ["customer_id", "written_at"],
    )

    op.create_table(
        "action_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", ident(), nullable=False),
        sa.Column("action_id", ident(128), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("assignee", sa.String(128), nullable=False),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_action_assignments_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_assignments")),
        sa.UniqueConstraint("key", name=op.f("uq_action_assignments_key")),
    )
    op.create_index(
        op.f("ix_action_assignments_action_id_id"), "action_assignments", ["action_id", "id"]
    )
    op.create_index(
        op.f("ix_action_assignments_customer_id_assigned_at"),
        "action_assignments",
        ["customer_id", "assigned_at"],
    )

    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.CHAR(64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_web_sessions_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_token_id"), "web_sessions", ["token_id"])
    op.create_index(op.f("ix_web_sessions_expires_at"), "web_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_table("web_sessions")
    op.drop_table("action_assignments")
    op.drop_table("customer_notes")
    with op.batch_alter_table("payment_plans") as batch:
        batch.drop_column("note")
        batch.drop_column("who")
