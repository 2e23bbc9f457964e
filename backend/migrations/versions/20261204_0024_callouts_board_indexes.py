"""Indexes for the board's call-outs: the open ones (partial, so it holds only those few) and those
made in the last day. The board asks for both every few seconds; without them PostgreSQL read every
call-out ever made (5,200 in ten years of a team ten times the pilot's) to find none or two.

Revision ID: 0024_callouts_board_indexes
Revises: 0023_correction_reasons_index
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_callouts_board_indexes"
down_revision: str | None = "0023_correction_reasons_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_index("ix_callouts_created_at", "callouts", ["created_at"])
    op.create_index("ix_callouts_open", "callouts", ["id"], postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade() -> None:
    op.drop_index("ix_callouts_open", table_name="callouts")
    op.drop_index("ix_callouts_created_at", table_name="callouts")
