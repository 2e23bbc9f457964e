"""The irregular-hours allowance (ORT): which worked minutes fall in which band.

Band minutes are the ledger's truth; money follows from them and from the
rate tables (`scheduling.money`). The bands are data with effective dates,
because the agreement changes them (the 2025-2027 agreement raised Saturday
and Sunday) and finance must be able to confirm the figures: they come from
the team's profile (the database), and no table is written here.

Band edges are local wall-clock times; work is measured in real minutes. A
local day lasts 23 or 25 hours on a daylight-saving Sunday, so every local
edge is turned into a UTC instant before anything is measured.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache

from scheduling.calendar import (
    PublicHolidays,
    local_date,
    local_instant,
    municipal_holidays,
    require_aware,
    week_start,
)

Span = tuple[datetime, datetime]


class Band(enum.StrEnum):
    PLAIN = "plain"
    WEEKDAY_20 = "weekday_20"
    WEEKDAY_40 = "weekday_40"
    SATURDAY = "saturday"
    SUNDAY_HOLIDAY = "sunday_holiday"


@dataclass(frozen=True)
class BandTable:
    """One version of the allowance rules, in force from `effective_from`."""

    effective_from: date
    weekday_windows: tuple[tuple[time, time | None, Band], ...]
    """Monday to Friday: (from, until, band); `None` means midnight at the end of the day."""
    percentages: Mapping[Band, Fraction]
    source: str
    exempt_stretch_minutes: int = 180
    """A week whose only irregular work is one stretch of at most this long earns nothing."""

    def percentage(self, band: Band) -> Fraction:
        return self.percentages.get(band, Fraction(0))


def table_on(day: date, tables: Sequence[BandTable]) -> BandTable:
    """The table in force on a local date."""
    in_force = [t for t in tables if t.effective_from <= day]
    if not in_force:
        raise ValueError(f"no allowance table is in force on {day.isoformat()}")
    return max(in_force, key=lambda t: t.effective_from)


@dataclass(frozen=True)
class BandSplit:
    """Worked minutes of one interval, per band; they always add up to `worked_minutes`."""

    minutes: Mapping[Band, int]
    worked_minutes: int
    irregular_stretches: tuple[Span, ...]
    """Contiguous stretches of the shift inside an allowance band (breaks do not cut them)."""
    starts_at: datetime

    @property
    def irregular_minutes(self) -> int:
        return self.worked_minutes - self.minutes[Band.PLAIN]

    def allowance_minutes(self, tables: Sequence[BandTable]) -> Fraction:
        """Minutes weighted by their allowance, under the table in force when the work started."""
        table = table_on(local_date(self.starts_at), tables)
        return sum((table.percentage(b) * m for b, m in self.minutes.items()), Fraction(0))


def split_bands(starts_at: datetime, ends_at: datetime, break_minutes: int = 0,
                breaks: Sequence[Span] | None = None,
                calendar: PublicHolidays | None = None, *,
                tables: Sequence[BandTable]) -> BandSplit:
    """Split a worked interval into band minutes.

    Explicit `breaks` are taken out where they were. A break known only as a
    number of minutes is placed around the middle of the shift, which for the
    standard 14:00-23:00 day puts it inside 18:00-22:00, as the budget assumes.
    """
    require_aware(starts_at, ends_at)
    _require_whole_minutes(starts_at, ends_at)
    if ends_at <= starts_at:
        raise ValueError("a shift must end after it starts")
    pauses = list(breaks) if breaks is not None else _centred_break(starts_at, ends_at, break_minutes)
    worked = _subtract((starts_at, ends_at), pauses)
    segments = _segments(starts_at, ends_at, calendar or municipal_holidays(), tuple(tables))
    minutes = dict.fromkeys(Band, 0)
    for seg_from, seg_to, band in segments:
        for work_from, work_to in worked:
            overlap = (min(seg_to, work_to) - max(seg_from, work_from)).total_seconds()
            if overlap > 0:
                minutes[band] += int(overlap) // 60
    stretches = _irregular_stretches(segments)
    return BandSplit(minutes, sum(minutes.values()), stretches, starts_at)


def exempt_weeks(splits: Iterable[BandSplit],
                 tables: Sequence[BandTable]) -> set[date]:
    """Mondays of the weeks in which one inspector's irregular work earns nothing.

    CAR-UWO 3:11 lid 2: no allowance in a week whose only irregular work is one
    contiguous stretch of at most three hours. An entry belongs to the week in
    which it starts; stretches of different entries that touch count as one.
    """
    by_week: dict[date, list[BandSplit]] = {}
    for split in splits:
        by_week.setdefault(week_start(local_date(split.starts_at)), []).append(split)
    exempt = set()
    for monday, week in by_week.items():
        stretches = _merge(sorted(s for split in week for s in split.irregular_stretches))
        irregular = sum(split.irregular_minutes for split in week)
        limit = table_on(monday, tables).exempt_stretch_minutes
        if len(stretches) == 1 and irregular <= limit:
            exempt.add(monday)
    return exempt


def on_whole_minutes(*instants: datetime | time) -> bool:
    """Shift and hour times are kept to the minute: the allowance bands are counted in minutes."""
    return not any(i.second or i.microsecond for i in instants)


def _require_whole_minutes(*instants: datetime) -> None:
    if not on_whole_minutes(*instants):
        raise ValueError("shift times are kept to the minute")


def _centred_break(starts_at: datetime, ends_at: datetime, minutes: int) -> list[Span]:
    if minutes < 0:
        raise ValueError("a break cannot be negative")
    if minutes == 0:
        return []
    length = ends_at - starts_at
    if timedelta(minutes=minutes) >= length:
        raise ValueError("the break is as long as the shift or longer")
    middle_minute = int(length.total_seconds()) // 120
    start = starts_at + timedelta(minutes=middle_minute - minutes // 2)
    return [(start, start + timedelta(minutes=minutes))]


def _subtract(span: Span, pauses: Sequence[Span]) -> list[Span]:
    pieces = [span]
    for pause_from, pause_to in pauses:
        require_aware(pause_from, pause_to)
        if not (span[0] <= pause_from < pause_to <= span[1]):
            raise ValueError("a break must lie inside the shift")
        cut = [((a, min(b, pause_from)), (max(a, pause_to), b)) for a, b in pieces]
        pieces = [piece for halves in cut for piece in halves if piece[0] < piece[1]]
    return pieces


def _segments(starts_at: datetime, ends_at: datetime, calendar: PublicHolidays,
              tables: tuple[BandTable, ...]) -> list[tuple[datetime, datetime, Band]]:
    """The band segments of every local day the interval touches, clipped to it."""
    day, last = local_date(starts_at), local_date(ends_at - timedelta(microseconds=1))
    found = []
    while day <= last:
        kind = _day_kind(day, calendar)
        for seg_from, seg_to, band in _day_segments(day, kind, table_on(day, tables).weekday_windows):
            clipped_from, clipped_to = max(seg_from, starts_at), min(seg_to, ends_at)
            if clipped_from < clipped_to:
                found.append((clipped_from, clipped_to, band))
        day += timedelta(days=1)
    return found


def _day_kind(day: date, calendar: PublicHolidays) -> Band | None:
    """The band of the whole day, or None for a weekday (whose bands depend on the hour)."""
    if day.weekday() == 6 or calendar.is_holiday(day):
        return Band.SUNDAY_HOLIDAY
    if day.weekday() == 5:
        return Band.SATURDAY
    return None


@lru_cache(maxsize=4096)
def _day_segments(day: date, whole_day: Band | None,
                  windows: tuple[tuple[time, time | None, Band], ...],
                  ) -> tuple[tuple[datetime, datetime, Band], ...]:
    """One local day cut into bands, as UTC instants."""
    midnight, next_midnight = local_instant(day, time(0)), local_instant(day + timedelta(days=1), time(0))
    if whole_day is not None:
        return ((midnight, next_midnight, whole_day),)
    segments, cursor = [], midnight
    for window_from, window_to, band in sorted(windows, key=lambda w: w[0]):
        edge_from = local_instant(day, window_from)
        edge_to = next_midnight if window_to is None else local_instant(day, window_to)
        if cursor < edge_from:
            segments.append((cursor, edge_from, Band.PLAIN))
        segments.append((edge_from, edge_to, band))
        cursor = edge_to
    if cursor < next_midnight:
        segments.append((cursor, next_midnight, Band.PLAIN))
    return tuple(segments)


def _irregular_stretches(segments: Sequence[tuple[datetime, datetime, Band]]) -> tuple[Span, ...]:
    return tuple(_merge([(a, b) for a, b, band in segments if band is not Band.PLAIN]))


def _merge(spans: Sequence[Span]) -> list[Span]:
    merged: list[Span] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
