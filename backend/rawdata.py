"""The tables as stored: sealed values stay sealed, instants stay naive UTC.

Key rotation and backups work on what is in the database, not on what the
column types would make of it, so they read and write through these copies.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Column, Date, DateTime, Enum, MetaData, String, Table
from sqlalchemy.types import TypeDecorator, TypeEngine

from backend.models import Base
from secure_store.types import EncryptedText


def storage_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    if isinstance(type_, Enum):
        return String(type_.length)
    if isinstance(type_, TypeDecorator):
        return type_.impl_instance
    return type_


@cache
def raw_tables() -> dict[str, Table]:
    """A storage-typed copy of every table, in dependency order (parents first)."""
    metadata = MetaData()
    return {
        table.name: Table(
            table.name,
            metadata,
            *[Column(c.name, storage_type(c.type), primary_key=c.primary_key) for c in table.columns],
        )
        for table in Base.metadata.sorted_tables
    }


def encrypted_columns() -> dict[str, dict[str, str]]:
    """For each table with sealed columns: column name -> encryption context."""
    found: dict[str, dict[str, str]] = {}
    for table in Base.metadata.sorted_tables:
        columns = {c.name: c.type.context for c in table.columns if isinstance(c.type, EncryptedText)}
        if columns:
            found[table.name] = columns
    return found


def encode_row(row: Any) -> list[Any]:
    return [v.isoformat() if isinstance(v, date | datetime) else v for v in row]


def decode_row(table: Table, values: list[Any]) -> dict[str, Any]:
    decoded = {}
    for column, value in zip(table.columns, values, strict=True):
        if value is not None and isinstance(column.type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column.type, Date):
            value = date.fromisoformat(value)
        decoded[column.name] = value
    return decoded


def dumps_row(row: Any) -> bytes:
    return json.dumps(encode_row(row), ensure_ascii=False, separators=(",", ":")).encode()
