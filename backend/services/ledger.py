"""The hour ledger: record worked time with its allowance bands, correct it, approve it.

Entries are never changed. A correction writes a reversal (the same minutes
negated, pointing at the entry it cancels) and a new entry (pointing at the one
it replaces), so every total is a plain sum. Before approval the inspector may
correct their own entry; after approval only the coordinator can, and nothing
dated in a locked period moves.

Approval goes by line: the current version of an entry together with its
unapproved earlier versions and their reversals. So the approved minutes are
always the sum of the approved current versions: an original and its reversal
are approved together or not at all, and never count half.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, Select, and_, not_, or_, select, true
from sqlalchemy.orm import Session, aliased

from backend.db import among
from backend.models import (
    HourApproval,
    HourBreak,
    HourCategory,
    HourEntry,
    Inspector,
    Municipality,
    PeriodLock,
    Role,
    Shift,
    ShiftStatus,
)
from backend.services import audit, profile
from backend.services.errors import N_, NotFound, Refused
from scheduling import ort
from scheduling.calendar import local_date, local_day_start, team_zone
from scheduling.ort import Span
from scheduling.reasons import Refusal

ONE_DAY = timedelta(days=1)
MAX_BREAK_MINUTES = 240
BAND_FIELDS = {
    ort.Band.PLAIN: "plain_minutes",
    ort.Band.WEEKDAY_20: "weekday_20_minutes",
    ort.Band.WEEKDAY_40: "weekday_40_minutes",
    ort.Band.SATURDAY: "saturday_minutes",
    ort.Band.SUNDAY_HOLIDAY: "sunday_holiday_minutes",
}


def record(
    session: Session,
    now: datetime,
    actor: str,
    *,
    inspector_id: int,
    municipality_id: int,
    category: HourCategory,
    starts_at: datetime,
    ends_at: datetime,
    breaks: Sequence[Span] = (),
    shift_id: int | None = None,
    reason: str | None = None,
    booked_at: datetime | None = None,
    replaces_id: int | None = None,
) -> HourEntry:
    """A new entry, its minutes split over the allowance bands where the work was done and the
    `breaks` where they were taken; with `booked_at` it counts in that instant's period (a
    correction of a closed one), with `replaces_id` it is the new version of that (reversed) entry."""
    # The core refuses what cannot be counted (naive times, the end not after the start, more
    # than 16 hours, a break outside the work, overlapping another or as long as the work, a day
    # without an ORT table).
    split, break_minutes = count_bands(session, starts_at, ends_at, breaks)
    _refuse_if_locked(session, booked_at or starts_at)
    entry = HourEntry(
        inspector_id=inspector_id,
        shift_id=shift_id,
        municipality_id=municipality_id,
        category=category,
        starts_at=starts_at,
        ends_at=ends_at,
        break_minutes=break_minutes,
        worked_minutes=split.worked_minutes,
        reason=reason,
        entered_by=actor,
        entered_at=now,
        booked_at=booked_at,
        replaces_id=replaces_id,
        breaks=[HourBreak(starts_at=a, ends_at=b) for a, b in sorted(breaks)],
        **{field: split.minutes[band] for band, field in BAND_FIELDS.items()},
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        now,
        actor,
        "hours.recorded",
        f"hour_entry:{entry.id}",
        {"inspector": inspector_id, "shift": shift_id, "minutes": split.worked_minutes},
    )
    return entry


def count_bands(
    session: Session, starts_at: datetime, ends_at: datetime, breaks: Sequence[Span]
) -> tuple[ort.BandSplit, int]:
    """The core's band split under the team's ORT tables and holidays, and the breaks' minutes; what
    it refuses (a day no ORT table covers, a naive time, a break outside the work) is refused here,
    as are breaks over 4 hours together."""
    try:
        split = ort.split_bands(
            starts_at,
            ends_at,
            breaks=breaks,
            calendar=profile.holiday_calendar(session),
            tables=profile.band_tables(session),
        )
        break_minutes = ort.break_total(starts_at, ends_at, breaks)
    except Refusal as refusal:
        raise Refused.because(refusal) from None
    if break_minutes > MAX_BREAK_MINUTES:
        raise Refused(
            "breaks are at most %(limit)s minutes together",
            field="breaks",
            code="breaks_too_long",
            details={"limit": MAX_BREAK_MINUTES},
            params={"limit": MAX_BREAK_MINUTES},
        )
    return split, break_minutes


def correct(
    session: Session,
    now: datetime,
    actor: str,
    entry_id: int,
    *,
    starts_at: datetime,
    ends_at: datetime,
    breaks: Sequence[Span],
    by_coordinator: bool,
    reason: str | None = None,
) -> HourEntry:
    """Reverse the entry and record the corrected one; refused for an inspector once it is approved."""
    entry = session.get(HourEntry, entry_id)
    if entry is None or entry.reverses_id is not None or is_reversed(session, entry.id):
        raise NotFound("entry_id", "no current hour entry with this id", "no_entry")
    was_approved = is_approved(session, entry.id)
    if was_approved and not by_coordinator:
        raise Refused(
            "these hours are approved; only the coordinator can correct them",
            field="entry_id",
            code="entry_approved",
        )
    count_bands(session, starts_at, ends_at, breaks)  # refused before the reversal is written, not after
    # A closed period does not move: the coordinator's correction of it is booked now, in an
    # open period, and shows there (with its reason) in the next export.
    booked_at = now if by_coordinator and is_locked(session, entry.counts_at) else None
    _refuse_if_locked(session, booked_at or entry.counts_at)
    negated = {
        field: -getattr(entry, field) for field in (*BAND_FIELDS.values(), "worked_minutes", "break_minutes")
    }
    reversal = HourEntry(
        inspector_id=entry.inspector_id,
        shift_id=entry.shift_id,
        municipality_id=entry.municipality_id,
        category=entry.category,
        starts_at=entry.starts_at,
        ends_at=entry.ends_at,
        reverses_id=entry.id,
        reason=reason,
        entered_by=actor,
        entered_at=now,
        booked_at=booked_at or entry.booked_at,
        **negated,
    )
    session.add(reversal)
    session.flush()
    audit.record(session, now, actor, "hours.reversed", f"hour_entry:{entry.id}", {"reversal": reversal.id})
    corrected = record(
        session,
        now,
        actor,
        inspector_id=entry.inspector_id,
        municipality_id=entry.municipality_id,
        category=entry.category,
        starts_at=starts_at,
        ends_at=ends_at,
        breaks=breaks,
        shift_id=entry.shift_id,
        reason=reason,
        booked_at=booked_at or entry.booked_at,
        replaces_id=entry.id,
    )
    if was_approved:  # the coordinator's correction of approved hours needs no second approval
        approve(session, now, actor, corrected.id)
    # Otherwise the original, its reversal and the new version wait as one line: approving
    # it approves all three, so the period's approved total is exactly the corrected hours.
    return corrected


@dataclass(frozen=True)
class Pending:
    """One line of the approval list: an entry's current version and what is approved with it."""

    entry: HourEntry
    """The version shown and approved (a reversal only where its entry has no new version)."""
    earlier: tuple[HourEntry, ...]
    """Its unapproved earlier versions and their reversals, approved together with it."""

    @property
    def entry_ids(self) -> list[int]:
        return [self.entry.id, *(e.id for e in self.earlier)]

    @property
    def replaced(self) -> HourEntry | None:
        """The first version still waiting that this line corrects, to show what changed."""
        versions = [e for e in self.earlier if e.reverses_id is None]
        return versions[-1] if versions else None


