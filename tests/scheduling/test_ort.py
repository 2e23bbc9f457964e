"""Allowance bands on real 2027 dates, and the properties that must always hold."""

from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from scheduling.calendar import municipal_holidays
from scheduling.ort import (
    MAX_SPAN_MINUTES,
    Band,
    break_total,
    exempt_weeks,
    planned_break,
    split_bands,
    table_on,
)
from scheduling.reasons import Refusal, TableMissing
from tests.profiles import TABLES
from tests.scheduling.ort_oracle import oracle_bands
from tests.words import dutch as in_dutch

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
    (
        "Good Friday is a weekday",
        local(2027, 3, 26, 14),
        local(2027, 3, 26, 23),
        DAY,
        {P: 240, W20: 180, W40: 60},
    ),
    ("King's Day (Tuesday)", local(2027, 4, 27, 14), local(2027, 4, 27, 23), DAY, {SUN: 480}),
    ("Liberation Day, not a lustrum year", local(2027, 5, 5, 14), local(2027, 5, 5, 23), DAY, {SUN: 480}),
    ("Ascension Day", local(2027, 5, 6, 14), local(2027, 5, 6, 23), DAY, {SUN: 480}),
    (
        "Christmas on a Saturday counts as a holiday",
        local(2027, 12, 25, 14),
        local(2027, 12, 25, 23),
        DAY,
        {SUN: 480},
    ),
    ("New Year's night", local(2026, 12, 31, 20), local(2027, 1, 1, 4), 0, {W20: 120, W40: 120, SUN: 240}),
    ("across midnight on weekdays", local(2027, 3, 10, 20), local(2027, 3, 11, 3), 0, {W20: 120, W40: 300}),
    (
        "a holiday starting mid-shift",
        local(2027, 4, 26, 20),
        local(2027, 4, 27, 2),
        0,
        {W20: 120, W40: 120, SUN: 120},
    ),
    (
        "the short night, last Sunday of March",
        local(2027, 3, 27, 20),
        local(2027, 3, 28, 6),
        0,
        {SAT: 240, SUN: 300},
    ),
    (
        "the long night, last Sunday of October",
        local(2027, 10, 30, 20),
        local(2027, 10, 31, 6),
        0,
        {SAT: 240, SUN: 420},
    ),
    ("Sunday night into Monday", local(2027, 10, 31, 20), local(2027, 11, 1, 2), 0, {SUN: 240, W40: 120}),
    ("early morning", local(2027, 3, 8, 6), local(2027, 3, 8, 14), 30, {W20: 120, P: 330}),
]


@pytest.mark.parametrize(
    "start, end, break_minutes, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
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
        date(2027, 1, 1),
        date(2027, 3, 28),
        date(2027, 3, 29),
        date(2027, 4, 27),
        date(2027, 5, 5),
        date(2027, 5, 6),
        date(2027, 5, 16),
        date(2027, 5, 17),
        date(2027, 12, 25),
        date(2027, 12, 26),
    }
    assert municipal_holidays().is_holiday(date(2026, 5, 5))


def test_explicit_breaks_are_taken_out_where_they_were() -> None:
    start, end = local(2027, 3, 9, 14), local(2027, 3, 9, 23)
    breaks = [
        (local(2027, 3, 9, 16), local(2027, 3, 9, 16, 30)),
        (local(2027, 3, 9, 21, 30), local(2027, 3, 9, 22, 30)),
    ]
    assert bands(start, end, breaks=breaks) == {P: 210, W20: 210, W40: 30}


@pytest.mark.parametrize(
    "hour, expected, share",
    [
        (16, {P: 180, W20: 240, W40: 60}, 15),  # the break in plain time: 4 h at 20% kept
        (18, {P: 240, W20: 180, W40: 60}, Fraction(25, 2)),  # the budget's day: 12.5%
        (20, {P: 240, W20: 180, W40: 60}, Fraction(25, 2)),
    ],
)
def test_the_break_counts_where_it_was_taken(hour, expected, share) -> None:
    start, end = local(2027, 3, 9, 14), local(2027, 3, 9, 23)
    split = split_bands(
        start, end, breaks=[(local(2027, 3, 9, hour), local(2027, 3, 9, hour + 1))], tables=TABLES
    )
    assert {band: minutes for band, minutes in split.minutes.items() if minutes} == expected
    assert split.allowance_minutes(TABLES) / split.worked_minutes * 100 == share


def test_the_planned_break_of_the_standard_day_is_18_to_19() -> None:
    start, end = local(2027, 3, 9, 14), local(2027, 3, 9, 23)
    assert planned_break(start, end, 60) == ((local(2027, 3, 9, 18), local(2027, 3, 9, 19)),)
    assert planned_break(start, end, 0) == ()
    assert split_bands(start, end, breaks=planned_break(start, end, 60), tables=TABLES) == split_bands(
        start, end, 60, tables=TABLES
    )


