"""Assignments remember when the bot asked to confirm, reminded, and asked for the hours.

Each prompt is a compare-and-set on its own nullable timestamp, so a job that
runs twice (a restart, a second instance) sends each prompt once. No backfill:
before this version the bot sent none of these prompts.

Revision ID: 0003_assignment_prompts
Revises: 0002_callout_escalation
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_assignment_prompts"
down_revision: str | None = "0002_callout_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("asked_at", "day_reminder_at", "morning_reminder_at", "hours_asked_at")


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
