"""Session security: TOTP codes used once, sessions that end server-side, a throttle every instance shares.

`web_users.totp_last_step` keeps the time step of the last accepted code, so the
same code cannot log in twice. `web_users.session_generation` is copied into each
session at login; logout, a reset or switching the account off raise it, which
ends every session of the account at its next request, on any instance.
`login_failures` replaces the in-memory per-address throttle and the per-account
back-off (`failed_logins`, `locked_until`): failures are counted per account and
address pair, per account and per address, in the database.

No backfill: no code has been recorded as used, every session starts at
generation 0, and the old back-off ends within the hour anyway.

Revision ID: 0014_session_security
Revises: 0013_control_findings
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014_session_security"
down_revision: str | None = "0013_control_findings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_account_key"), "login_failures", ["account_key"], unique=False)
    op.create_index(op.f("ix_login_failures_address_key"), "login_failures", ["address_key"], unique=False)
    op.create_index(op.f("ix_login_failures_failed_at"), "login_failures", ["failed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_login_failures_failed_at"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_address_key"), table_name="login_failures")
    op.drop_index(op.f("ix_login_failures_account_key"), table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("web_users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
        batch_op.drop_column("session_generation")
        batch_op.drop_column("totp_last_step")
