"""What statements print besides the coordinating municipality's name: the issuing department, the
account to pay into and the payment days (profile, [statement]); empty means the defaults.

Revision ID: 0020_statement_details
Revises: 0018_safety
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_statement_details"
down_revision: str | None = "0018_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("region_settings") as table:
        table.add_column(sa.Column("statement_terms", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("region_settings") as table:
        table.drop_column("statement_terms")
