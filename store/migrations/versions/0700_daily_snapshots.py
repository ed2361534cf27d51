"""Keep a snapshot of the portfolio's figures per day, for the overdue trend.

The daily job writes the day's aging per currency (``store.snapshots.write_daily_snapshot``);
``dunning report snapshot`` rebuilds past days from the ledger.

Revision ID: 0700_daily_snapshots
Revises: 0600_webhooks
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0700_daily_snapshots"
down_revision: str | None = "0600_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "daily_snapshots",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("rebuilt", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_daily_snapshots")),
    )


def downgrade() -> None:
    op.drop_table("daily_snapshots")
