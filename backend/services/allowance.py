"""The weekly three-hour rule applied to the ledger: the weeks whose allowance is zero, and why.

CAR-UWO 3:11 lid 2 (`scheduling.ort.exempt_weeks`): a week in which an inspector's only
irregular work is one stretch of at most three hours earns no allowance. The entries
keep their band minutes (the ledger's truth); every amount of allowance money computed
from them (the actual settlement, the ledger's allowance minutes) leaves out the entries
of such a week.

A week is judged by the inspector's standing entries that start in it (neither a
reversal nor reversed), approved or not: the best knowledge of what was worked. Every
entry starting in an exempt week, a reversal included, earns nothing, so a reversal
always cancels its original exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, aliased

from backend.models import HourEntry
from backend.services import profile
from backend.services.ledger import BAND_FIELDS
from scheduling import ort
from scheduling.calendar import PublicHolidays, local_date, local_day_start, week_start

WEEK = timedelta(days=7)

WeekKey = tuple[int, date]
"""An inspector and the Monday of a week."""


@dataclass(frozen=True)
class ExemptWeek:
    inspector_id: int
    monday: date
    irregular_minutes: int
    """Minutes in allowance bands that week, all in one stretch of at most three hours."""


def week_of(inspector_id: int, starts_at: datetime) -> WeekKey:
    """The week an entry belongs to: the one in which it starts, in the team's zone."""
    return inspector_id, week_start(local_date(starts_at))


def exempt_weeks(session: Session, start: date, end: date) -> dict[WeekKey, ExemptWeek]:
    """The exempt weeks of entries counted in [start, end] (or worked within a week of it).

    Only a week with a standing entry of at most the longest exempt stretch of any of the
    team's tables can be exempt, so those few are found first and only their weeks are
    judged in full.
    """
    tables = profile.band_tables(session)
    longest = max(table.exempt_stretch_minutes for table in tables)
    candidates = select(HourEntry.inspector_id, HourEntry.starts_at).where(*_candidates(start, end, longest))
    keys = {week_of(i, s) for i, s in session.execute(candidates).all()}
    if not keys:
        return {}
    calendar = profile.holiday_calendar(session)
    weeks: dict[WeekKey, list[ort.BandSplit]] = {}
    for entry in _standing_in(session, keys):
        key = week_of(entry.inspector_id, entry.starts_at)
        if key in keys:
            weeks.setdefault(key, []).append(_split_of(entry, tables, calendar))
    found = {}
    for (inspector_id, monday), splits in weeks.items():
        if monday in ort.exempt_weeks(splits, tables=tables):
            found[inspector_id, monday] = ExemptWeek(
                inspector_id, monday, sum(s.irregular_minutes for s in splits)
            )
    return found


def _standing() -> list[ColumnElement[bool]]:
    reversal = aliased(HourEntry)
    return [
        HourEntry.reverses_id.is_(None),
        ~select(reversal.id).where(reversal.reverses_id == HourEntry.id).exists(),
    ]


def _candidates(start: date, end: date, longest: int) -> list[ColumnElement[bool]]:
    irregular = HourEntry.worked_minutes - HourEntry.plain_minutes
    counted = and_(
        HourEntry.counts_at >= local_day_start(start),
        HourEntry.counts_at < local_day_start(end + timedelta(days=1)),
    )
    worked = and_(
        HourEntry.starts_at >= local_day_start(start - WEEK),
        HourEntry.starts_at < local_day_start(end + WEEK + timedelta(days=1)),
    )
    return [*_standing(), irregular > 0, irregular <= longest, or_(counted, worked)]


def _standing_in(session: Session, keys: Iterable[WeekKey]) -> list[HourEntry]:
    """Standing entries of these inspectors from the first of these weeks to the end of the last."""
    inspectors = {i for i, _ in keys}
    mondays = [m for _, m in keys]
    return list(
        session.execute(
            select(HourEntry).where(
                *_standing(),
                HourEntry.inspector_id.in_(inspectors),
                HourEntry.starts_at >= local_day_start(min(mondays)),
                HourEntry.starts_at < local_day_start(max(mondays) + WEEK),
            )
        ).scalars()
    )


def _split_of(entry: HourEntry, tables: Sequence[ort.BandTable], calendar: PublicHolidays) -> ort.BandSplit:
    """The entry's band split as booked, with its irregular stretches from its clock times (a break
    does not cut a stretch, so the stretches need only the start and the end)."""
    stretches = ort.split_bands(
        entry.starts_at, entry.ends_at, calendar=calendar, tables=tables
    ).irregular_stretches
    minutes = {band: getattr(entry, field) for band, field in BAND_FIELDS.items()}
    return ort.BandSplit(minutes, entry.worked_minutes, stretches, entry.starts_at)
