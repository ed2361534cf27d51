"""Let an action have one final outcome: the first "done" or "skipped" recorded wins.

Adds ``action_log.final`` and a unique index on ``action_id`` over the final rows. A database
written before this rule may hold two final outcomes for one action (two collectors at once): the
first recorded (lowest id) becomes the final one, the later stays in the log as a fact, not final.

Revision ID: 0400_one_final_outcome
Revises: 0300_staff_workspace
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0400_one_final_outcome"
down_revision: str | None = "0300_staff_workspace"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("action_log") as batch:
        batch.add_column(
            sa.Column("final", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    op.execute(
        "UPDATE action_log SET final = true WHERE id IN ("
        " SELECT min(id) FROM action_log WHERE status IN ('done', 'skipped') GROUP BY action_id)"
    )
    with op.batch_alter_table("action_log") as batch:
        batch.create_check_constraint(
            op.f("ck_action_log_final_status"), "NOT final OR status IN ('done', 'skipped')"
        )
    op.create_index(
        "uq_action_log_final",
        "action_log",
        ["action_id"],
        unique=True,
        sqlite_where=sa.text("final"),
        postgresql_where=sa.text("final"),
    )


def downgrade() -> None:
    op.drop_index("uq_action_log_final", table_name="action_log")
    with op.batch_alter_table("action_log") as batch:
        batch.drop_constraint(op.f("ck_action_log_final_status"), type_="check")
        batch.drop_column("final")
