"""The hour ledger: record worked time with its allowance bands, correct it, approve it.

Entries are never changed. A correction writes a reversal (the same minutes
negated, pointing at the entry it cancels) and a new entry, so every total is
a plain sum. Before approval the inspector may correct their own entry; after
approval only the coordinator can, and nothing dated in a locked period moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from backend.models import HourApproval, HourCategory, HourEntry, PeriodLock
from backend.services import audit, profile
from backend.services.errors import NotFound, Refused
from scheduling import ort
from scheduling.calendar import local_date, local_day_start

MAX_SPAN = timedelta(hours=16)
ONE_DAY = timedelta(days=1)
MAX_BREAK_MINUTES = 240
BAND_FIELDS = {
    ort.Band.PLAIN: "plain_minutes",
    ort.Band.WEEKDAY_20: "weekday_20_minutes",
    ort.Band.WEEKDAY_40: "weekday_40_minutes",
    ort.Band.SATURDAY: "saturday_minutes",
    ort.Band.SUNDAY_HOLIDAY: "sunday_holiday_minutes",
}


def record(session: Session, now: datetime, actor: str, *, inspector_id: int, municipality_id: int,
           category: HourCategory, starts_at: datetime, ends_at: datetime, break_minutes: int,
           shift_id: int | None = None, reason: str | None = None,
           booked_at: datetime | None = None) -> HourEntry:
    """A new entry, its minutes split over the allowance bands where the work was done; with
    `booked_at` it counts in that instant's period (a correction of a closed one)."""
    if ends_at <= starts_at or ends_at - starts_at > MAX_SPAN:
        raise Refused("the end must be after the start, at most 16 hours later", field="ends_at")
    if not 0 <= break_minutes <= MAX_BREAK_MINUTES:
        raise Refused(f"a break is 0 to {MAX_BREAK_MINUTES} minutes", field="break_minutes")
    if (ends_at - starts_at).total_seconds() // 60 <= break_minutes:
        raise Refused("the break is longer than the time worked", field="break_minutes")
    _refuse_if_locked(session, booked_at or starts_at)
    split = ort.split_bands(starts_at, ends_at, break_minutes, calendar=profile.holiday_calendar(session),
                            tables=profile.band_tables(session))
    entry = HourEntry(
        inspector_id=inspector_id, shift_id=shift_id, municipality_id=municipality_id, category=category,
        starts_at=starts_at, ends_at=ends_at, break_minutes=break_minutes,
        worked_minutes=split.worked_minutes, reason=reason, entered_by=actor, entered_at=now,
        booked_at=booked_at,
        **{field: split.minutes[band] for band, field in BAND_FIELDS.items()})
    session.add(entry)
    session.flush()
    audit.record(session, now, actor, "hours.recorded", f"hour_entry:{entry.id}",
                 {"inspector": inspector_id, "shift": shift_id, "minutes": split.worked_minutes})
    return entry


def correct(session: Session, now: datetime, actor: str, entry_id: int, *, starts_at: datetime,
            ends_at: datetime, break_minutes: int, by_coordinator: bool,
            reason: str | None = None) -> HourEntry:
    """Reverse the entry and record the corrected one; refused for an inspector once it is approved."""
    entry = session.get(HourEntry, entry_id)
    if entry is None or entry.reverses_id is not None or is_reversed(session, entry.id):
        raise NotFound("entry_id", "no current hour entry with this id")
    if is_approved(session, entry.id) and not by_coordinator:
        raise Refused("these hours are approved; only the coordinator can correct them", field="entry_id")
    # A closed period does not move: the coordinator's correction of it is booked now, in an
    # open period, and shows there (with its reason) in the next export.
    booked_at = now if by_coordinator and is_locked(session, entry.counts_at) else None
    _refuse_if_locked(session, booked_at or entry.counts_at)
    negated = {field: -getattr(entry, field) for field in (*BAND_FIELDS.values(), "worked_minutes",
                                                          "break_minutes")}
    reversal = HourEntry(
        inspector_id=entry.inspector_id, shift_id=entry.shift_id, municipality_id=entry.municipality_id,
        category=entry.category, starts_at=entry.starts_at, ends_at=entry.ends_at, reverses_id=entry.id,
        reason=reason, entered_by=actor, entered_at=now, booked_at=booked_at or entry.booked_at, **negated)
    session.add(reversal)
    session.flush()
    audit.record(session, now, actor, "hours.reversed", f"hour_entry:{entry.id}", {"reversal": reversal.id})
    corrected = record(session, now, actor, inspector_id=entry.inspector_id,
                       municipality_id=entry.municipality_id, category=entry.category, starts_at=starts_at,
                       ends_at=ends_at, break_minutes=break_minutes, shift_id=entry.shift_id, reason=reason,
                       booked_at=booked_at or entry.booked_at)
    if by_coordinator:  # the coordinator's own correction needs no second approval
        approve(session, now, actor, reversal.id, reversal=True)
        approve(session, now, actor, corrected.id)
    return corrected


