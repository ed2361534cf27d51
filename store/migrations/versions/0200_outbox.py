"""Add outbox: reminders rendered once per action and delivered at most once (dunning send).

Revision ID: 0200_outbox
Revises: 0100_api_tokens
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import ident

revision: str = "0200_outbox"
down_revision: str | None = "0100_api_tokens"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("action_id", ident(128), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("invoice_ids", sa.JSON(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("recipients", sa.Text(), server_default="", nullable=False),
        sa.Column("subject", sa.Text(), server_default="", nullable=False),
        sa.Column("message_id", sa.String(255), server_default="", nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("needs_person", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), server_default="", nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('queued', 'sending', 'sent', 'failed', 'uncertain')",
            name=op.f("ck_outbox_state_known"),
        ),
        sa.CheckConstraint(
            "channel IN ('email', 'letter')", name=op.f("ck_outbox_channel_known")
        ),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_outbox")),
    )
    op.create_index(
        op.f("ix_outbox_state_next_attempt_at"), "outbox", ["state", "next_attempt_at"]
    )
    op.create_index(op.f("ix_outbox_customer_id_date"), "outbox", ["customer_id", "date"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_customer_id_date"), table_name="outbox")
    op.drop_index(op.f("ix_outbox_state_next_attempt_at"), table_name="outbox")
    op.drop_table("outbox")
