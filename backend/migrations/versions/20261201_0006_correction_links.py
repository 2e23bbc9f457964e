"""A correction points at the version it replaces, so an unapproved original, its reversal and the
corrected entry are approved as one line (before, the original was left unapproved and out of sight,
and approving the correction counted only the difference).

Nullable, no backfill: NULL on every entry that corrects nothing, as on every
entry before. Added with plain ADD COLUMN (no table copy), so SQLite keeps the
append-only triggers on hour_entries.

Revision ID: 0006_correction_links
Revises: 0005_booked_corrections
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_correction_links"
down_revision: str | None = "0005_booked_corrections"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


FOREIGN_KEY = "fk_hour_entries_replaces_id_hour_entries"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a column's foreign key only inline; Alembic's add_column would
        # ask for a table copy, which would drop the append-only triggers.
        op.execute(
            f"ALTER TABLE hour_entries ADD COLUMN replaces_id INTEGER "
            f"CONSTRAINT {FOREIGN_KEY} REFERENCES hour_entries (id)"
        )
    else:
        op.add_column("hour_entries", sa.Column("replaces_id", sa.Integer(), nullable=True))
        op.create_foreign_key(FOREIGN_KEY, "hour_entries", "hour_entries", ["replaces_id"], ["id"])
    op.create_index(op.f("ix_hour_entries_replaces_id"), "hour_entries", ["replaces_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_hour_entries_replaces_id"), table_name="hour_entries")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE hour_entries DROP COLUMN replaces_id")
    else:
        op.drop_constraint(FOREIGN_KEY, "hour_entries", type_="foreignkey")
        op.drop_column("hour_entries", "replaces_id")
