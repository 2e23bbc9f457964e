"""What the coordinator sees: call-outs with their live state, shifts with their pair, what waits on her.

Read-only views as plain data (first names only; never a location), shared by
the web page, its JSON twin and the calendar.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, undefer

from backend.models import (
    Assignment,
    Callout,
    CalloutStatus,
    HourApproval,
    HourEntry,
    Inspector,
    Municipality,
    Offer,
    Report,
    ReportStatus,
    Shift,
    ShiftStatus,
)
from backend.services.planning import LIVE_ASSIGNMENTS
from scheduling.calendar import local_date

RECENT_CALLOUTS = timedelta(hours=24)
"""A filled or closed call-out stays on the board this long."""


@dataclass(frozen=True)
class Person:
    inspector_id: int
    first_name: str
    is_trained: bool
    status: str
    """Offer status (pending, accepted, ...) or assignment status (proposed, confirmed, ...)."""


@dataclass(frozen=True)
class ShiftView:
    shift_id: int
    kind: str
    municipality: str
    starts_at: datetime
    ends_at: datetime
    status: str
    people: tuple[Person, ...]
    is_staffed: bool
    """At least two, one of them trained: the pair rule without the mixed-gender preference."""
    callout_id: int | None = None


@dataclass(frozen=True)
class CalloutView:
    callout_id: int
    source: str
    status: str
    shift: ShiftView
    created_at: datetime
    minutes_open: int
    escalated_at: datetime | None
    widened_at: datetime | None
    offers: tuple[Person, ...]


def first_names(session: Session, ids: Iterable[int]) -> dict[int, Inspector]:
    """Inspectors by id with their first name opened (one query, one decryption each)."""
    wanted = set(ids)
    if not wanted:
        return {}
    found = session.execute(select(Inspector).options(undefer(Inspector.first_name))
                            .where(Inspector.id.in_(wanted))).scalars()
    return {i.id: i for i in found}


def shifts_between(session: Session, start: datetime, end: datetime) -> list[ShiftView]:
    """Every shift starting in [start, end) that is not cancelled, with the people on it."""
    shifts = list(session.execute(
        select(Shift).where(Shift.starts_at >= start, Shift.starts_at < end,
                            Shift.status != ShiftStatus.CANCELLED)
        .order_by(Shift.starts_at, Shift.id)).scalars())
    return views(session, shifts)


def views(session: Session, shifts: Sequence[Shift]) -> list[ShiftView]:
    ids = [s.id for s in shifts]
    assignments = list(session.execute(select(Assignment).where(
        Assignment.shift_id.in_(ids), Assignment.status.in_(LIVE_ASSIGNMENTS))
        .order_by(Assignment.id)).scalars()) if ids else []
    callouts = dict(session.execute(select(Callout.shift_id, Callout.id).where(
        Callout.shift_id.in_(ids))).all()) if ids else {}
    names = first_names(session, (a.inspector_id for a in assignments))
    municipalities = _municipality_names(session)
    views = []
    for shift in shifts:
        on = [a for a in assignments if a.shift_id == shift.id]
        people = tuple(_person(names[a.inspector_id], a.status.value, shift.starts_at) for a in on)
        views.append(ShiftView(
            shift_id=shift.id, kind=shift.kind.value, municipality=municipalities[shift.municipality_id],
            starts_at=shift.starts_at, ends_at=shift.ends_at, status=shift.status.value, people=people,
            is_staffed=len(people) >= 2 and any(p.is_trained for p in people),
            callout_id=callouts.get(shift.id)))
    return views


def _person(inspector: Inspector, status: str, at: datetime) -> Person:
    member_trained = inspector.trained_since is not None and inspector.trained_since <= local_date(at)
    return Person(inspector.id, inspector.first_name, member_trained, status)


def _municipality_names(session: Session) -> dict[int, str]:
    return dict(session.execute(select(Municipality.id, Municipality.name)).all())


def gaps(views: Iterable[ShiftView]) -> list[ShiftView]:
    """Shifts without a valid pair yet."""
    return [v for v in views if not v.is_staffed]


def callouts(session: Session, now: datetime, callout_ids: Sequence[int] | None = None,
             since: datetime | None = None) -> list[CalloutView]:
    """Open call-outs and those filled or closed since `since` (or just these ids), newest first."""
    query = select(Callout).order_by(Callout.created_at.desc(), Callout.id.desc())
    if callout_ids is not None:
        query = query.where(Callout.id.in_(callout_ids))
    else:
        since = since or now - RECENT_CALLOUTS
        query = query.where(or_(Callout.status == CalloutStatus.OPEN, Callout.created_at >= since))
    found = list(session.execute(query).scalars())
    shifts = {v.shift_id: v for v in views(session, [session.get(Shift, c.shift_id) for c in found])}
    offers = list(session.execute(select(Offer).where(Offer.shift_id.in_(shifts))
                                  .order_by(Offer.id)).scalars()) if shifts else []
    names = first_names(session, (o.inspector_id for o in offers))
    return [CalloutView(
        callout_id=c.id, source=c.source.value, status=c.status.value, shift=shifts[c.shift_id],
        created_at=c.created_at, minutes_open=_minutes_open(c, now), escalated_at=c.escalated_at,
        widened_at=c.widened_at,
        offers=tuple(_person(names[o.inspector_id], o.status.value, shifts[c.shift_id].starts_at)
                     for o in offers if o.shift_id == c.shift_id)) for c in found]


def _minutes_open(callout: Callout, now: datetime) -> int:
    end = callout.filled_at or callout.closed_at or now
    return max(0, int((end - callout.created_at).total_seconds() // 60))


@dataclass(frozen=True)
class Waiting:
    hour_entries: int
    reports_to_write: int
    reports_to_review: int


def waiting(session: Session) -> Waiting:
    """Hour entries without approval, and reports not yet written or not yet reviewed."""
    reversal = aliased(HourEntry)
    unapproved = session.execute(select(func.count(HourEntry.id)).where(
        ~select(HourApproval.id).where(HourApproval.entry_id == HourEntry.id).exists(),
        ~select(reversal.id).where(reversal.reverses_id == HourEntry.id).exists())).scalar_one()
    reports = dict(session.execute(select(Report.status, func.count(Report.id))
                                   .group_by(Report.status)).all())
    return Waiting(unapproved, reports.get(ReportStatus.PENDING, 0), reports.get(ReportStatus.WRITTEN, 0))


def month_days(year: int, month: int) -> list[date]:
    """The days of a month, for the calendar grid."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return [date.fromordinal(d) for d in range(first.toordinal(), following.toordinal())]

