"""How far the audit chain is known intact, so that the audit page verifies only the records since.

Revision ID: 0021_audit_checkpoint
Revises: 0020_statement_details
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_audit_checkpoint"
down_revision: str | None = "0020_statement_details"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("mac", sa.String(64), nullable=False),
        sa.Column("verified_at", sa.DateTime(), nullable=False),
        sa.Column("walked_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_checkpoints")
