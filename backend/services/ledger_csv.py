"""The ledger's CSV (and the payroll's) as finance downloads it; on PostgreSQL the database writes the rows.

Written cell by cell in Python (`sheets.csv_lines` over `exports.ledger_rows`), a
million entries took 17 times as long as PostgreSQL's own COPY of the same rows. On
PostgreSQL the rows come from ``COPY (SELECT ...) TO STDOUT (FORMAT csv)`` with every
cell already as `sheets.csv_cell` writes it: numbers as they are, dates and date-times
as the start of their ISO text, and each text cell (pseudonym, name, municipality,
category, yes/no) looked up in a small table that Python wrote once per value (the
formula guard and the reader's words stay Python's). The file is byte for byte the
Python writer's, which SQLite keeps: both quote a cell that holds the delimiter, a
quote or a line break, and an empty cell is a NULL here because COPY quotes an empty
string. The XLSX keeps `ledger_rows`: its cells are typed values, not text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, cast

import psycopg
from sqlalchemy import ARRAY, Boolean, Date, Integer, Select, Text, case, func, literal, null, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeEngine

from backend.models import HourCategory, HourEntry, Inspector, Municipality
from backend.services import allowance
from backend.services.exports import (
    LEDGER_HEADER,
    PAYROLL_HEADER,
    SUMMED,
    LedgerFilter,
    ledger_query,
    ledger_rows,
    ledger_totals,
    pseudonym,
)
from backend.services.sheets import (
    DATE,
    DATETIME,
    KINDS,
    PLAIN,
    Wording,
    csv_cell,
    csv_head,
    csv_line,
    csv_lines,
    csv_total,
)

BATCH = 5000
"""Rows a chunk of the stream (COPY hands them over one by one)."""
COPY = "COPY ({}) TO STDOUT (FORMAT csv, DELIMITER ';')"


def ledger_lines(
    session: Session,
    wanted: LedgerFilter,
    column_set: str,
    with_names: bool = False,
    notes: Sequence[str] = (),
    words: Wording = PLAIN,
) -> Iterator[str]:
    """The ledger's CSV as text chunks (LEDGER_HEADER; PAYROLL_HEADER `with_names`): `sheets.csv_lines`
    over `exports.ledger_rows`, the rows written by PostgreSQL where it runs.

    Its total comes from the database (`ledger_totals`) before the rows: it equals the sum of the lines
    as long as both statements see the same entries, which a reading session does (`Database.reading`).
    """
    header = PAYROLL_HEADER if with_names else LEDGER_HEADER
    if session.get_bind().dialect.name != "postgresql":
        rows = ledger_rows(session, wanted, with_names)
        yield from csv_lines(column_set, header, rows, SUMMED, notes, words)
        return
    totals = ledger_totals(session, wanted, header)
    yield csv_head(column_set, header, notes, words)
    yield from _copied(session, _written_rows(session, wanted, header, words))
    yield csv_total(header, totals, words)


def _written_rows(
    session: Session, wanted: LedgerFilter, header: Sequence[str], words: Wording
) -> Select[Any]:
    """The ledger query with each column as its CSV cell, in ledger order."""
    rows = ledger_query(wanted, in_database=True).add_columns(HourEntry.counts_at.label("counts_at"))
    base = rows.order_by(None).subquery("ledger")
    lookups = _lookups(session, wanted, header, words)
    written = {
        **{name: _written(KINDS[name], base.c[name]) for name in header if name in base.c},
        **{name: table.c.cell for name, table in lookups.items()},
        "allowance_exempt_week": null(),
    }
    query = select().select_from(base)
    for name, table in lookups.items():
        query = query.outerjoin(table, table.c.key == base.c[KEYS.get(name, name)])
    weeks = list(allowance.exempt_weeks(session, wanted.start, wanted.end))
    if weeks:  # most periods have none: no join then
        exempt = _table(
            "exempt",
            inspector=([inspector for inspector, _ in weeks], Integer()),
            monday=([monday for _, monday in weeks], Date()),
        )
        monday = sql_cast(func.date_trunc("week", base.c.start), Date)  # of the local start
        in_week = (exempt.c.inspector == base.c.inspector) & (exempt.c.monday == monday)
        query = query.outerjoin(exempt, in_week)
        written["allowance_minutes"] = case((exempt.c.monday.is_(None), base.c.allowance_minutes), else_=0)
        written["allowance_exempt_week"] = _written(DATE, exempt.c.monday)
    columns = (written[name] for name in header)
    return query.with_only_columns(*columns).order_by(base.c.counts_at, base.c.entry)


KEYS = {"name": "inspector"}
"""The ledger query's column that a looked-up cell is found by, where it is not the column's own."""


def _written(kind: str, value: ColumnElement[Any]) -> ColumnElement[Any]:
    """A date or date-time as `csv_cell` writes it: the start of its text in ISO style (`_copied` makes
    sure of the style; to_char took three times as long). Numbers are written as they are."""
    if kind == DATE:
        return sql_cast(value, Text)
    if kind == DATETIME:
        return func.left(sql_cast(value, Text), len("2027-03-09 14:00"))
    return value


def _lookups(
    session: Session, wanted: LedgerFilter, header: Sequence[str], words: Wording
) -> dict[str, TableValuedAlias]:
    """Each text column's cells by their key, written once per value: people and places by their ids,
    the category by its code, yes and no by the flag."""
    people = select(Inspector.id, *([Inspector.name] if "name" in header else []))
    if wanted.inspector_id is not None:
        people = people.where(Inspector.id == wanted.inspector_id)
    if wanted.employer_id is not None:
        people = people.where(Inspector.employer_id == wanted.employer_id)
    found = session.execute(people).all()
    places = {i: name for i, name in session.execute(select(Municipality.id, Municipality.name)).all()}
    values: dict[str, tuple[Mapping[Any, Any], TypeEngine[Any]]] = {
        "inspector": ({person[0]: pseudonym(person[0]) for person in found}, Integer()),
        "name": ({person[0]: person[-1] for person in found}, Integer()),
        "employer": (places, Integer()),
        "municipality": (places, Integer()),
        "category": ({code.value: code.value for code in HourCategory}, Text()),
        "approved": ({True: True, False: False}, Boolean()),
    }
    return {
        name: _table(
            name,
            key=(list(cells), key_type),
            cell=([csv_cell(KINDS[name], value, words) or None for value in cells.values()], Text()),
        )
        for name, (cells, key_type) in values.items()
        if name in header
    }


def _table(name: str, **columns: tuple[Sequence[Any], TypeEngine[Any]]) -> TableValuedAlias:
    """Python's values as a table of the statement: unnest over an array per column. An empty cell is
    NULL (see the module's docstring)."""
    arrays = [sql_cast(literal(list(values), ARRAY(kind)), ARRAY(kind)) for values, kind in columns.values()]
    return func.unnest(*arrays).table_valued(*columns, name=name).render_derived()


def _copied(session: Session, query: Select[Any]) -> Iterator[str]:
    """The query's rows as CSV lines from COPY, in chunks of BATCH rows."""
    compiled = query.compile(dialect=session.get_bind().dialect)
    assert isinstance(compiled, SQLCompiler)
    state = compiled.construct_expanded_state()  # the parameters as SQLAlchemy would bind them
    processors = state.processors
    params = {key: processors[key](v) if key in processors else v for key, v in state.parameters.items()}
    connection = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
    with connection.cursor() as cursor:
        # Dates and date-times as ISO text (`_written`), whatever the session's style; psycopg reads
        # dates in that style too. LOCAL: until the end of this transaction.
        cursor.execute("SET LOCAL DateStyle TO ISO")
        with cursor.copy(COPY.format(state.statement), params) as copy:
            lines, count = bytearray(), 0
            for count, line in enumerate(copy, 1):
                lines += line  # a copy: holding on to COPY's own buffers took four times as long
                if count % BATCH == 0:
                    yield _crlf(lines.decode(connection.info.encoding), BATCH)
                    lines = bytearray()
            yield _crlf(lines.decode(connection.info.encoding), count % BATCH)


def _crlf(lines: str, count: int) -> str:
    """`count` lines from COPY (each ended by LF) ended by CR LF as the csv module ends them."""
    if lines.count("\n") == count:
        return lines.replace("\n", "\r\n")
    # A line break inside a quoted cell, which the csv module leaves as it is: the lines as it writes
    # them (it quotes as COPY does). No cell has one today: text is cleaned, yes and no are one word.
    return "".join(map(csv_line, csv.reader(io.StringIO(lines, newline=""), delimiter=";")))
