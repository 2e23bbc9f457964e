"""Allowance bands on real 2027 dates, and the properties that must always hold."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scheduling.calendar import municipal_holidays
from scheduling.ort import Band, exempt_weeks, split_bands, table_on
from tests.profiles import TABLES
from tests.scheduling.ort_oracle import oracle_bands

AMS = ZoneInfo("Europe/Amsterdam")
P, W20, W40, SAT, SUN = Band.PLAIN, Band.WEEKDAY_20, Band.WEEKDAY_40, Band.SATURDAY, Band.SUNDAY_HOLIDAY


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMS)


def bands(start: datetime, end: datetime, break_minutes: int = 0, **kwargs) -> dict[Band, int]:
    split = split_bands(start, end, break_minutes, **kwargs, tables=TABLES)
    return {band: minutes for band, minutes in split.minutes.items() if minutes}


DAY = 60  # the standard day: 14:00-23:00 with an hour's break

CASES = [
    ("weekday", local(2027, 3, 9, 14), local(2027, 3, 9, 23), DAY, {P: 240, W20: 180, W40: 60}),
    ("Saturday", local(2027, 3, 13, 14), local(2027, 3, 13, 23), DAY, {SAT: 480}),
    ("Sunday", local(2027, 3, 14, 14), local(2027, 3, 14, 23), DAY, {SUN: 480}),
    ("Good Friday is a weekday", local(2027, 3, 26, 14), local(2027, 3, 26, 23), DAY,
     {P: 240, W20: 180, W40: 60}),
    ("King's Day (Tuesday)", local(2027, 4, 27, 14), local(2027, 4, 27, 23), DAY, {SUN: 480}),
    ("Liberation Day, not a lustrum year", local(2027, 5, 5, 14), local(2027, 5, 5, 23), DAY, {SUN: 480}),
    ("Ascension Day", local(2027, 5, 6, 14), local(2027, 5, 6, 23), DAY, {SUN: 480}),
    ("Christmas on a Saturday counts as a holiday", local(2027, 12, 25, 14), local(2027, 12, 25, 23), DAY,
     {SUN: 480}),
    ("New Year's night", local(2027, 12, 31, 20), local(2028, 1, 1, 4), 0, {W20: 120, W40: 120, SUN: 240}),
    ("across midnight on weekdays", local(2027, 3, 10, 20), local(2027, 3, 11, 3), 0, {W20: 120, W40: 300}),
    ("a holiday starting mid-shift", local(2027, 4, 26, 20), local(2027, 4, 27, 2), 0,
     {W20: 120, W40: 120, SUN: 120}),
    ("the short night, last Sunday of March", local(2027, 3, 27, 20), local(2027, 3, 28, 6), 0,
     {SAT: 240, SUN: 300}),
    ("the long night, last Sunday of October", local(2027, 10, 30, 20), local(2027, 10, 31, 6), 0,
     {SAT: 240, SUN: 420}),
    ("Sunday night into Monday", local(2027, 10, 31, 20), local(2027, 11, 1, 2), 0, {SUN: 240, W40: 120}),
    ("early morning", local(2027, 3, 8, 6), local(2027, 3, 8, 14), 30, {W20: 120, P: 330}),
]


@pytest.mark.parametrize("start, end, break_minutes, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_band_minutes_on_real_dates(start, end, break_minutes, expected) -> None:
    assert bands(start, end, break_minutes) == expected


def test_the_agreement_in_force_pays_more_for_saturday_and_sunday_from_2026() -> None:
    assert table_on(date(2025, 6, 1), TABLES).percentage(SAT) * 100 == 40
    assert table_on(date(2027, 3, 13), TABLES).percentage(SAT) * 100 == 75
    assert table_on(date(2027, 3, 14), TABLES).percentage(SUN) * 100 == 100


def test_the_holidays_are_the_agreements_not_the_packages() -> None:
    # New Year, Easter (Sunday and Monday), King's Day, Liberation Day, Ascension,
    # Whit (Sunday and Monday), Christmas and Boxing Day; not Good Friday (26 March).
    assert set(municipal_holidays().in_year(2027)) == {
        date(2027, 1, 1), date(2027, 3, 28), date(2027, 3, 29), date(2027, 4, 27), date(2027, 5, 5),
        date(2027, 5, 6), date(2027, 5, 16), date(2027, 5, 17), date(2027, 12, 25), date(2027, 12, 26)}
    assert municipal_holidays().is_holiday(date(2026, 5, 5))


def test_explicit_breaks_are_taken_out_where_they_were() -> None:
    start, end = local(2027, 3, 9, 14), local(2027, 3, 9, 23)
    breaks = [(local(2027, 3, 9, 16), local(2027, 3, 9, 16, 30)),
              (local(2027, 3, 9, 21, 30), local(2027, 3, 9, 22, 30))]
    assert bands(start, end, breaks=breaks) == {P: 210, W20: 210, W40: 30}


@pytest.mark.parametrize("start, end, break_minutes, message", [
    (local(2027, 3, 9, 23), local(2027, 3, 9, 14), 0, "end after it starts"),
    (local(2027, 3, 9, 14), local(2027, 3, 9, 15), 60, "as long as the shift"),
    (local(2027, 3, 9, 14), local(2027, 3, 9, 15), -5, "negative"),
    (local(2027, 3, 9, 14, 0) + timedelta(seconds=30), local(2027, 3, 9, 15), 0, "to the minute"),
    (datetime(2027, 3, 9, 14), datetime(2027, 3, 9, 15), 0, "timezone-aware"),
])
def test_impossible_shifts_are_refused_with_a_reason(start, end, break_minutes, message) -> None:
    with pytest.raises(ValueError, match=message):
        split_bands(start, end, break_minutes, tables=TABLES)


def week(*shifts):
    return exempt_weeks((split_bands(start, end, br, tables=TABLES) for start, end, br in shifts), TABLES)


def test_one_short_irregular_stretch_in_a_week_earns_nothing() -> None:
    assert week((local(2027, 3, 8, 13), local(2027, 3, 8, 21), 30)) == {date(2027, 3, 8)}


def test_a_stretch_over_three_hours_earns_its_allowance() -> None:
    assert week((local(2027, 3, 8, 13), local(2027, 3, 8, 21, 30), 30)) == set()


def test_two_short_stretches_in_a_week_earn_their_allowance() -> None:
    assert week((local(2027, 3, 8, 14), local(2027, 3, 8, 20), 0),
                (local(2027, 3, 10, 14), local(2027, 3, 10, 20), 0)) == set()


def test_the_standard_day_is_never_exempt() -> None:
    assert week((local(2027, 3, 9, 14), local(2027, 3, 9, 23), DAY)) == set()


instants = st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2027, 12, 20)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=AMS))


@given(instants, st.integers(30, 12 * 60), st.integers(0, 90))
def test_band_minutes_add_up_to_the_worked_minutes(start, length, break_minutes) -> None:
    assume(break_minutes < length)
    split = split_bands(start, start + timedelta(minutes=length), break_minutes, tables=TABLES)
    assert all(0 <= m <= split.worked_minutes for m in split.minutes.values())
    assert sum(split.minutes.values()) == split.worked_minutes


def _plain_week(day: date) -> bool:
    """No holiday and no daylight-saving change in the week (Monday to next Monday) of `day`."""
    monday = day - timedelta(days=day.weekday())
    days = [monday + timedelta(days=i) for i in range(8)]
    offsets = {datetime(d.year, d.month, d.day, 12, tzinfo=AMS).utcoffset() for d in days}
    return len(offsets) == 1 and not any(municipal_holidays().is_holiday(d) for d in days)


@given(instants, st.integers(30, 12 * 60), st.integers(0, 90))
def test_moving_a_shift_by_a_week_without_holidays_changes_nothing(start, length, break_minutes) -> None:
    assume(break_minutes < length)
    later = start + timedelta(days=7)
    assume(_plain_week(start.date()) and _plain_week(later.date()))
    end = start + timedelta(minutes=length)
    assert bands(start, end, break_minutes) == bands(later, end + timedelta(days=7), break_minutes)


@given(st.datetimes(min_value=datetime(2026, 12, 20), max_value=datetime(2028, 1, 10)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=AMS)), st.integers(30, 14 * 60), st.integers(0, 20),
    st.integers(0, 90))
def test_split_agrees_with_a_minute_by_minute_reference(start, length, break_at, break_minutes) -> None:
    end = start + timedelta(minutes=length)
    pause_from = start + timedelta(minutes=min(break_at, length - 1))
    pause = [(pause_from, min(end, pause_from + timedelta(minutes=break_minutes)))] if break_minutes else []
    split = split_bands(start, end, breaks=pause, tables=TABLES)
    assert split.minutes == oracle_bands(start, end, pause)
