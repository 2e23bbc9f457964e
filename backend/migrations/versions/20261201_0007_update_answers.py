"""A handled update keeps the answer its tap got, so a tap redelivered after a crash is answered the
same way, in the same language (not a generic Dutch "Genoteerd.").

Nullable, no backfill: updates handled before have no answer and get the generic one.

Revision ID: 0007_update_answers
Revises: 0006_correction_links
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_update_answers"
down_revision: str | None = "0006_correction_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("processed_updates", sa.Column("answer", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("answer")