@pytest.mark.parametrize(
    "breaks, code, dutch",
    [
        (
            [(15, 16), (15.5, 16.5)],
            "breaks_overlap",
            "pauzes mogen niet overlappen (van 09-03-2027 15:30 tot 09-03-2027 16:00 dubbel)",
        ),
        ([(13, 14.5)], "break_outside", None),
        ([(22.5, 23.5)], "break_outside", None),
        ([(16, 16)], "break_outside", None),
        ([(14, 23)], "break_too_long", "de pauze (540 min) is even lang als de dienst of langer (540 min)"),
        ([(14, 18), (18, 23)], "break_too_long", None),
    ],
)
def test_break_intervals_that_cannot_be_are_refused(breaks, code, dutch) -> None:
    def at(hour: float) -> datetime:
        return local(2027, 3, 9) + timedelta(minutes=round(hour * 60))

    start, end = local(2027, 3, 9, 14), local(2027, 3, 9, 23)
    pauses = [(at(a), at(b)) for a, b in breaks]
    for count in (
        lambda: split_bands(start, end, breaks=pauses, tables=TABLES),
        lambda: break_total(start, end, pauses),
    ):
        with pytest.raises(Refusal) as refused:
            count()
        assert (refused.value.code, refused.value.field) == (code, "breaks")
        assert dutch is None or in_dutch(refused.value) == dutch


def test_break_total_adds_up_separate_breaks() -> None:
    start, end = local(2027, 3, 9, 14), local(2027, 3, 9, 23)
    assert (
        break_total(
            start,
            end,
            [
                (local(2027, 3, 9, 21), local(2027, 3, 9, 21, 30)),
                (local(2027, 3, 9, 16), local(2027, 3, 9, 16, 15)),
            ],
        )
        == 45
    )


@pytest.mark.parametrize(
    "start, end, break_minutes, code, field, dutch",
    [
        (
            local(2027, 3, 9, 23),
            local(2027, 3, 9, 14),
            0,
            "ends_before_start",
            "ends_at",
            "het einde (09-03-2027 14:00) ligt niet na het begin (09-03-2027 23:00)",
        ),
        (local(2027, 3, 9, 14), local(2027, 3, 9, 14), 0, "ends_before_start", "ends_at", None),
        (
            local(2027, 3, 9, 14),
            local(2027, 3, 9, 15),
            60,
            "break_too_long",
            "break_minutes",
            "de pauze (60 min) is even lang als de dienst of langer (60 min)",
        ),
        (local(2027, 3, 9, 14), local(2027, 3, 9, 15), 90, "break_too_long", "break_minutes", None),
        (
            local(2027, 3, 9, 14),
            local(2027, 3, 9, 15),
            -5,
            "break_negative",
            "break_minutes",
            "een pauze kan niet negatief zijn (-5 min)",
        ),
        (
            local(2027, 3, 9, 14, 0) + timedelta(seconds=30),
            local(2027, 3, 9, 15),
            0,
            "not_whole_minutes",
            "starts_at",
            None,
        ),
        (
            datetime(2027, 3, 9, 14),
            datetime(2027, 3, 9, 15),
            0,
            "naive_time",
            None,
            "een tijd zonder tijdzone kan niet worden gerekend",
        ),
        (local(2027, 3, 9, 14), datetime(2027, 3, 9, 15), 0, "naive_time", None, None),
        (
            local(2027, 3, 9, 14),
            local(2027, 3, 11, 14),
            0,
            "span_too_long",
            "ends_at",
            "48 uur aaneen is langer dan de 16 uur die een boeking mag duren",
        ),
    ],
)
def test_impossible_shifts_are_refused_with_a_reason(start, end, break_minutes, code, field, dutch) -> None:
    with pytest.raises(Refusal) as refused:
        split_bands(start, end, break_minutes, tables=TABLES)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert refused.value.reason.english() == str(refused.value)
    if dutch is not None:
        assert in_dutch(refused.value) == dutch


def test_a_negative_break_never_adds_time() -> None:
    # 12 hours with a break of -60 was counted as 13 hours worked.
    with pytest.raises(Refusal, match="negative"):
        split_bands(local(2027, 3, 9, 8), local(2027, 3, 9, 20), -60, tables=TABLES)


def test_sixteen_hours_is_the_longest_entry() -> None:
    assert MAX_SPAN_MINUTES == 16 * 60
    day = split_bands(local(2027, 3, 9, 8), local(2027, 3, 10, 0), 60, tables=TABLES)
    assert day.worked_minutes == 15 * 60
    with pytest.raises(Refusal, match="16:01 hours"):
        split_bands(local(2027, 3, 9, 8), local(2027, 3, 10, 0, 1), tables=TABLES)


