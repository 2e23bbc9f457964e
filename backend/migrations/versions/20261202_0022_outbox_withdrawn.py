"""An outbox message can be withdrawn: changed before it went, it is never shown in its old form
(`backend/services/outbox.py`). Only the CHECK constraint of `outbox_messages.status` changes.

The downgrade keeps the rows: a withdrawn message becomes a failed one (neither was sent, and
neither will be), its error still saying why; refusing instead would block every downgrade of a
database that has delivered for a day.

Revision ID: 0022_outbox_withdrawn
Revises: 0021_audit_checkpoint
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from backend.migration_ops import replace_check

revision: str = "0022_outbox_withdrawn"
down_revision: str | None = "0021_audit_checkpoint"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("pending", "sent", "failed")
CHECK = "ck_outbox_messages_outbox_status"


def upgrade() -> None:
    replace_check("outbox_messages", "status", CHECK, (*STATES, "withdrawn"))


def downgrade() -> None:
    op.execute("UPDATE outbox_messages SET status = 'failed' WHERE status = 'withdrawn'")
    replace_check("outbox_messages", "status", CHECK, STATES)
