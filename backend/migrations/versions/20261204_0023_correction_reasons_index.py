"""An index of the hour entries that carry a reason (corrections; retention erases them later), so
that the admin's key page counts the sealed reasons without reading every entry: ten years of a
team ten times the pilot's hold 57,000 entries and next to no reasons. Partial, so it holds only
those few rows.

Revision ID: 0023_correction_reasons_index
Revises: 0022_outbox_withdrawn
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_correction_reasons_index"
down_revision: str | None = "0022_outbox_withdrawn"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITH_REASON = sa.text("reason IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_hour_entries_with_reason",
        "hour_entries",
        ["id"],
        postgresql_where=WITH_REASON,
        sqlite_where=WITH_REASON,
    )


def downgrade() -> None:
    op.drop_index("ix_hour_entries_with_reason", table_name="hour_entries")
