"""SQLAlchemy column types that keep personal data sealed at rest, each value bound to its row.

A value is sealed for its column (``"inspectors.phone"``) and its row (the row's
integer ``id``), so a ciphertext swapped between two inspectors, or copied into
another column, does not open. A column type sees only values, never rows, so:

- on read, the SELECT fetches ``id || ':' || value`` (`column_expression`), and
  the row key arrives with the value it opens;
- on write, the ORM hands the type a `RowBound` string that carries its row's
  id (mapper events, see `bind_sealed_values_to_rows`). New rows get their id
  before the INSERT: from the table's sequence on PostgreSQL, and on SQLite as
  the next id past the largest, which is safe because every writing transaction
  there holds the write lock from its start (BEGIN IMMEDIATE, see backend.db).

A plain string written to a sealed column (a bulk UPDATE or INSERT that bypasses
the ORM's unit of work) has no row and is refused; a bulk statement that must
write sealed values gives each row its id and each value as `RowBound(value, id)`.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    Dialect,
    Select,
    Table,
    Text,
    bindparam,
    cast,
    event,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.orm import Mapper, Session, UOWTransaction, object_session
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.schema import Column
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.types import TypeDecorator

from secure_store.keyring import (
    DecryptionError,
    KeyRingError,
    UnknownKeyError,
    current_keyring,
    reload_keyring,
)

ROW_KEY = "id"
"""The column whose value binds a sealed value to its row: every table with sealed columns has it."""


class RowBound(str):
    """A value on its way into a sealed column, with the key of the row it goes into."""

    row: str

    def __new__(cls, value: str, row: int | str) -> RowBound:
        bound = super().__new__(cls, value)
        bound.row = str(row)
        return bound


class UnboundWrite(KeyRingError):
    """A value was written to a sealed column without its row (a bulk statement bypassing the ORM)."""


class EncryptedText(TypeDecorator[str]):
    """Text sealed with the active key on write and opened on read, bound to its column and row.

    ``context`` (conventionally ``"table.column"``) is bound into every value, so
    the rotation job and the backup know which column a value belongs to.
    """

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not isinstance(value, RowBound):
            raise UnboundWrite(
                f"a value for {self.context} is written without its row; write it "
                "through the object (session.add, attribute assignment), not a bulk statement"
            )
        return current_keyring().encrypt(value, self.context, value.row)

    def column_expression(self, column: ColumnElement[Any]) -> ColumnElement[Any] | None:
        row_key = _row_key_beside(column)
        if row_key is None:  # opened without a row below: fails with a clear error
            return column
        separator = literal_column("':'", Text())
        keyed = cast(row_key, Text()).concat(separator).concat(type_coerce(column, Text()))
        return type_coerce(keyed, self)  # the result still passes through process_result_value

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        row, separator, sealed = str(value).partition(":")
        if not separator or not row.isdigit():
            raise DecryptionError(
                f"a value of {self.context} was read without its row's key; read it "
                "from its table, or from a subquery that keeps the id"
            )
        try:
            return current_keyring().decrypt(sealed, self.context, row)
        except UnknownKeyError:  # sealed by a key added since this process loaded its keys
            return reload_keyring().decrypt(sealed, self.context, row)


def _row_key_beside(column: ColumnElement[Any]) -> ColumnElement[Any] | None:
    """The row-key column of the table, alias or subquery that `column` is read from, or None."""
    source: FromClause | None = getattr(column, "table", None)
    if source is None:
        return None
    for base in column.proxy_set:
        if isinstance(base, Column) and isinstance(base.table, Table) and ROW_KEY in base.table.c:
            return source.corresponding_column(base.table.c[ROW_KEY])
    return None


def blind_index(value: str, context: str) -> str:
    """The look-up digest stored beside an encrypted column (see KeyRing.blind_index)."""
    return current_keyring().blind_index(value, context)


def address_mark(normalised_address: str) -> str:
    """The repeat warning's hash of an address (see KeyRing.address_mark)."""
    return current_keyring().address_mark(normalised_address)


# -- binding written values to their rows ------------------------------------------------------------

_sealed_keys: dict[Mapper[Any], tuple[str, ...]] = {}
RESERVED = "piket_reserved_ids"
"""session.info key: per table, the largest id handed out in this transaction (SQLite)."""


def sealed_attributes(mapper: Mapper[Any]) -> tuple[str, ...]:
    """The attribute keys of `mapper`'s sealed columns (cached: mappers do not change)."""
    if mapper not in _sealed_keys:
        _sealed_keys[mapper] = tuple(
            prop.key for prop in mapper.column_attrs if isinstance(prop.columns[0].type, EncryptedText)
        )
    return _sealed_keys[mapper]


def bind_sealed_values_to_rows(base: type[Any]) -> None:
    """Install the events that number new rows before their INSERT and bind written values to rows."""
    if not event.contains(Session, "before_flush", _number_new_rows):  # once, however many bases
        event.listen(Session, "before_flush", _number_new_rows)
        event.listen(Session, "after_transaction_end", _forget_reserved_ids)
    event.listen(base, "before_insert", _bind_to_row, propagate=True)
    event.listen(base, "before_update", _bind_to_row, propagate=True)


def _number_new_rows(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """Give each new object with sealed columns its id now, one query per table, so that its values
    can be sealed for their row in the INSERT itself."""
    waiting: dict[Table, list[Any]] = {}
    for obj in session.new:
        mapper = instance_state(obj).mapper
        if sealed_attributes(mapper) and getattr(obj, ROW_KEY) is None:
            waiting.setdefault(mapper.local_table, []).append(obj)  # type: ignore[arg-type]
    for table, objects in waiting.items():
        for obj, row_id in zip(objects, next_ids(session, table, len(objects)), strict=True):
            setattr(obj, ROW_KEY, row_id)


def _bind_to_row(_mapper: Mapper[Any], connection: Any, target: Any) -> None:
    state = instance_state(target)
    keys = sealed_attributes(state.mapper)
    if not keys:
        return
    if state.dict.get(ROW_KEY) is None:  # an object that joined the session during the flush
        session = object_session(target)
        assert session is not None
        state.dict[ROW_KEY] = next_ids(session, state.mapper.local_table, 1)[0]  # type: ignore[arg-type]
    row = state.dict[ROW_KEY]
    for key in keys:
        value = state.dict.get(key)
        if value is not None and not (isinstance(value, RowBound) and value.row == str(row)):
            state.dict[key] = RowBound(value, row)  # equal to the old string: no extra change is seen


def next_ids(session: Session, table: Table, count: int) -> list[int]:
    """Ids for `count` new rows of `table`, ascending, none handed out before in this transaction: for
    a bulk INSERT that writes sealed values (each as `RowBound(value, its row's id)`)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return list(connection.execute(_sequence_numbers(table), {"count": count}).scalars())
    largest = connection.execute(_largest_id(table)).scalar_one()
    reserved = session.info.setdefault(RESERVED, {})
    first = max(largest, reserved.get(table.name, 0)) + 1
    reserved[table.name] = first + count - 1
    return list(range(first, first + count))


@functools.cache
def _sequence_numbers(table: Table) -> Select[Any]:
    """Built once per table, as `_largest_id` (building a statement costs more than running it)."""
    sequence = func.pg_get_serial_sequence(table.name, ROW_KEY)
    return select(func.nextval(sequence)).select_from(func.generate_series(1, bindparam("count")))


@functools.cache
def _largest_id(table: Table) -> Select[Any]:
    return select(func.coalesce(func.max(table.c[ROW_KEY]), 0))


def _forget_reserved_ids(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(RESERVED, None)
