"""Breaks become intervals: `hour_breaks` holds where each unpaid break of an entry was taken.

Until now an entry kept only its break minutes, and the band split placed them
around the middle of the shift. Old entries keep that meaning: each one with a
break gets the interval the old rule put it in, so its stored band minutes are
exactly what a split with that interval gives. The rule is copied here, frozen,
so that a later change to the core cannot change what this migration wrote.

Reversals get no rows: a reversal cancels its entry, breaks included. The new
table is append-only like the ledger it belongs to.

Revision ID: 0009_break_intervals
Revises: 0008_team_profile
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0009_break_intervals"
down_revision: str | None = "0008_team_profile"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hour_breaks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_hour_breaks_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["hour_entries.id"], name=op.f("fk_hour_breaks_entry_id_hour_entries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_breaks")),
    )
    op.create_index(op.f("ix_hour_breaks_entry_id"), "hour_breaks", ["entry_id"], unique=False)
    _backfill()
    _refuse_changes()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER hour_breaks_append_only ON hour_breaks")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER hour_breaks_no_{event}")
    op.drop_index(op.f("ix_hour_breaks_entry_id"), table_name="hour_breaks")
    op.drop_table("hour_breaks")


def old_rule(starts_at: datetime, ends_at: datetime, minutes: int) -> tuple[datetime, datetime]:
    """Where the band split used to put a break of `minutes`: around the middle of the shift."""
    middle_minute = int((ends_at - starts_at).total_seconds()) // 120
    start = starts_at + timedelta(minutes=middle_minute - minutes // 2)
    return start, start + timedelta(minutes=minutes)


def _backfill() -> None:
    entries = sa.table(
        "hour_entries",
        sa.column("id", sa.Integer()),
        sa.column("starts_at", sa.DateTime()),
        sa.column("ends_at", sa.DateTime()),
        sa.column("break_minutes", sa.Integer()),
        sa.column("reverses_id", sa.Integer()),
    )
    breaks = sa.table(
        "hour_breaks",
        sa.column("entry_id", sa.Integer()),
        sa.column("starts_at", sa.DateTime()),
        sa.column("ends_at", sa.DateTime()),
    )
    bind, last = op.get_bind(), 0
    while True:  # in batches by id, so a large ledger is never held in memory at once
        rows = bind.execute(
            sa.select(entries.c.id, entries.c.starts_at, entries.c.ends_at, entries.c.break_minutes)
            .where(entries.c.id > last, entries.c.break_minutes > 0, entries.c.reverses_id.is_(None))
            .order_by(entries.c.id)
            .limit(5000)
        ).all()
        if not rows:
            return
        # Stored instants are naive UTC and the old rule measured real minutes: naive arithmetic is exact.
        bind.execute(
            breaks.insert(),
            [
                dict(
                    zip(("starts_at", "ends_at"), old_rule(starts_at, ends_at, minutes), strict=True),
                    entry_id=entry_id,
                )
                for entry_id, starts_at, ends_at, minutes in rows
            ],
        )
        last = rows[-1][0]


def _refuse_changes() -> None:
    """The same guard as the ledger's (0001): UPDATE and DELETE refused in the database itself."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER hour_breaks_append_only BEFORE UPDATE OR DELETE ON hour_breaks "
            "FOR EACH ROW EXECUTE FUNCTION piket_refuse_change()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER hour_breaks_no_{event.lower()} BEFORE {event} ON hour_breaks "
            "BEGIN SELECT RAISE(ABORT, 'table hour_breaks is append-only'); END"
        )
