"""Hour entries may carry a booking instant: a correction of a closed period counts where it was made.
Entries are selected and ordered by when they count, so that expression is indexed.

Nullable, no backfill: NULL means the entry counts at its work time, as every
entry did before. Added with plain ADD COLUMN (no table copy), so SQLite keeps
the append-only triggers on hour_entries.

Revision ID: 0005_booked_corrections
Revises: 0004_web_access
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_booked_corrections"
down_revision: str | None = "0004_web_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("hour_entries", sa.Column("booked_at", sa.DateTime(), nullable=True))
    # Periods and exports select and order by when an entry counts; an index on that
    # expression lets a long export stream in order instead of sorting every row first.
    op.create_index(
        "ix_hour_entries_counted_at", "hour_entries", [sa.text("coalesce(booked_at, starts_at)"), "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_hour_entries_counted_at", table_name="hour_entries")
    with op.batch_alter_table("hour_entries", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("booked_at")
