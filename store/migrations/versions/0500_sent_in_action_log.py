"""Let the action log record a delivery: status ``sent``.

``dunning send`` records each email the mail server accepted and each letter written to the
print folder as ``sent``, with the server's answer, whether or not the step needs a person; a
step that needs none is also recorded ``done`` (docs/decisions/011). ``sent`` is not a final
outcome: the action stays on the list until it is done.

Revision ID: 0500_sent_in_action_log
Revises: 0401_promise_supersession
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0500_sent_in_action_log"
down_revision: str | None = "0401_promise_supersession"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "status IN ('done', 'skipped', 'failed', 'superseded')"
_AFTER = "status IN ('done', 'skipped', 'failed', 'superseded', 'sent')"


def upgrade() -> None:
    with op.batch_alter_table("action_log") as batch:
        batch.drop_constraint(op.f("ck_action_log_status_known"), type_="check")
        batch.create_check_constraint(op.f("ck_action_log_status_known"), _AFTER)


def downgrade() -> None:
    # A delivery record has no place in the older schema: the outbox still says what was sent.
    op.execute("DELETE FROM action_log WHERE status = 'sent'")
    with op.batch_alter_table("action_log") as batch:
        batch.drop_constraint(op.f("ck_action_log_status_known"), type_="check")
        batch.create_check_constraint(op.f("ck_action_log_status_known"), _BEFORE)
