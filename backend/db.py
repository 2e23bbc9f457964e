"""Engines, sessions and the one transaction boundary per entry point.

Entry points (a web request, a bot update, a job, a CLI command) open
``with database.transaction() as session:``; everything below only flushes.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    CursorResult,
    DateTime,
    Dialect,
    Engine,
    Executable,
    Result,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    inspect,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: stored as naive UTC on every database, handed back aware (UTC).

    A naive datetime is refused, because we could not tell which zone it meant.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("an instant must carry a time zone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        stored: datetime = value  # the driver hands back a naive datetime in UTC
        return stored.replace(tzinfo=UTC)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("hide_parameters", True)  # an error's text would otherwise carry the row's values
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **kwargs)
    _create_private(url)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
    _tune_sqlite(engine)
    return engine


def _create_private(url: str) -> None:
    """Make a new SQLite file readable by its owner only (SQLite gives its WAL the same mode); an
    existing file keeps the mode its operator gave it."""
    path = Path(url.removeprefix("sqlite:///"))
    if url.startswith("sqlite:///") and str(path) != ":memory:" and path.parent.is_dir():
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))


def _tune_sqlite(engine: Engine) -> None:
    """WAL for concurrent readers, foreign keys on, deleted data overwritten, and BEGIN IMMEDIATE.

    pysqlite starts transactions lazily and in DEFERRED mode, so two writers can
    both read and then deadlock on the upgrade to a write lock. Taking the write
    lock at BEGIN makes the second writer wait (busy timeout) instead; it also
    serialises the audit chain's read-then-append.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            "secure_delete=ON",
            "busy_timeout=30000",
            "synchronous=NORMAL",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A long read (an export) takes no write lock: writers go on while it streams.
        read_only = connection.get_execution_options().get("read_only", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class Database:
    """An engine and its session factory; made by the entry point, never at import time."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed when the block ends, rolled back on any error."""
        with self.sessions.begin() as session:
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit of work that never blocks writers (an export streamed to a client).

        Its statements see the same entries (one snapshot: REPEATABLE READ on PostgreSQL, which never
        fails a transaction that only reads; a read transaction on SQLite is one snapshot anyway), so an
        export's total counted by one statement adds up the lines another one reads.
        """
        options: dict[str, Any] = {"read_only": True}
        if not self.is_sqlite:
            options["isolation_level"] = "REPEATABLE READ"
        with self.engine.connect().execution_options(**options) as connection:
            session = Session(bind=connection, expire_on_commit=False)
            try:
                yield session
            finally:
                session.close()
                connection.rollback()

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values`, for a plain column such as an id (not a sealed or an enum one: each value is
    sent as the column's type). On PostgreSQL `column = ANY` of one array parameter, so that the
    statement's text is the same however many values it holds. An IN is a parameter per value, and
    psycopg parses a statement of more than 50 parameters anew on every execution (1.2 ms for 660: the
    board's lines waiting for approval at ten times the pilot), as PostgreSQL plans it anew."""
    wanted = list(values)
    if session.get_bind().dialect.name == "postgresql":
        condition: ColumnElement[bool] = column == any_(bindparam(None, wanted, type_=ARRAY(column.type)))
    else:
        condition = column.in_(wanted)
    return condition


def rows_changed(session: Session, statement: Executable, params: dict[str, Any] | None = None) -> int:
    """How many rows an UPDATE or DELETE matched: a conditional update that must touch exactly one row
    is how a second worker or a stale button is told apart. For such a statement the session hands back
    a CursorResult, which its declared return type (Result) does not say."""
    result = session.execute(statement, params)
    assert isinstance(result, CursorResult)
    return result.rowcount


def table_rows_changed(session: Session, statement: Executable, params: dict[str, Any]) -> int:
    """`rows_changed` for a Core UPDATE of a table (no objects to synchronise): run on the session's
    connection, its changes flushed first, without the ORM's handling of the statement, which costs
    more than running it (a tap on Accept answers its offer this way)."""
    result = _on_connection(session, statement, params)
    assert isinstance(result, CursorResult)
    return result.rowcount


@contextmanager
def collected(session: Session, key: str) -> Iterator[list[dict[str, Any]] | None]:
    """The rows appended to `session.info[key]` while the block runs, for one INSERT of all when it
    ends (`outbox.batched`, `audit.batched`); inside another such block, None: that one writes them."""
    if key in session.info:
        yield None
        return
    rows: list[dict[str, Any]] = []
    session.info[key] = rows
    try:
        yield rows
    finally:
        del session.info[key]


def read_values(session: Session, statement: Executable, params: dict[str, Any] | None = None) -> Result[Any]:
    """Run a SELECT of plain values (no objects) as Core, the session's changes flushed first as a query
    through the session would: on a hot path the ORM's handling of a statement costs two to three times
    running it, and nothing here is loaded back as an object."""
    return _on_connection(session, statement, params)


def _on_connection(session: Session, statement: Executable, params: dict[str, Any] | None) -> Result[Any]:
    """The statement on the session's connection, the session's changes flushed first (as its own
    execute would), without the ORM's handling of the statement."""
    if session.autoflush:  # not inside `no_autoflush`
        session.flush()
    return session.connection().execute(statement, params)


def write_by_key(session: Session, entity: type[Any], changes: Sequence[tuple[Any, dict[str, Any]]]) -> None:
    """Write new values to rows of `entity` by primary key, read as values or loaded: Core UPDATEs,
    one statement (executed as a batch) per set of columns. An object of such a row that the session
    holds gets the values too, and stays clean (`sync_held`).

    For a hot path that changes a handful of rows it has just read under a lock: the unit of work
    would cost more than the rows (it weighed most of an accept that completes a pair). A sealed
    column cannot be written this way (its value has no row: refused on the way in)."""
    table = inspect(entity).local_table
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_key, values in changes:
        groups.setdefault(tuple(values), []).append({"row_key": row_key, **values})
        sync_held(session, entity, row_key, values)
    for names, rows in groups.items():
        session.connection().execute(_update_by_key(table, names), rows)


def sync_held(session: Session, entity: type[Any], row_key: Any, values: dict[str, Any]) -> None:
    """Values just written to a row by a Core statement, given to the object of that row if the
    session holds one: it stays clean, and a later read through the session sees them."""
    held = session.identity_map.get(identity_key(entity, row_key))
    for name, value in values.items() if held is not None else ():
        set_committed_value(held, name, value)


@functools.cache
def _update_by_key(table: Table, names: tuple[str, ...]) -> Executable:
    """Built once per table and columns (building a statement costs more than running it)."""
    (key_column,) = table.primary_key.columns
    return update(table).where(key_column == bindparam("row_key")).values({n: bindparam(n) for n in names})
