"""The irregular-hours allowance (ORT): which worked minutes fall in which band.

Band minutes are the ledger's truth; money follows from them and from the
rate tables (`scheduling.money`). The bands are data with effective dates,
because the agreement changes them (the 2025-2027 agreement raised Saturday
and Sunday) and finance must be able to confirm the figures: they come from
the team's profile (the database), and no table is written here.

Band edges are local wall-clock times in the team's zone (a parameter); work
is measured in real minutes. A local day lasts 23 or 25 hours on a
daylight-saving Sunday, so every local edge is turned into a UTC instant, and
every time given is taken to UTC, before anything is measured.

Each table is valid for a range of dates; a day outside every range is refused
(`TableMissing`) rather than counted under the nearest table.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from functools import lru_cache
from itertools import pairwise
from zoneinfo import ZoneInfo

from scheduling import tables as dated
from scheduling.calendar import (
    PublicHolidays,
    in_utc,
    local_date,
    local_instant,
    municipal_holidays,
    team_zone,
    week_start,
)
from scheduling.reasons import Refusal

Span = tuple[datetime, datetime]


class Band(enum.StrEnum):
    PLAIN = "plain"
    WEEKDAY_20 = "weekday_20"
    WEEKDAY_40 = "weekday_40"
    SATURDAY = "saturday"
    SUNDAY_HOLIDAY = "sunday_holiday"


@dataclass(frozen=True)
class BandTable:
    """One version of the allowance rules, valid from `effective_from` to `effective_until` (included)."""

    effective_from: date
    effective_until: date
    weekday_windows: tuple[tuple[time, time | None, Band], ...]
    """Monday to Friday: (from, until, band); `None` means midnight at the end of the day."""
    percentages: Mapping[Band, Fraction]
    source: str
    exempt_stretch_minutes: int = 180
    """A week whose only irregular work is one stretch of at most this long earns nothing."""

    def percentage(self, band: Band) -> Fraction:
        return self.percentages.get(band, Fraction(0))


MAX_SPAN_MINUTES = 16 * 60
"""The longest interval one entry may cover: a shift that overran the law's 12 hours
is still worked time, but two days in one entry is a typing error."""


def table_on(day: date, tables: Sequence[BandTable]) -> BandTable:
    """The table valid on a local date; `TableMissing` ("no_ort_table") when none is."""
    return dated.on(day, tables, "no_ort_table")


@dataclass(frozen=True)
class BandSplit:
    """Worked minutes of one interval, per band; they always add up to `worked_minutes`."""

    minutes: Mapping[Band, int]
    worked_minutes: int
    irregular_stretches: tuple[Span, ...]
    """Contiguous stretches of the shift inside an allowance band (breaks do not cut them)."""
    starts_at: datetime
    zone: ZoneInfo = field(default_factory=team_zone)
    """The zone whose clock and calendar the bands were read in."""

    @property
    def local_day(self) -> date:
        """The day the work started, on the zone's clock: its table and its week are that day's."""
        return local_date(self.starts_at, self.zone)

    @property
    def irregular_minutes(self) -> int:
        return self.worked_minutes - self.minutes[Band.PLAIN]

    def allowance_minutes(self, tables: Sequence[BandTable]) -> Fraction:
        """Minutes weighted by their allowance, under the table in force when the work started."""
        table = table_on(self.local_day, tables)
        return sum((table.percentage(b) * m for b, m in self.minutes.items()), Fraction(0))


def split_bands(
    starts_at: datetime,
    ends_at: datetime,
    break_minutes: int = 0,
    breaks: Sequence[Span] | None = None,
    calendar: PublicHolidays | None = None,
    *,
    tables: Sequence[BandTable],
    zone: ZoneInfo | None = None,
) -> BandSplit:
    """Split a worked interval into band minutes, the bands read on `zone`'s clock.

    Any aware times will do (they are taken to UTC first); naive ones, an end
    not after the start, a span over `MAX_SPAN_MINUTES`, a negative break or one
    as long as the shift, and a day no table covers are refused (`Refusal`).
    Explicit `breaks` are taken out where they were (each inside the shift, apart
    from the others); that is what the ledger passes, since where a break falls
    decides the allowance. A break known only as a number of minutes (the
    plan's) is placed where `planned_break` puts it.
    """
    zone = zone or team_zone()
    starts_at, ends_at = in_utc(starts_at, ends_at)
    _require_whole_minutes(starts_at, ends_at)
    _require_span(starts_at, ends_at, zone)
    if breaks is not None:
        pauses = _utc_breaks(breaks)
        _require_apart((starts_at, ends_at), pauses, zone)
    else:
        pauses = _centred_break(starts_at, ends_at, break_minutes)
    worked = _subtract((starts_at, ends_at), pauses, zone)
    segments = _segments(starts_at, ends_at, calendar or municipal_holidays(), tuple(tables), zone)
    minutes = dict.fromkeys(Band, 0)
    for seg_from, seg_to, band in segments:
        for work_from, work_to in worked:
            overlap = (min(seg_to, work_to) - max(seg_from, work_from)).total_seconds()
            if overlap > 0:
                minutes[band] += int(overlap) // 60
    stretches = _irregular_stretches(segments)
    return BandSplit(minutes, sum(minutes.values()), stretches, starts_at, zone)


def exempt_weeks(splits: Iterable[BandSplit], tables: Sequence[BandTable]) -> set[date]:
    """Mondays of the weeks in which one inspector's irregular work earns nothing.

    CAR-UWO 3:11 lid 2: no allowance in a week whose only irregular work is one
    contiguous stretch of at most three hours. An entry belongs to the week in
    which it starts (in the zone its bands were read in); stretches of different
    entries that touch count as one. The limit is the one of the table valid on
    the week's first worked day (a Monday may precede the first table).
    """
    by_week: dict[date, list[BandSplit]] = {}
    for split in splits:
        by_week.setdefault(week_start(split.local_day), []).append(split)
    exempt = set()
    for monday, week in by_week.items():
        stretches = _merge(sorted(s for split in week for s in split.irregular_stretches))
        irregular = sum(split.irregular_minutes for split in week)
        first_day = min(split.local_day for split in week)
        limit = table_on(first_day, tables).exempt_stretch_minutes
        if len(stretches) == 1 and irregular <= limit:
            exempt.add(monday)
    return exempt


def planned_break(starts_at: datetime, ends_at: datetime, minutes: int) -> tuple[Span, ...]:
    """Where a break of this length is planned when nobody said when: around the middle of the shift,
    which for the standard 14:00-23:00 day is 18:00-19:00, inside 18:00-22:00 as the budget assumes.

    Only a default to offer (and the meaning of entries made before breaks had times): the ledger
    books the break where the inspector says it was.
    """
    start, end = in_utc(starts_at, ends_at)
    return tuple(_centred_break(start, end, minutes))


def break_total(
    starts_at: datetime, ends_at: datetime, breaks: Sequence[Span], zone: ZoneInfo | None = None
) -> int:
    """Minutes of these breaks; refused (`Refusal`) unless each lies inside the shift, to the minute,
    apart from the others (an overlap would count its minutes twice) and leaving some work."""
    start, end = in_utc(starts_at, ends_at)
    pauses = _utc_breaks(breaks)
    _require_apart((start, end), pauses, zone or team_zone())
    return sum(int((b - a).total_seconds()) // 60 for a, b in pauses)


def on_whole_minutes(*instants: datetime | time) -> bool:
    """Shift and hour times are kept to the minute: the allowance bands are counted in minutes."""
    return not any(i.second or i.microsecond for i in instants)


def _require_whole_minutes(*instants: datetime) -> None:
    if not on_whole_minutes(*instants):
        raise Refusal("not_whole_minutes", field="starts_at")


def _require_span(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> None:
    """Both in UTC: the end after the start, and not more than one entry may cover."""
    if ends_at <= starts_at:
        raise Refusal(
            "ends_before_start", field="ends_at", start=_clock(starts_at, zone), end=_clock(ends_at, zone)
        )
    minutes = int((ends_at - starts_at).total_seconds()) // 60
    if minutes > MAX_SPAN_MINUTES:
        raise Refusal("span_too_long", field="ends_at", hours=_hours(minutes), limit=_hours(MAX_SPAN_MINUTES))


def _centred_break(starts_at: datetime, ends_at: datetime, minutes: int) -> list[Span]:
    if minutes < 0:
        raise Refusal("break_negative", field="break_minutes", minutes=str(minutes))
    if minutes == 0:
        return []
    length = ends_at - starts_at
    if timedelta(minutes=minutes) >= length:
        raise Refusal(
            "break_too_long",
            field="break_minutes",
            minutes=str(minutes),
            length=str(int(length.total_seconds()) // 60),
        )
    middle_minute = int(length.total_seconds()) // 120
    start = starts_at + timedelta(minutes=middle_minute - minutes // 2)
    return [(start, start + timedelta(minutes=minutes))]


def _utc_breaks(breaks: Sequence[Span]) -> list[Span]:
    pauses = [(a, b) for a, b in (in_utc(*pause) for pause in breaks)]
    _require_whole_minutes(*(instant for pause in pauses for instant in pause))
    return pauses


def _require_apart(span: Span, pauses: Sequence[Span], zone: ZoneInfo) -> None:
    """Every time in UTC: each break inside the span, none overlapping another, some work left."""
    ordered = sorted(pauses)
    for pause_from, pause_to in ordered:
        if not (span[0] <= pause_from < pause_to <= span[1]):
            raise Refusal(
                "break_outside", field="breaks", start=_clock(pause_from, zone), end=_clock(pause_to, zone)
            )
    for earlier, later in pairwise(ordered):
        if later[0] < earlier[1]:
            raise Refusal(
                "breaks_overlap", field="breaks", start=_clock(later[0], zone), end=_clock(earlier[1], zone)
            )
    total = sum(int((b - a).total_seconds()) // 60 for a, b in ordered)
    length = int((span[1] - span[0]).total_seconds()) // 60
    if total >= length:
        raise Refusal("break_too_long", field="breaks", minutes=str(total), length=str(length))


def _subtract(span: Span, pauses: Sequence[Span], zone: ZoneInfo) -> list[Span]:
    """The worked pieces of `span` without the pauses; every time in UTC."""
    pieces = [span]
    for pause_from, pause_to in pauses:
        if not (span[0] <= pause_from < pause_to <= span[1]):
            raise Refusal(
                "break_outside", field="breaks", start=_clock(pause_from, zone), end=_clock(pause_to, zone)
            )
        cut = [((a, min(b, pause_from)), (max(a, pause_to), b)) for a, b in pieces]
        pieces = [piece for halves in cut for piece in halves if piece[0] < piece[1]]
    return pieces


def _segments(
    starts_at: datetime,
    ends_at: datetime,
    calendar: PublicHolidays,
    tables: tuple[BandTable, ...],
    zone: ZoneInfo,
) -> list[tuple[datetime, datetime, Band]]:
    """The band segments of every local day the interval touches, clipped to it."""
    day, last = local_date(starts_at, zone), local_date(ends_at - timedelta(microseconds=1), zone)
    found = []
    while day <= last:
        kind = _day_kind(day, calendar)
        windows = table_on(day, tables).weekday_windows
        for seg_from, seg_to, band in _day_segments(day, kind, windows, zone):
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
def _day_segments(
    day: date,
    whole_day: Band | None,
    windows: tuple[tuple[time, time | None, Band], ...],
    zone: ZoneInfo,
) -> tuple[tuple[datetime, datetime, Band], ...]:
    """One local day cut into bands, as UTC instants."""
    midnight = local_instant(day, time(0), zone)
    next_midnight = local_instant(day + timedelta(days=1), time(0), zone)
    if whole_day is not None:
        return ((midnight, next_midnight, whole_day),)
    segments, cursor = [], midnight
    for window_from, window_to, band in sorted(windows, key=lambda w: w[0]):
        edge_from = local_instant(day, window_from, zone)
        edge_to = next_midnight if window_to is None else local_instant(day, window_to, zone)
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


def _clock(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%d-%m-%Y %H:%M")


def _hours(minutes: int) -> str:
    whole, rest = divmod(minutes, 60)
    return f"{whole}:{rest:02d}" if rest else str(whole)
