"""Encrypted backups of the whole database, and restoring them into an empty one.

Rows are written as stored (personal data stays sealed inside), as JSON lines,
and the stream is sealed again as a whole (secure_store.stream). A trailer
carries a count and a digest per table; the restore checks them after loading.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import func, insert, select, text

from backend.db import Database
from backend.migrate import current_revision
from backend.rawdata import decode_row, dumps_row, raw_tables
from secure_store import KeyRing
from secure_store.stream import read_sealed, write_sealed

FORMAT = "piket-backup-1"
BATCH = 1000


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


def table_digests(database: Database) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 over the rows (in primary-key order) of every table."""
    digests = {}
    with database.engine.connect() as connection:
        for name, table in raw_tables().items():
            digest, count = hashlib.sha256(), 0
            for line in _row_lines(connection, table):
                digest.update(line)
                count += 1
            digests[name] = (count, digest.hexdigest())
    return digests


def _row_lines(connection: Any, table: Any) -> Iterator[bytes]:
    """A table's rows as JSON lines in primary-key order: what a backup holds and digests cover."""
    rows = connection.execute(select(table).order_by(*table.primary_key.columns)
                              .execution_options(yield_per=BATCH))
    for row in rows:
        yield dumps_row(row) + b"\n"


def _lines(database: Database) -> Iterator[bytes]:
    """Every row as JSON lines, in one consistent snapshot (a single read transaction).

    On SQLite the transaction is a deferred read (WAL gives it a snapshot), not the
    write lock every other transaction takes, so the service goes on writing while a
    backup runs."""
    digests: dict[str, list[Any]] = {}
    with database.engine.connect().execution_options(read_only=True) as connection:
        if database.engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        for name, table in raw_tables().items():
            yield json.dumps({"table": name}).encode() + b"\n"
            digest, count = hashlib.sha256(), 0
            for line in _row_lines(connection, table):
                digest.update(line)
                count += 1
                yield line
            digests[name] = [count, digest.hexdigest()]
    yield json.dumps({"end": digests}).encode() + b"\n"


def backup(database: Database, keyring: KeyRing, out: BinaryIO, now: datetime) -> None:
    revision = current_revision(database.engine)
    if revision is None:
        raise BackupError("the database has no schema yet; nothing to back up")
    header = {"format": FORMAT, "revision": revision, "created_at": now.isoformat()}
    write_sealed(keyring, _lines(database), out, header)


def _split_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending


def restore(database: Database, keyring: KeyRing, source: BinaryIO) -> dict[str, int]:
    """Load a backup into an empty database at the same schema revision; returns rows per table."""
    header, chunks = read_sealed(keyring, source)
    if header.get("format") != FORMAT:
        raise BackupError("this is not a piket database backup")
    revision = current_revision(database.engine)
    if revision != header["revision"]:
        raise BackupError(f"the backup is at schema {header['revision']}, the database at "
                          f"{revision}; run `piket db upgrade` to the same revision first")
    _refuse_non_empty(database)
    expected = _load(database, _split_lines(chunks))
    found = table_digests(database)
    for name, (count, digest) in expected.items():
        if found.get(name) != (count, digest):
            raise BackupError(f"table {name} does not match the backup after restoring")
    return {name: count for name, (count, _) in expected.items()}


def _refuse_non_empty(database: Database) -> None:
    with database.engine.connect() as connection:
        for name, table in raw_tables().items():
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise BackupError(f"the database is not empty (table {name} has rows); "
                                  "restore only into a new, upgraded database")


def _load(database: Database, lines: Iterator[bytes]) -> dict[str, tuple[int, str]]:
    tables, table, batch = raw_tables(), None, []
    with database.transaction() as session:
        for line in lines:
            item = json.loads(line)
            if isinstance(item, dict):
                if table is not None and batch:
                    session.execute(insert(table), batch)
                batch = []
                if "end" in item:
                    _reset_sequences(database, session)
                    return {k: (v[0], v[1]) for k, v in item["end"].items()}
                table = tables[item["table"]]
                continue
            batch.append(decode_row(table, item))
            if len(batch) >= BATCH:
                session.execute(insert(table), batch)
                batch = []
    raise BackupError("the backup ended before its trailer")


def _reset_sequences(database: Database, session: Any) -> None:
    """PostgreSQL's id sequences do not see explicit ids; move them past the restored rows."""
    if database.engine.dialect.name != "postgresql":
        return
    for name, table in raw_tables().items():
        for column in table.primary_key.columns:
            if column.autoincrement is not False and name != "processed_updates":
                # Names come from our own metadata, never from input.
                statement = (f"SELECT setval(pg_get_serial_sequence('{name}', '{column.name}'), "  # noqa: S608
                             f"COALESCE((SELECT MAX({column.name}) FROM {name}), 0) + 1, false)")
                session.execute(text(statement))
