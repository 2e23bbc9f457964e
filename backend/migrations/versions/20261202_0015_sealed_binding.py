"""Free text is sealed, and running instances say which keys they hold.

Correction reasons, decision references and API token names are typed freely
("Hessel de Boer vergat pauze") and were stored in clear: they become sealed
columns (TEXT, `pk1:` values), and their values are sealed here with the key ring
the command runs with. On SQLite each column is replaced by a new one with plain
ADD/DROP COLUMN (no table copy), so hour_entries keeps its append-only triggers.

The ledger's guard changes in one way: an UPDATE that sets only `reason` is
allowed, so that key rotation can re-seal a reason and retention can erase it.
Every other column still refuses UPDATE, and DELETE is refused as before.

`service_instances` is where each running instance reports the key ids it holds,
so that `piket keys rotate` can wait until every live one has the new active key.

Revision ID: 0015_sealed_binding
Revises: 0014_session_security
Create Date: 2026-12-02
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_sealed_binding"
down_revision: str | None = "0014_session_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = (  # table, column, length in clear, nullable
    ("hour_entries", "reason", 200, True),
    ("designations", "decision_reference", 120, False),
    ("api_tokens", "name", 64, False),
)
LEDGER_COLUMNS = (
    "id",
    "inspector_id",
    "shift_id",
    "municipality_id",
    "category",
    "starts_at",
    "ends_at",
    "break_minutes",
    "worked_minutes",
    "plain_minutes",
    "weekday_20_minutes",
    "weekday_40_minutes",
    "saturday_minutes",
    "sunday_holiday_minutes",
    "reverses_id",
    "replaces_id",
    "booked_at",
    "entered_by",
    "entered_at",
)
"""Every column of hour_entries but `reason`: the ones an UPDATE may not touch."""


def upgrade() -> None:
    _drop_ledger_guard()
    for table, column, _, nullable in SEALED:
        _retype(table, column, sa.Text(), nullable, _seal(f"{table}.{column}"))
    _create_ledger_guard(LEDGER_COLUMNS)
    op.create_table(
        "service_instances",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.Column("active_key", sa.String(length=32), nullable=False),
        sa.Column("key_ids", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_instances")),
    )


def downgrade() -> None:
    op.drop_table("service_instances")
    _drop_ledger_guard()
    for table, column, length, nullable in SEALED:
        _retype(table, column, sa.String(length=length), nullable, _open(f"{table}.{column}"))
    _create_ledger_guard(())


def _seal(context: str) -> Callable[[str], str]:
    from secure_store import current_keyring

    return lambda value: current_keyring().encrypt(value, context)


def _open(context: str) -> Callable[[str], str]:
    from secure_store import current_keyring

    return lambda value: current_keyring().decrypt(value, context)


def _retype(
    table: str, column: str, type_: sa.types.TypeEngine[str], nullable: bool, convert: Callable[[str], str]
) -> None:
    """Give `column` a new type and pass each value through `convert` (which needs the key ring only
    when there are values)."""
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":  # TEXT while converting: a sealed value is longer
        op.alter_column(table, column, type_=sa.Text(), existing_nullable=nullable)
        _convert(table, column, column, convert)
        if not isinstance(type_, sa.Text):
            op.alter_column(table, column, type_=type_, existing_nullable=nullable)
        return
    new = f"{column}_new"
    op.add_column(table, sa.Column(new, type_, nullable=True))
    _convert(table, column, new, convert)
    op.drop_column(table, column)
    op.alter_column(table, new, new_column_name=column)
    if not nullable:  # SQLite cannot add NOT NULL to a column in place; the values are all set
        with op.batch_alter_table(table, recreate="always") as batch_op:
            batch_op.alter_column(column, existing_type=type_, nullable=False)


def _convert(table: str, source: str, target: str, convert: Callable[[str], str]) -> None:
    bind = op.get_bind()
    rows = sa.table(
        table, sa.column("id", sa.Integer()), sa.column(source, sa.Text()), sa.column(target, sa.Text())
    )
    last = 0
    while True:  # in batches by id, so a large table is never held in memory at once
        found = bind.execute(
            sa.select(rows.c.id, rows.c[source]).where(rows.c.id > last).order_by(rows.c.id).limit(1000)
        ).all()
        if not found:
            return
        for row_id, value in found:
            if value is not None:
                bind.execute(sa.update(rows).where(rows.c.id == row_id).values({target: convert(value)}))
        last = found[-1][0]


def _drop_ledger_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER hour_entries_append_only ON hour_entries")
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER hour_entries_no_{event}")


def _create_ledger_guard(guarded: Sequence[str]) -> None:
    """UPDATE (of the `guarded` columns; of any when empty) and DELETE refused on hour_entries."""
    of = f" OF {', '.join(guarded)}" if guarded else ""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER hour_entries_append_only BEFORE UPDATE{of} OR DELETE ON hour_entries "
            "FOR EACH ROW EXECUTE FUNCTION piket_refuse_change()"
        )
        return
    for event, columns in (("UPDATE", of), ("DELETE", "")):
        op.execute(
            f"CREATE TRIGGER hour_entries_no_{event.lower()} BEFORE {event}{columns} ON hour_entries "
            "BEGIN SELECT RAISE(ABORT, 'table hour_entries is append-only'); END"
        )
