"""When a report counts as written: the next working morning by default, never before the control ended."""

from datetime import UTC, date, datetime, timedelta

import pytest

from backend.models import Shift, ShiftKind
from backend.services.report_hours import Writing, default_writing, next_working_day
from scheduling.calendar import team_zone


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 3, 9), date(2027, 3, 10)),  # Tuesday: Wednesday
        (date(2027, 3, 12), date(2027, 3, 15)),  # Friday: Monday
        (date(2027, 3, 13), date(2027, 3, 15)),  # Saturday: Monday
        (date(2027, 4, 26), date(2027, 4, 28)),  # Monday before King's Day: Wednesday
        (date(2027, 12, 24), date(2027, 12, 27)),  # Christmas Eve (Friday): Monday
        (date(2027, 3, 25), date(2027, 3, 26)),  # Good Friday is a working day for the team
    ],
)
def test_the_next_working_day_skips_weekends_and_the_agreements_holidays(day: date, expected: date) -> None:
    assert next_working_day(day) == expected


def control(day: date, start_hour: int = 14, hours: int = 9) -> Shift:
    starts_at = datetime(day.year, day.month, day.day, start_hour, tzinfo=team_zone()).astimezone(UTC)
    return Shift(
        kind=ShiftKind.CONTROL,
        municipality_id=1,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
    )


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=team_zone()).astimezone(UTC)


def test_a_friday_control_is_reported_on_monday_morning() -> None:
    friday = control(date(2027, 3, 12))
    assert default_writing(friday, at(2027, 3, 15, 17), 180) == Writing(date(2027, 3, 15), 9 * 60)


def test_a_night_control_counts_from_the_day_it_ended() -> None:
    night = control(date(2027, 3, 9), start_hour=20)  # Tuesday 20:00 to Wednesday 05:00
    assert default_writing(night, at(2027, 3, 11, 12), 60) == Writing(date(2027, 3, 11), 9 * 60)


def test_before_the_usual_morning_has_passed_the_writing_ends_at_the_tap() -> None:
    tuesday = control(date(2027, 3, 9))
    assert default_writing(tuesday, at(2027, 3, 10, 9, 30), 60) == Writing(date(2027, 3, 10), 8 * 60 + 30)
    assert default_writing(tuesday, at(2027, 3, 9, 23, 30), 60) is None  # not an hour since the end


def test_the_writing_span_is_real_minutes_across_the_october_night() -> None:
    starts_at, ends_at = Writing(date(2027, 10, 31), 1 * 60).span(120)
    assert (ends_at - starts_at) == timedelta(hours=2) and starts_at.tzinfo is UTC
