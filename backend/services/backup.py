"""Encrypted backups of the whole database, and restoring them into an empty one.

Rows are written as stored (personal data stays sealed inside), as JSON lines,
and the stream is sealed again as a whole (secure_store.stream). A trailer
carries a count and a digest per table; the restore checks them after loading.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Integer, Table, func, insert, select, text

from backend.db import Database
from backend.migrate import current_revision
from backend.rawdata import decode_row, dumps_row, raw_tables
from backend.services import audit
from backend.services.keys import key_ids_in
from secure_store import KeyRing, KeyRingError
from secure_store.stream import read_header, read_sealed, write_sealed

FORMAT = "piket-backup-1"
BATCH = 1000
WRITTEN_ACTION = "backup.written"
SCHEDULED_NAME = re.compile(r"^piket-\d{8}T\d{6}Z\.backup$")


RUNTIME_TABLES = frozenset({"service_instances"})
"""The running processes' own state: not data, and never the same on a restored database."""


def backed_up() -> dict[str, Table]:
    """The tables a backup holds (as stored), parents first."""
    return {name: table for name, table in raw_tables().items() if name not in RUNTIME_TABLES}


class BackupError(Exception):
    """The backup cannot be made or restored; the message says why."""


def table_digests(database: Database) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 over the rows (in primary-key order) of every table."""
    digests = {}
    with database.engine.connect() as connection:
        for name, table in backed_up().items():
            digest, count = hashlib.sha256(), 0
            for line in _row_lines(connection, table):
                digest.update(line)
                count += 1
            digests[name] = (count, digest.hexdigest())
    return digests


def _row_lines(connection: Any, table: Any) -> Iterator[bytes]:
    """A table's rows as JSON lines in primary-key order: what a backup holds and digests cover."""
    rows = connection.execute(
        select(table).order_by(*table.primary_key.columns).execution_options(yield_per=BATCH)
    )
    for row in rows:
        yield dumps_row(row) + b"\n"


@contextmanager
def _snapshot(database: Database) -> Iterator[Any]:
    """One consistent read of the whole database (a single read transaction).

    On SQLite the transaction is a deferred read (WAL gives it a snapshot), not the
    write lock every other transaction takes, so the service goes on writing while a
    backup runs."""
    with database.engine.connect().execution_options(read_only=True) as connection:
        if database.engine.dialect.name == "postgresql":
            connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
        yield connection


def _lines(connection: Any) -> Iterator[bytes]:
    """Every row as JSON lines, then the trailer with a count and digest per table."""
    digests: dict[str, list[Any]] = {}
    for name, table in backed_up().items():
        yield json.dumps({"table": name}).encode() + b"\n"
        digest, count = hashlib.sha256(), 0
        for line in _row_lines(connection, table):
            digest.update(line)
            count += 1
            yield line
        digests[name] = [count, digest.hexdigest()]
    yield json.dumps({"end": digests}).encode() + b"\n"


def backup(database: Database, keyring: KeyRing, out: BinaryIO, now: datetime) -> list[str]:
    """Write the sealed backup; returns the key ids a restore needs (the header says them too: the
    stream's key and every key that sealed a value inside)."""
    revision = current_revision(database.engine)
    if revision is None:
        raise BackupError("the database has no schema yet; nothing to back up")
    with _snapshot(database) as connection:
        key_ids = sorted(key_ids_in(connection) | {keyring.active_id})
        header = {
            "format": FORMAT,
            "revision": revision,
            "created_at": now.isoformat(),
            "mac_key_check": keyring.mac_key_check(),
            "key_ids": ",".join(key_ids),
        }
        head = _audit_head(connection)
        if head is not None:
            header["audit_head"] = str(head)
        write_sealed(keyring, _lines(connection), out, header)
    return key_ids


def _audit_head(connection: Any) -> audit.Anchor | None:
    """The audit log's head in the backup's snapshot: the header keeps it as an anchor (see
    backend.services.audit), readable without keys and sealed against change with the backup."""
    records = raw_tables()["audit_records"]
    last = connection.execute(
        select(records.c.seq, records.c.mac).order_by(records.c.seq.desc()).limit(1)
    ).first()
    return audit.Anchor(last.seq, last.mac) if last else None


def anchor_of(path: Path) -> audit.Anchor | None:
    """The audit head a backup file recorded (from its header; no keys needed), or None."""
    with path.open("rb") as source:
        header, _ = read_header(source)
    return audit.Anchor.parse(header["audit_head"]) if "audit_head" in header else None


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
    _refuse_another_mac_key(keyring, header)
    revision = current_revision(database.engine)
    if revision != header["revision"]:
        raise BackupError(
            f"the backup is at schema {header['revision']}, the database at "
            f"{revision}; run `piket db upgrade` to the same revision first"
        )
    _refuse_non_empty(database)
    # A backup from before the check value: its audit chain tells, before the restore commits.
    expected = _load(database, _split_lines(chunks), None if "mac_key_check" in header else keyring)
    found = table_digests(database)
    for name, (count, digest) in expected.items():
        if found.get(name) != (count, digest):
            raise BackupError(f"table {name} does not match the backup after restoring")
    return {name: count for name, (count, _) in expected.items()}


def _refuse_another_mac_key(keyring: KeyRing, header: dict[str, str]) -> None:
    """The data key opened the backup, but the MAC key (audit chain, Telegram-id look-ups) must be the
    one that made it too, or the restored audit log fails and look-ups find nobody."""
    if header.get("mac_key_check", keyring.mac_key_check()) != keyring.mac_key_check():
        raise BackupError(
            "the backup was made with another MAC key than the one in this key ring; the "
            "audit log and Telegram look-ups would fail. Use the key ring that made the "
            "backup (nothing was written)"
        )