APPROVES_COORDINATOR = (Role.FINANCE, Role.ADMIN)
"""Who approves the coordinator's own hours: she approves everyone else's, never her own."""
NOT_YOURS = N_(
    "the coordinator's own hours are approved by finance or admin; nobody approves their own hours"
)


def may_approve(session: Session, entry: HourEntry, role: Role, own_inspector_id: int | None) -> bool:
    """Nobody approves their own hours; the coordinator's are finance's or admin's, everyone else's
    the coordinator's."""
    if entry.inspector_id == own_inspector_id:
        return False
    if session.get_one(Inspector, entry.inspector_id).is_coordinator:
        return role in APPROVES_COORDINATOR
    return role is Role.COORDINATOR


def approve(
    session: Session,
    now: datetime,
    actor: str,
    entry_id: int,
    *,
    role: Role = Role.COORDINATOR,
    own_inspector_id: int | None = None,
) -> bool:
    """Approve a line: this current entry with its unapproved earlier versions and their
    reversals; False when all of it already was. Refused where `may_approve` says no."""
    entry = session.get(HourEntry, entry_id)
    if entry is None or not _is_line_head(session, entry):
        raise NotFound("entry_id", "no current hour entry with this id", "no_entry")
    if not may_approve(session, entry, role, own_inspector_id):
        raise Refused(NOT_YOURS, field="entry_ids", code="not_yours")
    approved = False
    for version in _line(session, entry):
        if not is_approved(session, version.id):
            session.add(HourApproval(entry_id=version.id, approved_by=actor, approved_at=now))
            session.flush()
            audit.record(session, now, actor, "hours.approved", f"hour_entry:{version.id}")
            approved = True
    return approved


