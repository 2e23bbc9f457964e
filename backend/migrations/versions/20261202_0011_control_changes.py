"""Control days that move and are cancelled, and leave that people mark themselves.

`shift_changes` keeps the history of a shift that moved or was cancelled: the old
times, who, when and why (sealed).

`regions.proposal_rule` holds how much proposals prefer expertise (the profile's
[proposal]); none, as before, spreads hours only.

`unavailabilities` gets who marked it, when, and an optional reason (sealed). Rows
from before have no author: they are booked to "migration" at their start.

Revision ID: 0011_control_changes
Revises: 0009_break_intervals
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_control_changes"
down_revision: str | None = "0009_break_intervals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("regions", sa.Column("proposal_rule", sa.JSON(), nullable=True))
    op.create_table(
        "shift_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shift_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "moved",
                "cancelled",
                name="shift_change_kind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("old_starts_at", sa.DateTime(), nullable=False),
        sa.Column("old_ends_at", sa.DateTime(), nullable=False),
        sa.Column("new_starts_at", sa.DateTime(), nullable=True),
        sa.Column("new_ends_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["shift_id"], ["shifts.id"], name=op.f("fk_shift_changes_shift_id_shifts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shift_changes")),
    )
    op.create_index(op.f("ix_shift_changes_shift_id"), "shift_changes", ["shift_id"], unique=False)
    with op.batch_alter_table("unavailabilities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("created_by", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE unavailabilities SET created_by = 'migration', created_at = starts_at")
    with op.batch_alter_table("unavailabilities", schema=None) as batch_op:
        batch_op.alter_column("created_by", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("created_at", existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_shift_changes_shift_id"), table_name="shift_changes")
    op.drop_table("shift_changes")
    with op.batch_alter_table("unavailabilities", schema=None) as batch_op:
        batch_op.drop_column("created_at")
        batch_op.drop_column("created_by")
        batch_op.drop_column("reason")
    with op.batch_alter_table("regions", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("proposal_rule")
