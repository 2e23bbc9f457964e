"""Leader locks for the scheduler runner: a PostgreSQL advisory lock, or a file lock for SQLite."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

SCHEDULER_LOCK_ID = 7_243_110_002
"""The advisory lock's key for piket in the `public` schema (what it always was)."""


def lock_key(schema: str) -> int:
    """The leader lock's key for the installation in `schema`.

    PostgreSQL's advisory locks belong to the database, not the schema: with one key
    for all, a piket in another schema of the same database (a staging copy; every
    test session's schema on the shared test server) held this one's leadership and
    no instance here ran the jobs or the bot. `public` keeps the old key, so instances
    of an upgraded installation agree with those not yet upgraded."""
    if schema == "public":
        return SCHEDULER_LOCK_ID
    digest = hashlib.sha256(f"piket scheduler leader in {schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLeaderLock:
    """A session-level advisory lock on a connection of its own; it dies with that connection."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Any = None

    def try_acquire(self) -> bool:
        if self.is_held():
            return True
        self.release()
        self._connection = self._engine.connect()
        # A pooled connection would outlive close() and keep the session lock with it;
        # detached, closing it really ends the session and frees the lock.
        self._connection.detach()
        schema = self._connection.execute(text("SELECT current_schema()")).scalar_one()
        taken = self._connection.execute(
            text("SELECT pg_try_advisory_lock(:id)"), {"id": lock_key(schema)}
        ).scalar()
        self._connection.commit()
        if not taken:
            self.release()
        return bool(taken)

    def is_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1")).scalar()
            self._connection.commit()
            return True
        except Exception:  # a broken connection means the server already dropped our lock
            self.release()
            return False

    def release(self) -> None:
        if self._connection is not None:
            # Closing a dead connection may fail; the lock is gone with it either way.
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock_all()"))
                self._connection.commit()
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None


class FileLeaderLock:
    """An exclusive flock on a file beside the SQLite database: one process per database file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def is_held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def leader_lock_for(engine: Engine, database_url: str) -> PostgresLeaderLock | FileLeaderLock:
    if engine.dialect.name == "postgresql":
        return PostgresLeaderLock(engine)
    database_path = Path(database_url.removeprefix("sqlite:///"))
    return FileLeaderLock(database_path.with_name(database_path.name + ".scheduler-lock"))
