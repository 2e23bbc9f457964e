"""Working-time law: one test per rule, and the night-shift flag."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.reasons import Refusal
from scheduling.worktime import Shift, check_shift, night_minutes
from tests.words import dutch

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
    assert dutch(check.violations[0]) == "dienst van 13 uur, meer dan 12 uur"
    assert check.violations[0].english() == "a shift of 13 hours, more than 12"


def test_twelve_hours_exactly_is_allowed() -> None:
    assert codes(shift(10, 8, 21, 60), []) == []


def test_more_than_sixty_hours_in_a_week_is_refused() -> None:
    week = [shift(day, 8, 20) for day in (8, 9, 10, 11, 12)]  # Monday to Friday, 12 h each
    check = check_shift(shift(13, 9, 11), week)  # Saturday, two more hours
    assert [v.code for v in check.violations] == ["week_too_long"]
    assert dutch(check.violations[0]) == "62 uur in de week van 08-03, meer dan 60"


def test_a_shift_in_the_next_week_does_not_count_against_this_one() -> None:
    week = [shift(day, 8, 20) for day in (8, 9, 10, 11, 12)]
    assert codes(shift(15, 9, 11), week) == []


def test_less_than_eleven_hours_of_rest_is_refused_on_either_side() -> None:
    late = shift(9, 14, 23, 60)
    assert codes(shift(10, 9, 17), [late]) == ["rest_too_short"]
    assert codes(shift(8, 14, 23), [shift(9, 8, 16)]) == ["rest_too_short"]
    assert (
        check_shift(shift(10, 9, 17), [late]).violations[0].english()
        == "10 hours of rest between shifts (09-03 14:00), less than 11"
    )


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


def at(month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime(2027, month, day, hour, minute, tzinfo=AMS, fold=fold)


# Daylight saving: 31 October 2027 has 25 hours, 28 March 2027 has 23. The law counts real hours.


def test_twelve_clock_hours_over_the_long_night_are_thirteen_and_too_many() -> None:
    check = check_shift(Shift(at(10, 30, 20), at(10, 31, 8)), [])
    assert [v.code for v in check.violations] == ["shift_too_long"]
    assert check.violations[0].params["hours"] == "13"


def test_thirteen_clock_hours_over_the_short_night_are_twelve_and_allowed() -> None:
    assert codes(Shift(at(3, 27, 20), at(3, 28, 9)), []) == []


def test_ten_clock_hours_of_rest_over_the_long_night_are_eleven_and_enough() -> None:
    assert codes(Shift(at(10, 31, 9), at(10, 31, 17)), [Shift(at(10, 30, 14), at(10, 30, 23), 60)]) == []


def test_eleven_clock_hours_of_rest_over_the_short_night_are_ten_and_too_few() -> None:
    check = check_shift(Shift(at(3, 28, 10), at(3, 28, 18)), [Shift(at(3, 27, 14), at(3, 27, 23), 60)])
    assert [v.code for v in check.violations] == ["rest_too_short"]
    assert dutch(check.violations[0]) == "10 uur rust tussen diensten (27-03 14:00), minder dan 11"


def test_night_minutes_follow_the_clock_on_the_long_night() -> None:
    # 00:00-06:00 on 31 October lasts seven hours.
    assert night_minutes(Shift(at(10, 30, 22), at(10, 31, 8))) == 420


def test_any_zone_gives_the_same_answer_for_the_same_instants() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    proposed = Shift(at(10, 30, 20).astimezone(tokyo), at(10, 31, 8).astimezone(UTC))
    assert codes(proposed, []) == ["shift_too_long"]
    assert proposed.starts_at.tzinfo is UTC


def test_weeks_and_nights_are_read_in_the_zone_given() -> None:
    new_york = ZoneInfo("America/New_York")
    # 23:00-07:00 in New York is 05:00-13:00 in Amsterdam: a night there, not here.
    shift_there = Shift(datetime(2027, 3, 9, 23, tzinfo=new_york), datetime(2027, 3, 10, 7, tzinfo=new_york))
    assert check_shift(shift_there, [], zone=new_york).is_night_shift
    assert not check_shift(shift_there, []).is_night_shift
    # Sunday 20:00-23:00 in New York, after 60 hours that week, is Monday 02:00-05:00 in Amsterdam.
    week = [
        Shift(datetime(2027, 3, day, 8, tzinfo=new_york), datetime(2027, 3, day, 20, tzinfo=new_york))
        for day in (1, 2, 3, 4, 5)
    ]
    sunday = Shift(datetime(2027, 3, 7, 20, tzinfo=new_york), datetime(2027, 3, 7, 23, tzinfo=new_york))
    assert [v.code for v in check_shift(sunday, week, zone=new_york).violations] == ["week_too_long"]
    assert [v.code for v in check_shift(sunday, week).violations] == []


@pytest.mark.parametrize(
    "starts_at, ends_at, break_minutes, code",
    [
        (at(3, 9, 23), at(3, 9, 14), 0, "ends_before_start"),
        (at(3, 9, 14), at(3, 9, 14), 0, "ends_before_start"),
        (at(10, 31, 2, 30, fold=1), at(10, 31, 2, 45, fold=0), 0, "ends_before_start"),
        (at(3, 9, 8), at(3, 9, 20), -60, "break_negative"),
        (at(3, 9, 14), at(3, 9, 15), 60, "break_too_long"),
        (at(3, 9, 14), at(3, 9, 15), 61, "break_too_long"),
        (datetime(2027, 3, 9, 14), datetime(2027, 3, 9, 23), 0, "naive_time"),
    ],
)
def test_a_shift_that_cannot_be_is_refused_when_it_is_made(starts_at, ends_at, break_minutes, code) -> None:
    with pytest.raises(Refusal) as refused:
        Shift(starts_at, ends_at, break_minutes)
    assert refused.value.code == code


def test_an_earlier_shift_that_ends_before_it_starts_never_reaches_the_law_check() -> None:
    # It used to be taken as given: a rest "before" it and weekly hours below zero.
    with pytest.raises(Refusal, match="must end after it starts"):
        check_shift(shift(10, 14, 23), [Shift(at(3, 9, 23), at(3, 9, 14))])


def test_a_negative_break_no_longer_counts_twelve_hours_as_thirteen() -> None:
    with pytest.raises(Refusal) as refused:
        check_shift(Shift(at(3, 9, 8), at(3, 9, 20), -60), [])
    assert dutch(refused.value) == "een pauze kan niet negatief zijn (-60 min)"
