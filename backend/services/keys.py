"""Re-encrypting every sealed value under the active key, and checking that all of them open.

Rotation works in batches, each its own transaction, so it runs while the
service is up and resumes where it stopped: it only ever picks values that the
active key did not seal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from backend.db import Database
from backend.rawdata import encrypted_columns, raw_tables
from secure_store import KeyRing, KeyRingError
from secure_store.keyring import PREFIX


@dataclass
class KeyReport:
    """How many values each key id seals, and which values do not open."""

    by_key: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failed: int = 0
    """How many values do not open (a failure may name several)."""

    @property
    def is_healthy(self) -> bool:
        return not self.failures


def rotate(
    database: Database,
    keyring: KeyRing,
    batch_size: int = 500,
    progress: Callable[[str, int], None] | None = None,
) -> int:
    """Re-seal every value not sealed by the active key; returns how many were re-sealed.

    `progress` hears of each committed batch: the table and its number of rows.
    """
    total = 0
    active_prefix = f"{PREFIX}:{keyring.active_id}:%"
    for table_name, columns in encrypted_columns().items():
        table = raw_tables()[table_name]
        pk = next(iter(table.primary_key.columns))
        stale = or_(
            *[and_(table.c[name].is_not(None), table.c[name].not_like(active_prefix)) for name in columns]
        )
        while True:
            with database.transaction() as session:
                rows = session.execute(
                    select(pk, *[table.c[n] for n in columns]).where(stale).order_by(pk).limit(batch_size)
                ).all()
                for row in rows:
                    values = {
                        name: _reseal(keyring, row[i + 1], context, str(row[0]))
                        for i, (name, context) in enumerate(columns.items())
                    }
                    session.execute(update(table).where(pk == row[0]).values(**values))
                    total += sum(1 for i in range(len(columns)) if row[i + 1] is not None)
            if progress and rows:
                progress(table_name, len(rows))
            if len(rows) < batch_size:
                break
    return total


def _reseal(keyring: KeyRing, value: str | None, context: str, row: str) -> str | None:
    """The value sealed again by the active key, for the same column and row (its id)."""
    if value is None or keyring.is_current(value):
        return value
    return keyring.encrypt(keyring.decrypt(value, context, row), context, row)


def verify(database: Database, keyring: KeyRing) -> KeyReport:
    """Open every sealed value in the database; name each one that does not open."""
    report = KeyReport()
    with database.reading() as session:
        for table_name, columns in encrypted_columns().items():
            table = raw_tables()[table_name]
            pk = next(iter(table.primary_key.columns))
            rows = session.execute(
                select(pk, *[table.c[n] for n in columns]).order_by(pk).execution_options(yield_per=1000)
            )
            for row in rows:
                for i, (name, context) in enumerate(columns.items()):
                    _check(
                        keyring, report, row[i + 1], context, str(row[0]), f"{table_name}.{name} id={row[0]}"
                    )
    return report


def count_by_key(session: Session, keyring: KeyRing) -> KeyReport:
    """How many values each key of the ring seals, counted in SQL by the prefix each value starts with,
    without opening one. The values that start with no key of the ring's (another key's, or not sealed
    and bound to their row) are failures, by column with their number. Opening every value is
    `verify`, a scan the size of the database."""
    report = KeyReport()
    for table_name, columns in _sealed_tables():
        for name, (total, by_key) in _counted_by_ring(session, columns, keyring).items():
            report.by_key.update(by_key)
            if total == sum(by_key.values()):
                continue  # every value starts with a key of the ring
            for prefix, key, count in _named_outside_ring(session, columns[name], keyring):
                report.failed += count
                # A value that is not sealed may be plain text: none of its characters is shown.
                sealed = prefix == f"{PREFIX}:"
                why = f"not sealed by a key in the ring ({prefix}{key})" if sealed else "not sealed"
                report.failures.append(f"{table_name}.{name}: {count} {why}")
    return report


def _ring_prefixes(keyring: KeyRing) -> dict[str, str]:
    return {key: f"{PREFIX}:{key}:" for key in keyring.keys}


def _starts_with(column: Any, prefix: str) -> Any:
    """Exact on both databases (SQLite's LIKE ignores case)."""
    return func.substr(column, 1, len(prefix)) == prefix


def _counted_by_ring(
    session: Session, columns: dict[str, Any], keyring: KeyRing
) -> dict[str, tuple[int, Counter[str]]]:
    """Per sealed column of one table, how many values it holds and how many start with each key of the
    ring: one scan of the table, each value compared with the ring's few prefixes (half the time of
    grouping by the key each value names, which 16,500 designations at ten times the pilot felt)."""
    prefixes = _ring_prefixes(keyring)
    counts = [
        func.count(case((_starts_with(column, prefix), 1)))
        for column in columns.values()
        for prefix in prefixes.values()
    ]
    row = session.execute(
        select(*[func.count(c) for c in columns.values()], *counts).where(
            or_(*[c.is_not(None) for c in columns.values()])
        )
    ).one()
    named = iter(row[len(columns) :])
    return {
        name: (total, +Counter({key: next(named) for key in prefixes}))
        for name, total in zip(columns, row[: len(columns)], strict=True)
    }


def _named_outside_ring(session: Session, column: Any, keyring: KeyRing) -> list[tuple[str, str, int]]:
    """(prefix, key id, how many) of the column's values that start with no key of the ring's: grouped
    by what they name, read only for a column that holds such values."""
    dialect = session.get_bind().dialect.name
    grouped = (func.substr(column, 1, len(PREFIX) + 1), _key_id(column, dialect))
    outside = [~_starts_with(column, prefix) for prefix in _ring_prefixes(keyring).values()]
    rows = session.execute(
        select(*grouped, func.count(column)).where(column.is_not(None), *outside).group_by(*grouped)
    ).all()
    return [(prefix, key, count) for prefix, key, count in rows]


def key_ids_in(connection: Any) -> set[str]:
    """The ids of the keys that sealed the values in the database (a scan per sealed column)."""
    found: set[str] = set()
    for _table_name, _name, column in _sealed_columns():
        key_id = _key_id(column, connection.dialect.name)
        found.update(connection.execute(select(key_id).where(column.is_not(None)).distinct()).scalars())
    return found


def _sealed_columns() -> Iterator[tuple[str, str, Any]]:
    """Each sealed column as raw text: its table's name, its name, the column."""
    for table_name, columns in _sealed_tables():
        for name, column in columns.items():
            yield table_name, name, column


def _sealed_tables() -> Iterator[tuple[str, dict[str, Any]]]:
    """Each table with sealed columns: its name, and its sealed columns as raw text by name."""
    for table_name, columns in encrypted_columns().items():
        yield table_name, {name: raw_tables()[table_name].c[name] for name in columns}


def _key_id(column: Any, dialect: str) -> Any:
    """The id of the key a sealed value names: the part between its prefix and the ciphertext."""
    if dialect == "postgresql":
        return func.split_part(column, ":", 2)
    return func.substr(column, 5, func.instr(func.substr(column, 5), ":") - 1)


def _check(
    keyring: KeyRing, report: KeyReport, value: str | None, context: str, row: str, where: str
) -> None:
    if value is None:
        return
    try:
        keyring.decrypt(value, context, row)
        report.by_key[keyring.key_id_of(value)] += 1
    except KeyRingError as error:
        report.failed += 1
        report.failures.append(f"{where}: {error}")
