"""The ledger's rows show the team's wall clock whoever converts it: PostgreSQL in the query, Python
on SQLite, the same day and HH:MM on either side of a change to or from summer time."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from backend.models import HourCategory
from backend.services import exports, ledger
from scheduling.calendar import team_zone
from tests.factories import NOW, inspector, region

AROUND_CHANGES = [
    datetime(2027, 3, 27, 22, 30, tzinfo=UTC),  # Saturday evening before summer time, ends after it
    datetime(2027, 10, 30, 21, 45, tzinfo=UTC),  # the night summer time ends
    datetime(2027, 6, 30, 21, 59, tzinfo=UTC),  # a minute before a day (and a month) turns locally
]


@pytest.mark.parametrize("starts_at", AROUND_CHANGES, ids=lambda at: at.isoformat())
def test_an_entry_shows_its_local_day_start_and_end(session: Session, starts_at: datetime) -> None:
    _, home = region(session)
    worker = inspector(session, home)
    ends_at = starts_at + timedelta(hours=4)
    entry = ledger.record(
        session,
        NOW,
        "test",
        inspector_id=worker.id,
        municipality_id=home.id,
        category=HourCategory.CALLOUT,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    session.flush()
    day = starts_at.astimezone(team_zone()).date()
    (row,) = exports.ledger_rows(session, exports.LedgerFilter(day, day))
    at = exports.LEDGER_HEADER.index
    local_start, local_end = starts_at.astimezone(team_zone()), ends_at.astimezone(team_zone())
    assert row[at("entry")] == entry.id
    assert row[at("date")] == local_start.date() and isinstance(row[at("date")], date)
    wall_clock = (local_start.replace(tzinfo=None), local_end.replace(tzinfo=None))
    assert (row[at("start")], row[at("end")]) == wall_clock, "the team's wall-clock date-times"
    assert row[at("approved")] is False
    assert row[at("allowance_minutes")] == entry.worked_minutes - entry.plain_minutes