def _line(session: Session, head: HourEntry) -> Iterator[HourEntry]:
    """The head, then back through the versions it replaces, each followed by its reversal."""
    yield head
    version = session.get(HourEntry, head.reverses_id) if head.reverses_id is not None else head
    while version is not None:
        if version is not head:
            yield version
        reversal = _reversal_of(session, version.id)
        if reversal is not None and reversal is not head:
            yield reversal
        version = session.get(HourEntry, version.replaces_id) if version.replaces_id is not None else None


def _is_line_head(session: Session, entry: HourEntry) -> bool:
    """A current entry heads its line; so does a reversal whose entry was never replaced (a
    correction made before versions were linked), so that pair can still be approved."""
    if entry.reverses_id is None:
        return not is_reversed(session, entry.id)
    return _successor(session, entry.reverses_id) is None


def _head(session: Session, entry: HourEntry) -> HourEntry:
    """The line an entry belongs to: follow the corrections to the current version."""
    version = session.get_one(HourEntry, entry.reverses_id) if entry.reverses_id is not None else entry
    while (successor := _successor(session, version.id)) is not None:
        version = successor
    return _reversal_of(session, version.id) or version


def _successor(session: Session, entry_id: int) -> HourEntry | None:
    return session.execute(select(HourEntry).where(HourEntry.replaces_id == entry_id)).scalar_one_or_none()


def _reversal_of(session: Session, entry_id: int) -> HourEntry | None:
    return session.execute(select(HourEntry).where(HourEntry.reverses_id == entry_id)).scalar_one_or_none()


def current_entry(
    session: Session, inspector_id: int, shift_id: int, category: HourCategory | None = None
) -> HourEntry | None:
    """The inspector's standing entry for this shift (of this category): not a reversal, not reversed."""
    reversal = aliased(HourEntry)
    query = select(HourEntry).where(
        HourEntry.inspector_id == inspector_id,
        HourEntry.shift_id == shift_id,
        HourEntry.reverses_id.is_(None),
        ~select(reversal.id).where(reversal.reverses_id == HourEntry.id).exists(),
    )
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
    return (
        session.execute(
            select(PeriodLock.id).where(PeriodLock.period_start <= day, PeriodLock.period_end >= day)
        ).first()
        is not None
    )


def _refuse_if_locked(session: Session, instant: datetime) -> None:
    if is_locked(session, instant):
        day = {"day": local_date(instant).isoformat()}
        raise Refused(
            "the period containing %(day)s is closed",
            field="starts_at",
            code="period_closed",
            details=day,
            params=day,
        )


