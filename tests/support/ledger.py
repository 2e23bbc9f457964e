"""Shared figures of the ledger tests: a Tuesday, March 2027, and a break of an hour; and the
statements a read of the ledger sends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from scheduling.calendar import team_zone

TUESDAY = datetime(2027, 3, 9, 14, 0, tzinfo=team_zone())


def hour_off(start: datetime, after_hours: float, minutes: int = 60) -> list[tuple[datetime, datetime]]:
    """One break of `minutes`, `after_hours` into the shift starting at `start`."""
    at = start + timedelta(minutes=round(after_hours * 60))
    return [(at, at + timedelta(minutes=minutes))]


MARCH = (date(2027, 3, 1), date(2027, 3, 31))


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL sent on the session's engine inside the block."""
    seen: list[str] = []
    engine = session.get_bind()

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def checks_approvals_as_a_set(statement: str) -> bool:
    """Whether the statement asks for entries' approvals by an EXISTS or a join, which PostgreSQL
    answers with a hash of every approval ever made, however short the period asked for."""
    flat = re.sub(r"\s+", " ", statement).upper()
    return "EXISTS (SELECT HOUR_APPROVALS" in flat or "JOIN HOUR_APPROVALS" in flat
