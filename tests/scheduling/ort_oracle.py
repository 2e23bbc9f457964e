"""A slow, obvious ORT reference: look at every worked minute on its own.

Used by the property test and by bench/ort.py as the baseline to check and
measure `scheduling.ort.split_bands` against.
"""

from datetime import UTC, datetime, time, timedelta

from scheduling.calendar import municipal_holidays, team_zone
from scheduling.ort import Band


def minute_band(instant: datetime) -> Band:
    local = instant.astimezone(team_zone())
    if local.weekday() == 6 or municipal_holidays().is_holiday(local.date()):
        return Band.SUNDAY_HOLIDAY
    if local.weekday() == 5:
        return Band.SATURDAY
    clock = local.time()
    if clock < time(6) or clock >= time(22):
        return Band.WEEKDAY_40
    if clock < time(8) or time(18) <= clock:
        return Band.WEEKDAY_20
    return Band.PLAIN


def oracle_bands(
    starts_at: datetime, ends_at: datetime, breaks: list[tuple[datetime, datetime]]
) -> dict[Band, int]:
    """Real minutes: the walk is in UTC (a local clock would count 02:00-03:00 twice, or never)."""
    minutes = dict.fromkeys(Band, 0)
    instant, ends_at = starts_at.astimezone(UTC), ends_at.astimezone(UTC)
    breaks = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in breaks]
    while instant < ends_at:
        if not any(a <= instant < b for a, b in breaks):
            minutes[minute_band(instant)] += 1
        instant += timedelta(minutes=1)
    return minutes
