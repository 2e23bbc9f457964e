"""Sealed values are bound to their row as well as to their column.

Until now a sealed value's associated data was its column ("inspectors.phone"),
so two inspectors' phone ciphertexts could be swapped in the database and each
would open as the other's. From here on it is the column and the row's id, and
the value says so by its prefix: `pk2:` (row-bound) instead of `pk1:`
(column-bound). The upgrade re-seals every `pk1:` value for its row; the
downgrade re-seals every `pk2:` value for its column only. Both work in batches
by id, touch only values still in the old form (so a run that stopped can run
again), and need the key ring only when there are values.

On hour_entries only `reason` is sealed, and an UPDATE that sets only `reason`
is the one the ledger's append-only guard allows (migration 0015).

Revision ID: 0017_row_bound_seals
Revises: 0016_disclosures
Create Date: 2026-12-02
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_row_bound_seals"
down_revision: str | None = "0016_disclosures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEALED = {  # every sealed column at this revision, by table
    "inspectors": ("name", "first_name", "phone", "telegram_id"),
    "designations": ("decision_reference",),
    "unavailabilities": ("reason",),
    "web_users": ("display_name", "totp_secret"),
    "api_tokens": ("name",),
    "outbox_messages": ("chat_id", "payload"),
    "shift_changes": ("reason",),
    "callouts": ("location", "notes"),
    "hour_entries": ("reason",),
    "disclosures": ("receiver", "purpose"),
}
BATCH = 1000

Reseal = Callable[[str, str, str], str]
"""(value, context, row id) -> the value sealed the other way."""


def upgrade() -> None:
    _reseal_all("pk1:", _bind_to_row)


def downgrade() -> None:
    _reseal_all("pk2:", _bind_to_column)


def _bind_to_row(value: str, context: str, row: str) -> str:
    from secure_store import current_keyring

    keyring = current_keyring()
    return keyring.encrypt(keyring.decrypt(value, context), context, row)


def _bind_to_column(value: str, context: str, row: str) -> str:
    from secure_store import current_keyring

    keyring = current_keyring()
    return keyring.encrypt(keyring.decrypt(value, context, row), context)


def _reseal_all(old_prefix: str, reseal: Reseal) -> None:
    for table, columns in SEALED.items():
        _reseal_table(table, columns, old_prefix, reseal)


def _reseal_table(name: str, columns: Sequence[str], old_prefix: str, reseal: Reseal) -> None:
    """Re-seal the values of `columns` that start with `old_prefix`, a batch of rows at a time."""
    bind = op.get_bind()
    table = sa.table(name, sa.column("id", sa.Integer()), *[sa.column(c, sa.Text()) for c in columns])
    old = sa.or_(*[table.c[c].like(f"{old_prefix}%") for c in columns])
    last = 0
    while True:  # by id, so a large table is never held in memory at once
        rows = bind.execute(
            sa.select(table).where(table.c.id > last, old).order_by(table.c.id).limit(BATCH)
        ).all()
        for row in rows:
            found = row._mapping
            values = {
                c: reseal(found[c], f"{name}.{c}", str(row.id))
                for c in columns
                if found[c] is not None and found[c].startswith(old_prefix)
            }
            bind.execute(sa.update(table).where(table.c.id == row.id).values(values))
        if len(rows) < BATCH:
            return
        last = rows[-1].id
