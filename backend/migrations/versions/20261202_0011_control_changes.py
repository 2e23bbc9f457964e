"""Control days that move and are cancelled, and leave that people mark themselves.

`unavailabilities` gets who marked it, when, and an optional reason (sealed). Rows
from before have no author: they are booked to "migration" at their start.

Revision ID: 0011_control_changes
Revises: 0009_break_intervals
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011_control_changes'
down_revision: str | None = '0009_break_intervals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('unavailabilities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('created_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(), nullable=True))
    op.execute("UPDATE unavailabilities SET created_by = 'migration', created_at = starts_at")
    with op.batch_alter_table('unavailabilities', schema=None) as batch_op:
        batch_op.alter_column('created_by', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('created_at', existing_type=sa.DateTime(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('unavailabilities', schema=None) as batch_op:
        batch_op.drop_column('created_at')
        batch_op.drop_column('created_by')
        batch_op.drop_column('reason')