@pytest.mark.parametrize(
    "pause, code",
    [
        ((local(2027, 3, 9, 13), local(2027, 3, 9, 14, 30)), "break_outside"),
        ((local(2027, 3, 9, 22, 30), local(2027, 3, 9, 23, 30)), "break_outside"),
        ((local(2027, 3, 9, 17), local(2027, 3, 9, 16)), "break_outside"),
        ((datetime(2027, 3, 9, 16), datetime(2027, 3, 9, 17)), "naive_time"),
        ((local(2027, 3, 9, 16, 0) + timedelta(seconds=1), local(2027, 3, 9, 17)), "not_whole_minutes"),
    ],
)
def test_a_break_outside_the_shift_is_refused(pause, code) -> None:
    with pytest.raises(Refusal) as refused:
        split_bands(local(2027, 3, 9, 14), local(2027, 3, 9, 23), breaks=[pause], tables=TABLES)
    assert refused.value.code == code


# Daylight saving: the last Sunday of March has 23 hours (02:00 becomes 03:00), the
# last Sunday of October 25 (03:00 becomes 02:00). Worked time is real time.


@pytest.mark.parametrize(
    "start, end, worked",
    [
        (local(2027, 10, 31, 1), local(2027, 10, 31, 4), 240),
        (local(2027, 3, 28, 1), local(2027, 3, 28, 4), 120),
        (local(2027, 10, 30, 22), local(2027, 10, 31, 7), 600),
        (local(2027, 3, 27, 22), local(2027, 3, 28, 7), 480),
    ],
    ids=["October 01-04 is four hours", "March 01-04 is two hours", "October night", "March night"],
)
def test_on_the_nights_the_clock_changes_every_real_minute_counts_once(start, end, worked) -> None:
    split = split_bands(start, end, tables=TABLES)
    assert split.worked_minutes == worked
    assert split.minutes == oracle_bands(start, end, [])


def test_the_same_instants_in_any_zone_give_the_same_bands() -> None:
    start, end = local(2027, 10, 30, 20), local(2027, 10, 31, 6)
    expected = {SAT: 240, SUN: 420}
    assert bands(start, end) == expected
    assert bands(start.astimezone(UTC), end.astimezone(UTC)) == expected
    tokyo = ZoneInfo("Asia/Tokyo")
    assert bands(start.astimezone(tokyo), end.astimezone(tokyo)) == expected


def test_the_second_two_oclock_of_october_is_its_own_hour() -> None:
    # 02:00-03:00 happens twice; fold=1 is the second time, after the clock went back.
    first = local(2027, 10, 31, 2)
    second = first.replace(fold=1)
    assert split_bands(first, second, tables=TABLES).worked_minutes == 60
    longer = split_bands(local(2027, 10, 31, 1), second.replace(hour=2, minute=30), tables=TABLES)
    assert longer.worked_minutes == 150


def test_a_break_given_in_minutes_sits_in_the_middle_of_real_time() -> None:
    # 22:00-07:00 on the long night lasts ten hours: the hour's break is 01:30-02:30 summer time.
    split = split_bands(local(2027, 10, 30, 22), local(2027, 10, 31, 7), 60, tables=TABLES)
    pause = [(local(2027, 10, 31, 1, 30), local(2027, 10, 31, 2, 30))]
    assert split.worked_minutes == 540
    assert split.minutes == oracle_bands(local(2027, 10, 30, 22), local(2027, 10, 31, 7), pause)


def test_a_break_around_the_change_is_taken_out_in_real_minutes() -> None:
    start, end = local(2027, 3, 27, 22), local(2027, 3, 28, 6)  # seven real hours
    pause = [(local(2027, 3, 28, 1, 30), local(2027, 3, 28, 3, 30))]  # 01:30-03:30 summer time: one hour
    assert split_bands(start, end, breaks=pause, tables=TABLES).worked_minutes == 360


NEW_YORK = ZoneInfo("America/New_York")


def test_the_bands_are_read_on_the_clock_of_the_zone_given() -> None:
    start, end = datetime(2027, 3, 9, 14, tzinfo=NEW_YORK), datetime(2027, 3, 9, 23, tzinfo=NEW_YORK)
    assert bands(start, end, DAY, zone=NEW_YORK) == {P: 240, W20: 180, W40: 60}
    # The same instants on Amsterdam's clock are 20:00-05:00, the break 00:00-01:00: evening and night.
    assert bands(start, end, DAY) == {W20: 120, W40: 360}


