"""The register of disclosures: every export, statement, backup and access request, to whom and why.

Receiver and purpose are free text typed by the person handing the data out,
so they are sealed like every other free text (and re-sealed by key rotation,
which is why the table has no append-only trigger; no page or service changes
a row once written).

Revision ID: 0016_disclosures
Revises: 0015_sealed_binding
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_disclosures"
down_revision: str | None = "0015_sealed_binding"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("receiver", sa.Text(), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    op.create_index(op.f("ix_disclosures_at"), "disclosures", ["at"], unique=False)
    op.create_index(op.f("ix_disclosures_actor"), "disclosures", ["actor"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_disclosures_actor"), table_name="disclosures")
    op.drop_index(op.f("ix_disclosures_at"), table_name="disclosures")
    op.drop_table("disclosures")
