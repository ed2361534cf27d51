"""Add the charge waivers: an action's fees and interest taken off the account, with who and why.

Revision ID: 0910_charge_waivers
Revises: 0900_escalation_cases
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import ident

revision: str = "0910_charge_waivers"
down_revision: str | None = "0900_escalation_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "charge_waivers",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("action_id", ident(128), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("who", sa.String(128), server_default="", nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_charge_waivers_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_charge_waivers")),
        sa.UniqueConstraint("action_id", name=op.f("uq_charge_waivers_action_id")),
    )
    op.create_index(
        op.f("ix_charge_waivers_customer_id_date"), "charge_waivers", ["customer_id", "date"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_charge_waivers_customer_id_date"), table_name="charge_waivers")
    op.drop_table("charge_waivers")
