"""Working-time law (Arbeidstijdenwet) as the team applies it when pairing.

At most 12 hours in a shift and 60 in a week, 11 hours of rest between
shifts, and a flag on night shifts (more than an hour between 00:00 and 06:00).
Each broken rule comes back as a reason the coordinator can read.

Durations are real time: a shift's times are taken to UTC when it is made,
so the 12-hour maximum and the 11-hour rest hold across a change of the clock;
days, weeks and nights are read on the clock of the team's zone (a parameter).
A shift that cannot be (naive times, ending before it starts, a negative break
or one as long as the shift) is refused when it is made (`Refusal`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.calendar import in_utc, local_date, local_instant, team_zone, week_start
from scheduling.reasons import Reason, Refusal


@dataclass(frozen=True)
class Limits:
    shift_minutes: int = 12 * 60
    week_minutes: int = 60 * 60
    rest_minutes: int = 11 * 60
    night_minutes: int = 60
    """A shift with more than this between 00:00 and 06:00 is a night shift."""


LAW = Limits()


@dataclass(frozen=True)
class Shift:
    """A shift someone works or would work; its times are kept in UTC."""

    starts_at: datetime
    ends_at: datetime
    break_minutes: int = 0

    def __post_init__(self) -> None:
        starts_at, ends_at = in_utc(self.starts_at, self.ends_at)
        if ends_at <= starts_at:
            raise Refusal(
                "ends_before_start",
                field="ends_at",
                start=_as_given(self.starts_at),
                end=_as_given(self.ends_at),
            )
        length = _minutes(ends_at - starts_at)
        if self.break_minutes < 0:
            raise Refusal("break_negative", field="break_minutes", minutes=str(self.break_minutes))
        if self.break_minutes >= length:
            raise Refusal(
                "break_too_long", field="break_minutes", minutes=str(self.break_minutes), length=str(length)
            )
        object.__setattr__(self, "starts_at", starts_at)  # frozen: set once, here
        object.__setattr__(self, "ends_at", ends_at)

    @property
    def worked_minutes(self) -> int:
        return _minutes(self.ends_at - self.starts_at) - self.break_minutes

    def overlaps(self, other: Shift) -> bool:
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


@dataclass(frozen=True)
class WorktimeCheck:
    violations: tuple[Reason, ...]
    is_night_shift: bool

    @property
    def is_allowed(self) -> bool:
        return not self.violations


def check_shift(
    proposed: Shift, others: Sequence[Shift], limits: Limits = LAW, zone: ZoneInfo | None = None
) -> WorktimeCheck:
    """Would `proposed` break the law for someone who already works `others`? Weeks and nights in `zone`."""
    zone = zone or team_zone()
    found = [
        *_overlaps(proposed, others, zone),
        *_too_long(proposed, limits),
        *_weeks_too_long(proposed, others, limits, zone),
        *_rest_too_short(proposed, others, limits, zone),
    ]
    return WorktimeCheck(tuple(found), night_minutes(proposed, zone) > limits.night_minutes)


def night_minutes(shift: Shift, zone: ZoneInfo | None = None) -> int:
    """Minutes of the shift between 00:00 and 06:00 local time, on any night it touches."""
    zone = zone or team_zone()
    total, day = 0, local_date(shift.starts_at, zone)
    while local_instant(day, time(0), zone) < shift.ends_at:
        night_from, night_to = local_instant(day, time(0), zone), local_instant(day, time(6), zone)
        total += max(0, _minutes(min(night_to, shift.ends_at) - max(night_from, shift.starts_at)))
        day += timedelta(days=1)
    return total


def _overlaps(proposed: Shift, others: Sequence[Shift], zone: ZoneInfo) -> list[Reason]:
    return [Reason("overlap", {"at": _when(o.starts_at, zone)}) for o in others if o.overlaps(proposed)]


def _too_long(proposed: Shift, limits: Limits) -> list[Reason]:
    if proposed.worked_minutes <= limits.shift_minutes:
        return []
    return [
        Reason(
            "shift_too_long",
            {"hours": _hours(proposed.worked_minutes), "limit": _hours(limits.shift_minutes)},
        )
    ]


def _weeks_too_long(proposed: Shift, others: Sequence[Shift], limits: Limits, zone: ZoneInfo) -> list[Reason]:
    """The law counts per week; a shift across Sunday midnight counts in both weeks."""
    weeks = {week_start(local_date(proposed.starts_at, zone)), week_start(local_date(proposed.ends_at, zone))}
    found = []
    for monday in sorted(weeks):
        week_from = local_instant(monday, time(0), zone)
        week_to = local_instant(monday + timedelta(days=7), time(0), zone)
        worked = sum(_worked_within(s, week_from, week_to) for s in [*others, proposed])
        if worked > limits.week_minutes:
            found.append(
                Reason(
                    "week_too_long",
                    {
                        "hours": _hours(worked),
                        "week": monday.strftime("%d-%m"),
                        "limit": _hours(limits.week_minutes),
                    },
                )
            )
    return found


def _rest_too_short(proposed: Shift, others: Sequence[Shift], limits: Limits, zone: ZoneInfo) -> list[Reason]:
    found = []
    for other in others:
        if other.overlaps(proposed):
            continue
        gap = (
            proposed.starts_at - other.ends_at
            if other.ends_at <= proposed.starts_at
            else other.starts_at - proposed.ends_at
        )
        if _minutes(gap) < limits.rest_minutes:
            found.append(
                Reason(
                    "rest_too_short",
                    {
                        "hours": _hours(_minutes(gap)),
                        "at": _when(other.starts_at, zone),
                        "limit": _hours(limits.rest_minutes),
                    },
                )
            )
    return found


def _worked_within(shift: Shift, window_from: datetime, window_to: datetime) -> int:
    """Worked minutes inside a window, the break shared out in proportion."""
    inside = _minutes(min(shift.ends_at, window_to) - max(shift.starts_at, window_from))
    if inside <= 0:
        return 0
    length = _minutes(shift.ends_at - shift.starts_at)
    return inside - shift.break_minutes * inside // length


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _hours(minutes: int) -> str:
    whole, rest = divmod(minutes, 60)
    return f"{whole}:{rest:02d}" if rest else str(whole)


def _when(instant: datetime, zone: ZoneInfo) -> str:
    return instant.astimezone(zone).strftime("%d-%m %H:%M")


def _as_given(instant: datetime) -> str:
    """A time on the clock it was given in (the shift has no zone of its own to read it in)."""
    return instant.strftime("%d-%m-%Y %H:%M")