def approve(session: Session, now: datetime, actor: str, entry_id: int, reversal: bool = False) -> bool:
    """Approve a current entry (or, with `reversal`, a reversal); False when it already was."""
    entry = session.get(HourEntry, entry_id)
    if entry is None or (entry.reverses_id is not None) != reversal or is_reversed(session, entry.id):
        raise NotFound("entry_id", "no current hour entry with this id")
    if is_approved(session, entry_id):
        return False
    session.add(HourApproval(entry_id=entry_id, approved_by=actor, approved_at=now))
    session.flush()
    audit.record(session, now, actor, "hours.approved", f"hour_entry:{entry_id}")
    return True


def current_entry(session: Session, inspector_id: int, shift_id: int,
                  category: HourCategory | None = None) -> HourEntry | None:
    """The inspector's standing entry for this shift (of this category): not a reversal, not reversed."""
    reversal = aliased(HourEntry)
    query = select(HourEntry).where(
        HourEntry.inspector_id == inspector_id, HourEntry.shift_id == shift_id,
        HourEntry.reverses_id.is_(None),
        ~select(reversal.id).where(reversal.reverses_id == HourEntry.id).exists())
    if category is not None:
        query = query.where(HourEntry.category == category)
    else:
        query = query.where(HourEntry.category != HourCategory.REPORT)
    return session.execute(query.order_by(HourEntry.id.desc()).limit(1)).scalar_one_or_none()


def is_approved(session: Session, entry_id: int) -> bool:
    found = session.execute(select(HourApproval.id).where(HourApproval.entry_id == entry_id)).first()
    return found is not None


def is_reversed(session: Session, entry_id: int) -> bool:
    return session.execute(select(HourEntry.id).where(HourEntry.reverses_id == entry_id)).first() is not None


def is_locked(session: Session, instant: datetime) -> bool:
    day = local_date(instant)
    return session.execute(select(PeriodLock.id).where(
        PeriodLock.period_start <= day, PeriodLock.period_end >= day)).first() is not None


def _refuse_if_locked(session: Session, instant: datetime) -> None:
    if is_locked(session, instant):
        raise Refused(f"the period containing {local_date(instant).isoformat()} is closed", field="starts_at")


def approve_many(session: Session, now: datetime, actor: str, entry_ids: Sequence[int]) -> int:
    """Approve these entries (reversals included); returns how many were newly approved."""
    approved = 0
    for entry_id in sorted(set(entry_ids)):
        entry = session.get(HourEntry, entry_id)
        if entry is None:
            raise NotFound("entry_ids", f"no hour entry {entry_id}")
        if entry.reverses_id is None and is_reversed(session, entry_id):
            continue  # replaced by a correction since the page was loaded; its successor is listed
        approved += approve(session, now, actor, entry_id, reversal=entry.reverses_id is not None)
    return approved


def unapproved(session: Session, start: date, end: date) -> list[HourEntry]:
    """Entries (and reversals) dated in [start, end] that still wait for approval, oldest first."""
    reversal = aliased(HourEntry)
    return list(session.execute(select(HourEntry).where(
        HourEntry.counts_at >= local_day_start(start), HourEntry.counts_at < local_day_start(end + ONE_DAY),
        ~select(HourApproval.id).where(HourApproval.entry_id == HourEntry.id).exists(),
        ~select(reversal.id).where(reversal.reverses_id == HourEntry.id).exists())
        .order_by(HourEntry.starts_at, HourEntry.id)).scalars())


def lock_period(session: Session, now: datetime, actor: str, start: date, end: date) -> PeriodLock:
    """Close [start, end]: refused while an entry in it waits for approval or it overlaps a closed one."""
    if end < start:
        raise Refused("the period ends before it starts", field="period_end")
    if unapproved(session, start, end):
        raise Refused("hours in this period still wait for approval", field="period_start")
    overlapping = session.execute(select(PeriodLock.id).where(
        PeriodLock.period_start <= end, PeriodLock.period_end >= start)).first()
    if overlapping:
        raise Refused("this period overlaps a period that is already closed", field="period_start")
    lock = PeriodLock(period_start=start, period_end=end, locked_by=actor, locked_at=now)
    session.add(lock)
    session.flush()
    audit.record(session, now, actor, "period.locked", f"period:{start.isoformat()}",
                 {"end": end.isoformat()})
    return lock


def locks(session: Session) -> list[PeriodLock]:
    return list(session.execute(select(PeriodLock).order_by(PeriodLock.period_start.desc())).scalars())


def mark_exported(session: Session, now: datetime, actor: str, start: date, end: date, kind: str) -> bool:
    """Note on every closed period inside [start, end] that it was exported; True if all of it is closed."""
    covered = 0
    for lock in locks(session):
        if lock.period_start >= start and lock.period_end <= end:
            lock.exported_at = lock.exported_at or now
            covered += (lock.period_end - lock.period_start).days + 1
    audit.record(session, now, actor, "ledger.exported", f"period:{start.isoformat()}",
                 {"end": end.isoformat(), "format": kind})
    return covered == (end - start).days + 1
