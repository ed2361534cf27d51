"""Add the escalation cases' tables: hand-offs, agency results, write-offs and their lines, and
the audit log of decisions about a case.

Revision ID: 0900_escalation_cases
Revises: 0800_payment_portal
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.columns import Money, ident

revision: str = "0900_escalation_cases"
down_revision: str | None = "0800_payment_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "handoffs",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("to", sa.String(16), nullable=False),
        sa.Column("opened", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(128), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("digest", sa.CHAR(64), nullable=False),
        sa.Column("claim", sa.JSON(), nullable=False),
        sa.Column("archive", sa.LargeBinary(), nullable=False),
        sa.Column("recalled", sa.Date(), nullable=True),
        sa.Column("recalled_by", sa.String(128), nullable=True),
        sa.Column("recalled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("\"to\" IN ('agency', 'legal')", name=op.f("ck_handoffs_to_known")),
        _fk("handoffs", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoffs")),
    )
    op.create_index(op.f("ix_handoffs_customer_id_opened"), "handoffs", ["customer_id", "opened"])
    op.create_index(
        "uq_handoffs_open_customer",
        "handoffs",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text("recalled IS NULL"),
        postgresql_where=sa.text("recalled IS NULL"),
    )

    op.create_table(
        "agency_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("handoff_id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("ref", ident(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("invoice_id", ident(), nullable=True),
        sa.Column("amount", Money(), nullable=True),
        sa.Column("fee", Money(), nullable=True),
        sa.Column("currency", sa.CHAR(3), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("payment_id", ident(), nullable=True),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('payment', 'outcome')", name=op.f("ck_agency_results_kind_known")
        ),
        _fk("agency_results", "handoff_id", "handoffs"),
        _fk("agency_results", "customer_id", "customers"),
        _fk("agency_results", "invoice_id", "invoices"),
        _fk("agency_results", "payment_id", "payments"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_results")),
        sa.UniqueConstraint("handoff_id", "ref", name=op.f("uq_agency_results_handoff_id_ref")),
    )
    op.create_index(
        op.f("ix_agency_results_customer_id_date"), "agency_results", ["customer_id", "date"]
    )

    op.create_table(
        "write_off_proposals",
        sa.Column("id", ident(), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("currency", sa.CHAR(3), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needs_approval", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.Column("posted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.CheckConstraint(
            "state IN ('proposed', 'approved', 'rejected')",
            name=op.f("ck_write_off_proposals_state_known"),
        ),
        sa.CheckConstraint(
            "decided_by IS NULL OR NOT needs_approval OR decided_by <> proposed_by",
            name=op.f("ck_write_off_proposals_four_eyes"),
        ),
        _fk("write_off_proposals", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_off_proposals")),
    )
    op.create_index(
        op.f("ix_write_off_proposals_customer_id_date"),
        "write_off_proposals",
        ["customer_id", "date"],
    )
    op.create_index(op.f("ix_write_off_proposals_state"), "write_off_proposals", ["state"])

    op.create_table(
        "write_off_proposal_lines",
        sa.Column("write_off_id", ident(), nullable=False),
        sa.Column("invoice_id", ident(), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.ForeignKeyConstraint(
            ["write_off_id"],
            ["write_off_proposals.id"],
            name=op.f("fk_write_off_proposal_lines_write_off_id_write_off_proposals"),
            ondelete="CASCADE",
        ),
        _fk("write_off_proposal_lines", "invoice_id", "invoices"),
        sa.PrimaryKeyConstraint(
            "write_off_id", "invoice_id", name=op.f("pk_write_off_proposal_lines")
        ),
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("who", sa.String(128), nullable=False),
        sa.Column("customer_id", ident(), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("ref", ident(128), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        _fk("audit_log", "customer_id", "customers"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_customer_id_date"), "audit_log", ["customer_id", "date"])
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])


def downgrade() -> None:
    for table in (
        "audit_log",
        "write_off_proposal_lines",
        "write_off_proposals",
        "agency_results",
        "handoffs",
    ):
        op.drop_table(table)
