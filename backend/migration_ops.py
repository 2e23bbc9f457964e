"""Operations that more than one migration needs, kept apart from the models (a migration must not
change when the models do): a CHECK constraint's list of values changed in place.

On SQLite a CHECK constraint cannot be altered, and a table copy would drop the
ledger's append-only triggers (see migration 0006); SQLite documents editing the
stored CREATE TABLE text for a change that leaves the on-disk content alone, as a
wider or narrower list of values does, so that is what happens there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


def replace_check(table: str, column: str, name: str, values: Sequence[str]) -> None:
    """`column IN values` as the CHECK constraint `name` of `table`, in place."""
    condition = f"{column} IN {_listed(values)}"
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition})")
        return
    created = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    start = created.index(f"CONSTRAINT {name} CHECK (")
    end = created.index(")", created.index("IN (", start)) + 2  # the list's bracket, then the check's
    version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
    bind.exec_driver_sql("PRAGMA writable_schema = ON")
    bind.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
        (created[:start] + f"CONSTRAINT {name} CHECK ({condition})" + created[end:], table),
    )
    bind.exec_driver_sql(f"PRAGMA schema_version = {version + 1}")
    bind.exec_driver_sql("PRAGMA writable_schema = OFF")


def refuse_if_any(table: str, column: str, kept: Sequence[str]) -> None:
    """Refuse a downgrade while rows use a value outside `kept` (the older schema's)."""
    # Names and values are the migrations' constants, never input.
    found = (
        op.get_bind()
        .exec_driver_sql(f"SELECT count(*) FROM {table} WHERE {column} NOT IN {_listed(kept)}")  # noqa: S608
        .scalar_one()
    )
    if found:
        raise RuntimeError(f"{found} rows of {table} use a {column} the older schema does not know")


def _listed(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"