def _refuse_broken_chain(session: Any, keyring: KeyRing) -> None:
    report = audit.verify(session, keyring)
    if not report.is_intact:
        raise BackupError(
            f"the restored audit log does not verify with this key ring (record "
            f"{report.broken_seq}): the MAC key is another one, or the log was altered "
            "before the backup. Nothing was written"
        )


def _refuse_non_empty(database: Database) -> None:
    with database.engine.connect() as connection:
        for name, table in backed_up().items():
            if connection.execute(select(func.count()).select_from(table)).scalar():
                raise BackupError(
                    f"the database is not empty (table {name} has rows); "
                    "restore only into a new, upgraded database"
                )


def _load(
    database: Database, lines: Iterator[bytes], chain_keyring: KeyRing | None
) -> dict[str, tuple[int, str]]:
    """Insert the rows in one transaction; with `chain_keyring`, the restored audit chain must verify
    with its MAC key before the transaction commits."""
    tables = backed_up()
    table: Table | None = None
    batch: list[dict[str, Any]] = []
    with database.transaction() as session:
        for line in lines:
            item = json.loads(line)
            if isinstance(item, dict):
                if table is not None and batch:
                    session.execute(insert(table), batch)
                batch = []
                if "end" in item:
                    _reset_sequences(database, session)
                    if chain_keyring is not None:
                        _refuse_broken_chain(session, chain_keyring)
                    return {k: (v[0], v[1]) for k, v in item["end"].items()}
                table = tables[item["table"]]
                continue
            if table is None:
                raise BackupError("a row before the header that names its table")
            batch.append(decode_row(table, item))
            if len(batch) >= BATCH:
                session.execute(insert(table), batch)
                batch = []
    raise BackupError("the backup ended before its trailer")


def _reset_sequences(database: Database, session: Any) -> None:
    """PostgreSQL's id sequences do not see explicit ids; move them past the restored rows."""
    if database.engine.dialect.name != "postgresql":
        return
    for name, table in backed_up().items():
        for column in table.primary_key.columns:
            if isinstance(column.type, Integer) and name != "processed_updates":
                # Names come from our own metadata, never from input.
                statement = (
                    f"SELECT setval(pg_get_serial_sequence('{name}', '{column.name}'), "  # noqa: S608
                    f"COALESCE((SELECT MAX({column.name}) FROM {name}), 0) + 1, false)"
                )
                session.execute(text(statement))


# -- backups to files, and the record of them ------------------------------------------------


@dataclass(frozen=True)
class BackupFile:
    """A backup that was written: where, when, how large (from the audit log)."""

    name: str
    written_at: datetime
    size_bytes: int


def write_file(database: Database, keyring: KeyRing, path: Path, now: datetime) -> BackupFile:
    """Write a backup to `path` through a .partial file, so a crash never leaves a half file under the
    real name."""
    if path.exists():
        raise BackupError(f"{path} exists; choose a new file name")
    partial = path.with_name(path.name + ".partial")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            backup(database, keyring, out, now)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.rename(path)
    return BackupFile(path.name, now, path.stat().st_size)


def write_scheduled(
    database: Database, keyring: KeyRing, directory: Path, now: datetime, keep: int
) -> tuple[BackupFile, list[str]]:
    """The daily backup into `directory`, then all but the newest `keep` of piket's backups there
    removed (other files are left alone); returns the backup and the names removed.

    The audit log records it afterwards (so that record is the one thing a restore of this
    backup lacks)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"piket-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.backup"
    written = write_file(database, keyring, directory / name, now)
    removed = prune(directory, keep)
    with database.transaction() as session:
        audit.record(
            session,
            now,
            "scheduler",
            WRITTEN_ACTION,
            "database",
            {
                "file": written.name,
                "bytes": written.size_bytes,
                "key": keyring.active_id,
                "removed": len(removed),
            },
        )
    return written, removed


def prune(directory: Path, keep: int) -> list[str]:
    ours = sorted(p.name for p in directory.iterdir() if SCHEDULED_NAME.match(p.name))
    removed = ours[:-keep] if keep else ours
    for name in removed:
        (directory / name).unlink(missing_ok=True)
    return removed


def needing_key(directory: Path | None, key_id: str) -> list[str]:
    """The backups in `directory` that cannot be restored without `key_id` (by their headers, which
    open without keys); a backup from before headers listed their keys counts when its stream used it."""
    if directory is None or not directory.is_dir():
        return []
    needing = []
    for path in sorted(p for p in directory.iterdir() if p.is_file() and not p.name.endswith(".partial")):
        try:
            with path.open("rb") as source:
                header, _ = read_header(source)
        except (OSError, ValueError, KeyRingError, struct.error):
            continue  # not a piket backup
        listed = header.get("key_ids", header.get("key_id", ""))
        if key_id in str(listed).split(","):
            needing.append(path.name)
    return needing


def latest(directory: Path | None) -> BackupFile | None:
    """The newest of piket's backups in `directory` (by the time in its name), or None."""
    if directory is None or not directory.is_dir():
        return None
    ours = sorted(p.name for p in directory.iterdir() if SCHEDULED_NAME.match(p.name))
    if not ours:
        return None
    path = directory / ours[-1]
    written_at = datetime.strptime(ours[-1], "piket-%Y%m%dT%H%M%SZ.backup").replace(tzinfo=UTC)
    return BackupFile(path.name, written_at, path.stat().st_size)
