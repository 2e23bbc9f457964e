"""Shared figures of the ledger tests: a Tuesday, March 2027, and a break of an hour; and what a
read of the ledger must not send."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from scheduling.calendar import team_zone

TUESDAY = datetime(2027, 3, 9, 14, 0, tzinfo=team_zone())


def hour_off(start: datetime, after_hours: float, minutes: int = 60) -> list[tuple[datetime, datetime]]:
    """One break of `minutes`, `after_hours` into the shift starting at `start`."""
    at = start + timedelta(minutes=round(after_hours * 60))
    return [(at, at + timedelta(minutes=minutes))]


MARCH = (date(2027, 3, 1), date(2027, 3, 31))


def checks_approvals_as_a_set(statement: str) -> bool:
    """Whether the statement asks for entries' approvals by an EXISTS, an IN of a subquery or a join,
    which PostgreSQL answers with a hash of every approval ever made, however short the period asked
    for."""
    flat = re.sub(r"\s+", " ", statement).upper()
    return any(f"{how} HOUR_APPROVALS" in flat for how in ("EXISTS (SELECT", "IN (SELECT", "JOIN"))