def approve_many(
    session: Session,
    now: datetime,
    actor: str,
    entry_ids: Sequence[int],
    *,
    role: Role = Role.COORDINATOR,
    own_inspector_id: int | None = None,
) -> int:
    """Approve the lines these entries head; returns how many lines were newly approved."""
    approved = 0
    for entry_id in sorted(set(entry_ids)):
        entry = session.get(HourEntry, entry_id)
        if entry is None:
            raise NotFound("entry_ids", "no hour entry %(id)s", params={"id": entry_id})
        if not _is_line_head(session, entry):
            continue  # replaced by a correction since the page was loaded; its successor is listed
        approved += approve(session, now, actor, entry_id, role=role, own_inspector_id=own_inspector_id)
    return approved


def unapproved(
    session: Session,
    start: date | None = None,
    end: date | None = None,
    of: Select[Any] | None = None,
    columns: Sequence[Any] = (),
) -> list[Any]:
    """Every entry (dated in [start, end]; of the inspectors `of` selects) without approval: earlier
    versions and reversals too. With `columns` (of HourEntry), rows of those instead of entries.

    Without a period, only what lies outside the closed periods is looked through: a period closes
    only with every entry in it approved, and nothing is recorded or reversed in it after, so the
    years of closed history (ten times the pilot's has 57,000 entries) are not read for a
    count of the few that wait."""
    query = select(*columns) if columns else select(HourEntry)
    query = query.where(is_unapproved_entry())
    if of is not None:
        query = query.where(HourEntry.inspector_id.in_(of))
    if start is not None and end is not None:
        query = query.where(
            HourEntry.counts_at >= local_day_start(start),
            HourEntry.counts_at < local_day_start(end + ONE_DAY),
        )
    else:
        query = query.where(or_(*_outside_closed_periods(session)))
    # Put in work-time order here, not by the query: asked for that order, SQLite walked the index of
    # starts_at through every entry ever made (15 ms for 57,000 at ten times the pilot, on each view of
    # the board) instead of finding the few outside the closed periods by the index of counts_at.
    found = session.execute(query).all() if columns else session.execute(query).scalars()
    return sorted(found, key=lambda entry: (entry.starts_at, entry.id))


def is_approved_entry() -> ColumnElement[bool]:
    """HourEntry's row has an approval: a condition for a query of entries of a period."""
    return _approval_of_entry().is_not(None)


def is_approved_in(session: Session) -> ColumnElement[bool]:
    """HourEntry's row has an approval, known without looking it up where the entry counts in a closed
    period: a period closes only with every entry in it approved (`lock_period`), and nothing is
    recorded or reversed in it after, nor an approval taken back (hour_approvals is append-only). A
    year's settlement at ten times the pilot looked up 2,300 approvals of closed months to sum them."""
    return or_(not_(or_(*_outside_closed_periods(session))), is_approved_entry())


def is_unapproved_entry() -> ColumnElement[bool]:
    """HourEntry's row has no approval: a condition for a query of entries of a period."""
    return _approval_of_entry().is_(None)


def _approval_of_entry() -> ScalarSelect[int]:
    """The id of the approval of HourEntry's row, looked up for each entry the query selects.

    Not an EXISTS or a join: PostgreSQL turns those into a hash of every approval ever made (57,000
    in ten years of a team ten times the pilot's) to check a month's entries. A scalar subquery
    stays per entry, one probe of the unique index on `entry_id`: work in proportion to the
    period, not to the history. (An entry has at most one approval, so it is one value or none.)"""
    return select(HourApproval.id).where(HourApproval.entry_id == HourEntry.id).scalar_subquery()


def _outside_closed_periods(session: Session) -> list[Any]:
    """Conditions on `counts_at`, one for each stretch of time between closed periods (and before the
    first and after the last): together they hold whatever may still wait for approval."""
    stretches: list[tuple[date | None, date | None]] = []
    since: date | None = None
    for first, last in session.execute(
        select(PeriodLock.period_start, PeriodLock.period_end).order_by(PeriodLock.period_start)
    ):
        if since is None or first > since:
            stretches.append((since, first))
        since = max(since or last, last + ONE_DAY)
    stretches.append((since, None))
    return [
        and_(
            HourEntry.counts_at >= local_day_start(begin) if begin is not None else true(),
            HourEntry.counts_at < local_day_start(until) if until is not None else true(),
        )
        for begin, until in stretches
    ]


