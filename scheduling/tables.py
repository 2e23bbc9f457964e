"""Tables valid for a range of dates (ORT bands, budget rates): which one holds on a day.

A table is valid from `effective_from` to `effective_until`, both included. A
date that no table covers is refused (`TableMissing`), never priced from the
nearest table: the agreement after the last one may pay differently, and
finance must add it before such hours can be counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise
from typing import Protocol, TypeVar

from scheduling.reasons import Refusal, TableMissing


class Dated(Protocol):
    @property
    def effective_from(self) -> date: ...

    @property
    def effective_until(self) -> date: ...


T = TypeVar("T", bound=Dated)
ONE_DAY = timedelta(days=1)


def on(day: date, tables: Sequence[T], missing: str) -> T:
    """The table valid on `day`; `missing` is the refusal's code when there is none."""
    for table in tables:
        if table.effective_from <= day <= table.effective_until:
            return table
    raise TableMissing(missing, day=day.isoformat(), covered=covered_text(tables))


def between(start: date, end: date, tables: Sequence[T], missing: str) -> list[tuple[T, date, date]]:
    """[start, end] cut where the table changes: (table, first day, last day); refused at any gap."""
    pieces, day = [], start
    while day <= end:
        table = on(day, tables, missing)
        last = min(end, table.effective_until)
        pieces.append((table, day, last))
        day = last + ONE_DAY
    return pieces


def coverage(tables: Sequence[Dated]) -> list[tuple[date, date]]:
    """The ranges the tables cover together, adjoining ones merged, in order."""
    merged: list[tuple[date, date]] = []
    for table in sorted(tables, key=lambda t: t.effective_from):
        if merged and table.effective_from <= merged[-1][1] + ONE_DAY:
            merged[-1] = (merged[-1][0], max(merged[-1][1], table.effective_until))
        else:
            merged.append((table.effective_from, table.effective_until))
    return merged


def covered_text(tables: Sequence[Dated]) -> str:
    """What finance reads: whole years as "2016-2027", other ranges as ISO dates."""
    return ", ".join(_range_text(a, b) for a, b in coverage(tables)) or "-"


def covered_years(tables: Sequence[Dated]) -> list[int]:
    """Every year of which every day is covered."""
    years: list[int] = []
    for first, last in coverage(tables):
        years.extend(
            y for y in range(first.year, last.year + 1) if first <= date(y, 1, 1) and date(y, 12, 31) <= last
        )
    return years


def require_consistent(tables: Sequence[Dated], name: str) -> None:
    """Each range runs forward and no two overlap (a day has at most one table)."""
    for table in tables:
        if table.effective_until < table.effective_from:
            raise Refusal("table_range_empty", table=_named(name, table))
    ordered = sorted(tables, key=lambda t: t.effective_from)
    for earlier, later in pairwise(ordered):
        if later.effective_from <= earlier.effective_until:
            raise Refusal("tables_overlap", first=_named(name, earlier), second=_named(name, later))


def _named(name: str, table: Dated) -> str:
    return f"{name} {table.effective_from.isoformat()}/{table.effective_until.isoformat()}"


def _range_text(first: date, last: date) -> str:
    if (first.month, first.day, last.month, last.day) == (1, 1, 12, 31):
        return str(first.year) if first.year == last.year else f"{first.year}-{last.year}"
    return f"{first.isoformat()}/{last.isoformat()}"
