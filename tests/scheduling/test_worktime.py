"""Working-time law: one test per rule, and the night-shift flag."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling.worktime import Shift, check_shift, night_minutes

AMS = ZoneInfo("Europe/Amsterdam")


def shift(day: int, start: int, end: int, break_minutes: int = 0, month: int = 3) -> Shift:
    starts_at = datetime(2027, month, day, start, tzinfo=AMS)
    ends_at = datetime(2027, month, day, 0, tzinfo=AMS) + timedelta(hours=end)
    return Shift(starts_at, ends_at, break_minutes)


def codes(proposed: Shift, others: list[Shift]) -> list[str]:
    return [v.code for v in check_shift(proposed, others).violations]


def test_a_standard_day_next_to_other_standard_days_is_allowed() -> None:
    check = check_shift(shift(10, 14, 23, 60), [shift(9, 14, 23, 60), shift(11, 14, 23, 60)])
    assert check.is_allowed and not check.is_night_shift


def test_more_than_twelve_hours_in_a_shift_is_refused() -> None:
    check = check_shift(shift(10, 8, 22, 60), [])
    assert [v.code for v in check.violations] == ["shift_too_long"]
    assert check.violations[0].text() == "dienst van 13 uur, meer dan 12 uur"
    assert check.violations[0].text("en") == "a shift of 13 hours, more than 12"


def test_twelve_hours_exactly_is_allowed() -> None:
    assert codes(shift(10, 8, 21, 60), []) == []


def test_more_than_sixty_hours_in_a_week_is_refused() -> None:
    week = [shift(day, 8, 20) for day in (8, 9, 10, 11, 12)]  # Monday to Friday, 12 h each
    check = check_shift(shift(13, 9, 11), week)  # Saturday, two more hours
    assert [v.code for v in check.violations] == ["week_too_long"]
    assert check.violations[0].text() == "62 uur in de week van 08-03, meer dan 60"


def test_a_shift_in_the_next_week_does_not_count_against_this_one() -> None:
    week = [shift(day, 8, 20) for day in (8, 9, 10, 11, 12)]
    assert codes(shift(15, 9, 11), week) == []


def test_less_than_eleven_hours_of_rest_is_refused_on_either_side() -> None:
    late = shift(9, 14, 23, 60)
    assert codes(shift(10, 9, 17), [late]) == ["rest_too_short"]
    assert codes(shift(8, 14, 23), [shift(9, 8, 16)]) == ["rest_too_short"]
    assert check_shift(shift(10, 9, 17), [late]).violations[0].text("en") == \
        "10 hours of rest between shifts (09-03 14:00), less than 11"


def test_eleven_hours_of_rest_exactly_is_allowed() -> None:
    assert codes(shift(10, 10, 17), [shift(9, 14, 23)]) == []


def test_an_overlapping_shift_is_refused() -> None:
    assert codes(shift(9, 20, 26), [shift(9, 14, 23, 60)]) == ["overlap"]


def test_more_than_an_hour_after_midnight_is_a_night_shift() -> None:
    assert check_shift(shift(9, 20, 25, 0), []).is_night_shift is False  # 20:00-01:00: one hour
    assert check_shift(shift(9, 20, 26, 0), []).is_night_shift is True  # 20:00-02:00


def test_night_minutes_follow_the_clock_on_the_short_night() -> None:
    # 27-28 March 2027: clocks go from 02:00 to 03:00, so 00:00-06:00 lasts five hours.
    assert night_minutes(shift(27, 22, 32)) == 300