def pending(
    session: Session, start: date | None = None, end: date | None = None, of: Select[Any] | None = None
) -> list[Pending]:
    """The approval list (of [start, end]; of the inspectors `of` selects): one line per entry with
    anything unapproved dated in the period, showing its current version, in order of work time.

    The versions and approvals of all its lines are read in a few statements (`_Family`), not
    entry by entry: a team ten times the pilot's has ten times the lines."""
    waiting = unapproved(session, start, end, of)
    family = _Family(session, waiting)
    lines = [
        Pending(head, tuple(e for e in family.line(head) if e is not head and e.id not in family.approved))
        for head in _heads(family, waiting)
    ]
    return sorted(lines, key=lambda line: (line.entry.starts_at, line.entry.id))


HEAD_COLUMNS = (
    HourEntry.id,
    HourEntry.replaces_id,
    HourEntry.reverses_id,
    HourEntry.inspector_id,
    HourEntry.starts_at,
    HourEntry.counts_at,
)


def pending_heads(session: Session) -> list[Any]:
    """The entries `pending` would show, one per line, as rows of HEAD_COLUMNS (id, inspector_id,
    counts_at, ...): what the dispatch board counts every few seconds, without loading an entry,
    its breaks or its sealed note."""
    waiting = unapproved(session, columns=HEAD_COLUMNS)
    return _heads(_Family(session, waiting, HEAD_COLUMNS), waiting)


def _heads(family: _Family, waiting: Sequence[Any]) -> list[Any]:
    """Each line's head once, in the order its first unapproved entry comes."""
    heads: dict[int, Any] = {}
    for entry in waiting:
        head = family.head(entry)
        heads.setdefault(head.id, head)
    return list(heads.values())


class _Family:
    """The entries linked to some entries by corrections (versions and reversals, both ways), and which
    of them are approved: `_head` and `_line` answered from memory. With `columns` (HEAD_COLUMNS), the
    entries are rows of those columns, not loaded entries."""

    def __init__(self, session: Session, entries: Sequence[Any], columns: Sequence[Any] = ()) -> None:
        self.by_id = {e.id: e for e in entries}
        frontier = set(self.by_id) | self._links(entries)
        read = select(*columns) if columns else select(HourEntry)
        while frontier:
            rows = session.execute(
                read.where(
                    or_(
                        among(session, HourEntry.id, frontier),
                        among(session, HourEntry.replaces_id, frontier),
                        among(session, HourEntry.reverses_id, frontier),
                    )
                )
            )
            found = list(rows.all() if columns else rows.scalars())
            new = [e for e in found if e.id not in self.by_id]
            self.by_id.update((e.id, e) for e in new)
            frontier = {e.id for e in new} | {i for i in self._links(new) if i not in self.by_id}
        self.successor = {e.replaces_id: e for e in self.by_id.values() if e.replaces_id is not None}
        self.reversal = {e.reverses_id: e for e in self.by_id.values() if e.reverses_id is not None}
        self.approved = (
            set(
                session.execute(
                    select(HourApproval.entry_id).where(among(session, HourApproval.entry_id, self.by_id))
                ).scalars()
            )
            if self.by_id
            else set()
        )

    @staticmethod
    def _links(entries: Iterable[HourEntry]) -> set[int]:
        return {i for e in entries for i in (e.replaces_id, e.reverses_id) if i is not None}

    def head(self, entry: HourEntry) -> HourEntry:
        """As `_head`: follow the corrections to the current version, then its reversal if it has one."""
        version = self.by_id[entry.reverses_id] if entry.reverses_id is not None else entry
        while version.id in self.successor:
            version = self.successor[version.id]
        return self.reversal.get(version.id) or version

    def line(self, head: HourEntry) -> Iterator[HourEntry]:
        """As `_line`: the head, then back through the versions it replaces, each followed by its reversal."""
        yield head
        version: HourEntry | None = self.by_id[head.reverses_id] if head.reverses_id is not None else head
        while version is not None:
            if version is not head:
                yield version
            reversal = self.reversal.get(version.id)
            if reversal is not None and reversal is not head:
                yield reversal
            version = self.by_id[version.replaces_id] if version.replaces_id is not None else None


