"""Call-outs remember when they were escalated and widened, so a job that runs twice alerts once.

Both columns are nullable timestamps; no backfill is needed (no call-out has
been escalated before this version).

Revision ID: 0002_callout_escalation
Revises: 0001_initial
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_callout_escalation"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("widened_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("callouts", schema=None) as batch_op:
        batch_op.drop_column("widened_at")
        batch_op.drop_column("escalated_at")
