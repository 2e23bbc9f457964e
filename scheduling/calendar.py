"""Local time and public holidays, as the collective agreement counts them.

Rules are evaluated in the team's zone (the region's, set once at start by
`use_team_zone`; Europe/Amsterdam until then); instants are stored in UTC.
The holiday list comes from the `holidays` package, configured rather than
hand-listed: its Dutch `public` category names Liberation Day only every fifth
year and does include Good Friday, while the municipal agreement counts
Liberation Day every year and Good Friday never.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduling.reasons import Refusal

DEFAULT_ZONE = ZoneInfo("Europe/Amsterdam")
"""The zone of pure calculations before a process knows its region's (tests, benchmarks)."""
_team_zone = DEFAULT_ZONE


def use_team_zone(zone: ZoneInfo | str) -> None:
    """Make `zone` the one every rule of time uses in this process: the region's, read at start.

    A deployment serves one region, so this is set once, like the key ring; the
    functions below take an explicit zone where a caller needs another."""
    global _team_zone
    _team_zone = ZoneInfo(zone) if isinstance(zone, str) else zone


def team_zone() -> ZoneInfo:
    """The zone the rules of time are evaluated in."""
    return _team_zone


@dataclass(frozen=True)
class HolidayRule:
    """Which days count as public holidays for the allowance."""

    country: str = "NL"
    categories: tuple[str, ...] = ("public", "optional")
    excluded: frozenset[str] = field(default_factory=lambda: frozenset({"Good Friday"}))


MUNICIPAL_HOLIDAYS = HolidayRule()


class PublicHolidays:
    """Answers "is this local date a public holiday?" for any year, lazily."""

    def __init__(self, rule: HolidayRule = MUNICIPAL_HOLIDAYS) -> None:
        self.rule = rule
        self._by_year: dict[int, dict[date, str]] = {}

    def in_year(self, year: int) -> dict[date, str]:
        """The holidays of one year, by date, with their English names."""
        if year not in self._by_year:
            import holidays  # here, not at the top: its calendars take a third of a second to import,
            # which every process paid (the bot's children too) whether it counted a holiday or not

            found = holidays.country_holidays(
                self.rule.country, years=year, categories=self.rule.categories, language="en_US"
            )
            self._by_year[year] = {
                day: name for day, name in sorted(found.items()) if name not in self.rule.excluded
            }
        return self._by_year[year]

    def name(self, day: date) -> str | None:
        return self.in_year(day.year).get(day)

    def is_holiday(self, day: date) -> bool:
        return day in self.in_year(day.year)


@lru_cache(maxsize=1)
def municipal_holidays() -> PublicHolidays:
    """The shared default calendar (holiday lists are computed once per year)."""
    return PublicHolidays()


def local_instant(day: date, at: time, zone: ZoneInfo | None = None) -> datetime:
    """The UTC instant of a local wall-clock time on `day`."""
    return datetime.combine(day, at, tzinfo=zone or _team_zone).astimezone(UTC)


def local_day_start(day: date, zone: ZoneInfo | None = None) -> datetime:
    """Local midnight at the start of `day`, as a UTC instant (days last 23 or 25 hours at DST)."""
    return local_instant(day, time(0), zone)


def local_date(instant: datetime, zone: ZoneInfo | None = None) -> date:
    return instant.astimezone(zone or _team_zone).date()


def week_start(day: date) -> date:
    """Monday of the ISO week that holds `day`."""
    return day - timedelta(days=day.weekday())


def require_aware(*instants: datetime) -> None:
    """Refuse a naive time: whether it meant UTC or the team's clock cannot be guessed."""
    for instant in instants:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise Refusal("naive_time")


def in_utc(*instants: datetime) -> tuple[datetime, ...]:
    """Aware times as UTC instants, so that differences and comparisons are in real time.

    Python subtracts and compares two datetimes of the same zone by their
    clocks, ignoring the offset: 01:00-04:00 on the long October night would
    count three hours instead of four. In UTC there is no such trap.
    """
    require_aware(*instants)
    return tuple(instant.astimezone(UTC) for instant in instants)