class PeriodNotOver(Refused):
    """Closing a period that has not ended: hours of its shifts may still come. Names the first
    shift in it that is still ahead (or still running), if there is one."""

    kind = "period_not_over"

    def __init__(self, end: date, shift: Shift | None, municipality: str | None) -> None:
        self.shift, self.end, self.municipality = shift, end, municipality
        if shift is None:
            message = N_("the period runs until %(end)s and has not ended")
            params: dict[str, Any] = {"end": end.isoformat()}
            details: dict[str, Any] = {"period_end": end.isoformat()}
        else:
            starts = shift.starts_at.astimezone(team_zone())
            message = N_(
                "the period has not ended: the %(kind)s in %(municipality)s on %(starts)s is still ahead"
            )
            params = {
                "kind": shift.kind.value,
                "municipality": municipality,
                "starts": f"{starts:%Y-%m-%d %H:%M}",
            }
            details = {
                "period_end": end.isoformat(),
                "shift_id": shift.id,
                "kind": shift.kind.value,
                "municipality": municipality,
                "starts_at": shift.starts_at.isoformat(),
            }
        super().__init__(message, field="period_end", details=details, params=params)


def lock_period(session: Session, now: datetime, actor: str, start: date, end: date) -> PeriodLock:
    """Close [start, end]: refused before it has ended (and its last shift with it), while an entry
    in it waits for approval, or where it overlaps a closed one."""
    if end < start:
        raise Refused("the period ends before it starts", field="period_end", code="period_order")
    _refuse_if_not_over(session, now, start, end)
    if unapproved(session, start, end):
        raise Refused(
            "hours in this period still wait for approval", field="period_start", code="hours_waiting"
        )
    overlapping = session.execute(
        select(PeriodLock.id).where(PeriodLock.period_start <= end, PeriodLock.period_end >= start)
    ).first()
    if overlapping:
        raise Refused(
            "this period overlaps a period that is already closed",
            field="period_start",
            code="period_overlaps",
        )
    lock = PeriodLock(period_start=start, period_end=end, locked_by=actor, locked_at=now)
    session.add(lock)
    session.flush()
    audit.record(
        session, now, actor, "period.locked", f"period:{start.isoformat()}", {"end": end.isoformat()}
    )
    return lock


def _refuse_if_not_over(session: Session, now: datetime, start: date, end: date) -> None:
    """A shift in the period that has not ended yet, or the period itself still running, would
    bring hours into a closed period (refused then, or booked elsewhere)."""
    ahead = session.execute(
        select(Shift)
        .where(
            Shift.starts_at >= local_day_start(start),
            Shift.starts_at < local_day_start(end + ONE_DAY),
            Shift.ends_at > now,
            Shift.status != ShiftStatus.CANCELLED,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(1)
    ).scalar_one_or_none()
    if ahead is not None:
        place = session.get_one(Municipality, ahead.municipality_id).name
        raise PeriodNotOver(end, ahead, place)
    if now < local_day_start(end + ONE_DAY):
        raise PeriodNotOver(end, None, None)


def locks(session: Session) -> list[PeriodLock]:
    return list(session.execute(select(PeriodLock).order_by(PeriodLock.period_start.desc())).scalars())


def mark_exported(session: Session, now: datetime, actor: str, start: date, end: date, kind: str) -> bool:
    """Note on every closed period inside [start, end] that it was exported; True if all of it is closed."""
    covered = 0
    for lock in locks(session):
        if lock.period_start >= start and lock.period_end <= end:
            lock.exported_at = lock.exported_at or now
            covered += (lock.period_end - lock.period_start).days + 1
    audit.record(
        session,
        now,
        actor,
        "ledger.exported",
        f"period:{start.isoformat()}",
        {"end": end.isoformat(), "format": kind},
    )
    return covered == (end - start).days + 1