def test_daylight_saving_of_the_zone_given_counts_too() -> None:
    # New York moves its clocks on 14 March and 7 November 2027, Amsterdam on other Sundays.
    spring = split_bands(
        datetime(2027, 3, 14, 0, tzinfo=NEW_YORK),
        datetime(2027, 3, 14, 6, tzinfo=NEW_YORK),
        zone=NEW_YORK,
        tables=TABLES,
    )
    autumn = split_bands(
        datetime(2027, 11, 7, 0, tzinfo=NEW_YORK),
        datetime(2027, 11, 7, 6, tzinfo=NEW_YORK),
        zone=NEW_YORK,
        tables=TABLES,
    )
    assert (spring.worked_minutes, autumn.worked_minutes) == (300, 420)
    assert spring.minutes[SUN] == 300 and autumn.minutes[SUN] == 420
    assert autumn.local_day == date(2027, 11, 7)


@pytest.mark.parametrize(
    "start, day", [(local(2030, 3, 8, 14), "2030-03-08"), (local(2015, 6, 1, 14), "2015-06-01")]
)
def test_a_day_outside_every_ort_table_is_refused_naming_the_table(start, day) -> None:
    with pytest.raises(TableMissing) as missing:
        split_bands(start, start + timedelta(hours=9), DAY, tables=TABLES)
    assert missing.value.code == "no_ort_table"
    assert in_dutch(missing.value) == f"geen ORT-tabel geldt op {day}; ingesteld: 2016-2027"
    with pytest.raises(TableMissing):
        table_on(date.fromisoformat(day), TABLES)


def test_a_shift_into_a_year_without_a_table_is_refused_whole() -> None:
    with pytest.raises(TableMissing, match="2028-01-01"):
        split_bands(local(2027, 12, 31, 20), local(2028, 1, 1, 4), tables=TABLES)


def test_the_last_table_has_an_end() -> None:
    assert all(table.effective_until for table in TABLES)
    assert table_on(date(2027, 12, 31), TABLES) is TABLES[-1]
    assert table_on(date(2025, 12, 31), TABLES) is TABLES[0]


def week(*shifts):
    return exempt_weeks(
        (split_bands(start, end, br, tables=TABLES) for start, end, br in shifts), tables=TABLES
    )


def test_one_short_irregular_stretch_in_a_week_earns_nothing() -> None:
    assert week((local(2027, 3, 8, 13), local(2027, 3, 8, 21), 30)) == {date(2027, 3, 8)}


def test_a_stretch_over_three_hours_earns_its_allowance() -> None:
    assert week((local(2027, 3, 8, 13), local(2027, 3, 8, 21, 30), 30)) == set()


def test_two_short_stretches_in_a_week_earn_their_allowance() -> None:
    assert (
        week(
            (local(2027, 3, 8, 14), local(2027, 3, 8, 20), 0),
            (local(2027, 3, 10, 14), local(2027, 3, 10, 20), 0),
        )
        == set()
    )


def test_the_standard_day_is_never_exempt() -> None:
    assert week((local(2027, 3, 9, 14), local(2027, 3, 9, 23), DAY)) == set()


# Real instants (generated in UTC, shown on Amsterdam's clock): both daylight-saving nights included.
instants = st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2027, 12, 20)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC).astimezone(AMS)
)


@given(instants, st.integers(30, 12 * 60), st.integers(0, 90))
def test_band_minutes_add_up_to_the_worked_minutes(start, length, break_minutes) -> None:
    assume(break_minutes < length)
    end = (start.astimezone(UTC) + timedelta(minutes=length)).astimezone(AMS)
    split = split_bands(start, end, break_minutes, tables=TABLES)
    assert all(0 <= m <= split.worked_minutes for m in split.minutes.values())
    assert sum(split.minutes.values()) == split.worked_minutes == length - break_minutes


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


@given(
    st.datetimes(min_value=datetime(2026, 12, 20), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC).astimezone(AMS)
    ),
    st.integers(30, 14 * 60),
    st.integers(0, 20),
    st.integers(0, 90),
)
def test_split_agrees_with_a_minute_by_minute_reference(start, length, break_at, break_minutes) -> None:
    end = (start.astimezone(UTC) + timedelta(minutes=length)).astimezone(AMS)
    assume(end.year == 2027 or end.month == 1)  # 2028 has no table yet
    pause_from = (start.astimezone(UTC) + timedelta(minutes=min(break_at, length - 1))).astimezone(AMS)
    pause_to = (pause_from.astimezone(UTC) + timedelta(minutes=break_minutes)).astimezone(AMS)
    pause = [(pause_from, min(end, pause_to, key=lambda t: t.astimezone(UTC)))] if break_minutes else []
    assume(not pause or pause[0] != (start, end))  # a break of the whole shift is refused
    split = split_bands(start, end, breaks=pause, tables=TABLES)
    assert split.minutes == oracle_bands(start, end, pause)
