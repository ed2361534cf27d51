"""Keep a replaced promise to pay: ``promises.superseded_by`` and ``superseded_on``.

A later, different promise about the same invoices replaces the one in force from the day it is
made; both stay in the history.

Revision ID: 0401_promise_supersession
Revises: 0400_one_final_outcome
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import ident

revision: str = "0401_promise_supersession"
down_revision: str | None = "0400_one_final_outcome"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("promises") as batch:
        batch.add_column(sa.Column("superseded_by", ident(), nullable=True))
        batch.add_column(sa.Column("superseded_on", sa.Date(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_promises_superseded_by_promises"), "promises", ["superseded_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("promises") as batch:
        batch.drop_constraint(op.f("fk_promises_superseded_by_promises"), type_="foreignkey")
        batch.drop_column("superseded_on")
        batch.drop_column("superseded_by")
